/**
 * FLUX works on a packed latent: 2×2 patches of the VAE latent become one token of 4·C channels
 * (diffusers `_pack_latents`, BFL `rearrange("b c (h ph) (w pw) -> b (h w) (c ph pw)")`).
 * Token index = row·(w/2) + col, channel index = c·4 + dy·2 + dx. Batch size is always 1 here.
 */

/** For each latent index (c, y, x), the packed index (row·(W/2) + col)·4C + c·4 + dy·2 + dx. */
function packedOrder(channels: number, height: number, width: number): Uint32Array {
  checkEven(height, width);
  const order = new Uint32Array(channels * height * width);
  const tokenWidth = channels * 4;
  const cols = width / 2;
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const rowBase = (y >> 1) * cols;
      const inner = c * 4 + (y & 1) * 2;
      const src = (c * height + y) * width;
      for (let x = 0; x < width; x++) order[src + x] = (rowBase + (x >> 1)) * tokenWidth + inner + (x & 1);
    }
  }
  return order;
}

/** Latent [C, H, W] (H, W even) → packed [(H/2)·(W/2), 4C]. */
export function packLatents(latent: Float32Array, channels: number, height: number, width: number): Float32Array {
  checkLength(latent, channels * height * width);
  const order = packedOrder(channels, height, width);
  const packed = new Float32Array(latent.length);
  for (let i = 0; i < order.length; i++) packed[order[i]] = latent[i];
  return packed;
}

/** The inverse of packLatents: packed [(H/2)·(W/2), 4C] → latent [C, H, W]. */
export function unpackLatents(packed: Float32Array, channels: number, height: number, width: number): Float32Array {
  checkLength(packed, channels * height * width);
  const order = packedOrder(channels, height, width);
  const latent = new Float32Array(packed.length);
  for (let i = 0; i < order.length; i++) latent[i] = packed[order[i]];
  return latent;
}

/**
 * Position ids of the packed image tokens: [h·w, 3] with [0, row, col] (diffusers `_prepare_latent_image_ids`),
 * where h, w are the packed grid's rows and columns.
 */
export function imageIds(rows: number, cols: number): Float32Array {
  const ids = new Float32Array(rows * cols * 3);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = (r * cols + c) * 3;
      ids[i + 1] = r;
      ids[i + 2] = c;
    }
  }
  return ids;
}

/** Text token ids are all zeros: [seqLen, 3] (diffusers `text_ids`). */
export function textIds(seqLen: number): Float32Array {
  return new Float32Array(seqLen * 3);
}

function checkEven(height: number, width: number): void {
  if (height % 2 !== 0 || width % 2 !== 0) {
    throw new RangeError(`Latent sides must be even to pack 2×2 patches; got ${width}×${height}.`);
  }
}

function checkLength(values: Float32Array, expected: number): void {
  if (values.length !== expected) {
    throw new RangeError(`Expected ${expected} latent values, got ${values.length}.`);
  }
}
