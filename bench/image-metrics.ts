/**
 * What a person notices in an edit, as numbers over raw RGB bytes of equal size: how much it changed, whether
 * the photo's edges are still where they were (correlation of Sobel magnitudes of luma), and how much
 * fine-grained energy (speckle) it carries. Used by `npm run bench` and the demo model's tests.
 */

export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Mean absolute difference per channel, in 1/255 steps. */
export function meanChange(a: RgbImage, b: RgbImage): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / a.data.length;
}

function luma(img: RgbImage): Float64Array {
  const out = new Float64Array(img.width * img.height);
  for (let i = 0; i < out.length; i++)
    out[i] = 0.299 * img.data[3 * i] + 0.587 * img.data[3 * i + 1] + 0.114 * img.data[3 * i + 2];
  return out;
}

/** Sobel gradient magnitude of luma on interior pixels. */
export function edgeMap(img: RgbImage): Float64Array {
  const { width: w, height: h } = img;
  const y = luma(img);
  const out = new Float64Array((w - 2) * (h - 2));
  for (let r = 1; r < h - 1; r++) {
    for (let c = 1; c < w - 1; c++) {
      const p = (dr: number, dc: number) => y[(r + dr) * w + c + dc];
      const gx = p(-1, 1) + 2 * p(0, 1) + p(1, 1) - p(-1, -1) - 2 * p(0, -1) - p(1, -1);
      const gy = p(1, -1) + 2 * p(1, 0) + p(1, 1) - p(-1, -1) - 2 * p(-1, 0) - p(-1, 1);
      out[(r - 1) * (w - 2) + c - 1] = Math.hypot(gx, gy);
    }
  }
  return out;
}

export function correlation(a: Float64Array, b: Float64Array): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= a.length;
  mb /= b.length;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/** Correlation of the two images' edge maps: 1 = the same edges, 0 = unrelated. */
export function edgeCorrelation(a: RgbImage, b: RgbImage): number {
  return correlation(edgeMap(a), edgeMap(b));
}

/** Mean squared luma minus its 3×3 box blur: the energy of pixel-scale detail and speckle. */
export function highFrequencyEnergy(img: RgbImage): number {
  const { width: w, height: h } = img;
  const y = luma(img);
  let sum = 0;
  for (let r = 1; r < h - 1; r++) {
    for (let c = 1; c < w - 1; c++) {
      let box = 0;
      for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) box += y[(r + dr) * w + c + dc];
      sum += (y[r * w + c] - box / 9) ** 2;
    }
  }
  return sum / ((w - 2) * (h - 2));
}
