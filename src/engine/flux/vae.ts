/**
 * Pixels ↔ normalized packed latents. The encoder's mean is used (BFL's `sample_z=False`), so the same
 * photo always gives the same latent and the inversion cache can key on content. The normalization
 * z = (latent − shift)·scale happens here, outside the graph, with numbers from the VAE config.
 */
import { ModelError } from '../../errors.ts';
import { IO_NAMES } from './io-names.ts';
import type { VaeConfig } from './model-files.ts';
import { type LazySession, floatTensor, pickName, readFloats } from './onnx-session.ts';
import { packLatents, unpackLatents } from './packing.ts';

export class Vae {
  constructor(
    private readonly encoder: LazySession,
    private readonly decoder: LazySession,
    readonly config: VaeConfig,
  ) {}

  /** Both sides must be multiples of this so the packed 2×2 patches tile the latent. */
  get pixelMultiple(): number {
    return this.config.spatialFactor * 2;
  }

  private latentSize(width: number, height: number): { w: number; h: number } {
    const m = this.pixelMultiple;
    if (width % m !== 0 || height % m !== 0) {
      throw new RangeError(`Image sides must be multiples of ${m}; got ${width}×${height}.`);
    }
    return { w: width / this.config.spatialFactor, h: height / this.config.spatialFactor };
  }

  /** RGB HWC bytes → packed latent [(h/2)(w/2), 4C]. */
  async encode(rgb: Uint8Array, width: number, height: number): Promise<Float32Array> {
    const { w, h } = this.latentSize(width, height);
    const loaded = await this.encoder.get();
    const input = pickName(loaded.inputs, IO_NAMES.vae_encoder.inputs[0].accepted, 'image input', 'vae_encoder');
    const output = pickName(loaded.outputs, IO_NAMES.vae_encoder.outputs[0].accepted, 'latent output', 'vae_encoder');
    const pixels = rgbToPlanar(rgb, width, height);
    const result = await loaded.session.run({ [input.name]: floatTensor(input, pixels, [1, 3, height, width]) }, [
      output.name,
    ]);
    const tensor = result[output.name];
    const { latentChannels: c, scalingFactor, shiftFactor } = this.config;
    const channels = tensor.dims[1];
    // latent_parameters carries mean ‖ logvar (2C channels); the mean is the first C.
    if (
      tensor.dims.length !== 4 ||
      (channels !== c && channels !== 2 * c) ||
      tensor.dims[2] !== h ||
      tensor.dims[3] !== w
    ) {
      throw new ModelError(
        'model_output_shape',
        `vae_encoder returned [${tensor.dims.join(', ')}]; expected [1, ${c} or ${2 * c}, ${h}, ${w}] (latent_channels ${c}, scale ${this.config.spatialFactor}).`,
      );
    }
    const all = readFloats(tensor, output.name);
    const latent = new Float32Array(c * h * w);
    for (let i = 0; i < latent.length; i++) latent[i] = (all[i] - shiftFactor) * scalingFactor;
    return packLatents(latent, c, h, w);
  }

  /** Packed latent → RGB HWC bytes. */
  async decode(packed: Float32Array, width: number, height: number): Promise<Uint8Array> {
    const { w, h } = this.latentSize(width, height);
    const { latentChannels: c, scalingFactor, shiftFactor } = this.config;
    const latent = unpackLatents(packed, c, h, w);
    for (let i = 0; i < latent.length; i++) latent[i] = latent[i] / scalingFactor + shiftFactor;
    const loaded = await this.decoder.get();
    const input = pickName(loaded.inputs, IO_NAMES.vae_decoder.inputs[0].accepted, 'latent input', 'vae_decoder');
    const output = pickName(loaded.outputs, IO_NAMES.vae_decoder.outputs[0].accepted, 'image output', 'vae_decoder');
    const result = await loaded.session.run({ [input.name]: floatTensor(input, latent, [1, c, h, w]) }, [output.name]);
    const tensor = result[output.name];
    if (tensor.dims.length !== 4 || tensor.dims[1] !== 3 || tensor.dims[2] !== height || tensor.dims[3] !== width) {
      throw new ModelError(
        'model_output_shape',
        `vae_decoder returned [${tensor.dims.join(', ')}]; expected [1, 3, ${height}, ${width}].`,
      );
    }
    return planarToRgb(readFloats(tensor, output.name), width, height);
  }
}

/** HWC bytes → CHW in [−1, 1] (diffusers VaeImageProcessor: 2x − 1). */
export function rgbToPlanar(rgb: Uint8Array, width: number, height: number): Float32Array {
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    out[i] = rgb[i * 3] / 127.5 - 1;
    out[plane + i] = rgb[i * 3 + 1] / 127.5 - 1;
    out[2 * plane + i] = rgb[i * 3 + 2] / 127.5 - 1;
  }
  return out;
}

/** CHW in [−1, 1] → HWC bytes, rounded and clamped. */
export function planarToRgb(planar: Float32Array, width: number, height: number): Uint8Array {
  const plane = width * height;
  const out = new Uint8Array(3 * plane);
  const toByte = (v: number) => Math.min(255, Math.max(0, Math.round((v + 1) * 127.5)));
  for (let i = 0; i < plane; i++) {
    out[i * 3] = toByte(planar[i]);
    out[i * 3 + 1] = toByte(planar[plane + i]);
    out[i * 3 + 2] = toByte(planar[2 * plane + i]);
  }
  return out;
}
