/**
 * The demo model's distribution over images, in closed form. The "VAE" maps an image to an orthonormal basis
 * (opponent colours × 2-D DCT-II frequencies) and whitens it by the prior's spread, like FLUX's VAE scaling
 * factor but per frequency. In that latent every coefficient k is an independent Gaussian, z_k ~ N(μ_k, s_k²),
 * so the flow's velocity is the 1-D Gaussian formula per element, exact; and an edit at γ = η = 0 is a linear
 * filter of the photo: z_k becomes μ'_k + (s'_k/s_k)(z_k − μ_k).
 *
 *   opponent colours  Y = (R+G+B)/√3, C1 = (R−G)/√2, C2 = (R+G−2B)/√6          (orthonormal)
 *   frequency f       √(fy² + fx²) in cycles per 256 px, fy = 128·ky/H for DCT index ky of H px
 *   prior (image)     variance A_c/(f² + 1)^1.25 per coefficient, and H·W·D_c at f = 0 (a mean-colour spread √D_c)
 *   latent            z = coefficient / √prior, so the empty prompt is N(0, 1) and its flow the identity
 *   prompt            s'(c, f) = exp(ℓ_c(f)),  μ'(c, DC) = shift_c/√D_c
 *
 * where ℓ_Y(f) is a piecewise-linear log-gain over knots even in ln(1 + f), ℓ_C1 = ℓ_C2 one number, both
 * averaged over the prompt's words (vocabulary.ts), and shift the prompt's colour and light per pixel. Whitening
 * keeps every coefficient near unit scale, so the 28-step Euler round trip of an unknown prompt stays close to
 * the photo at every frequency. Everything here is also what the ONNX graphs compute.
 */

/** Rows: Y, C1, C2; columns: R, G, B. Orthonormal, so its transpose is its inverse. */
export const OPPONENT: readonly (readonly [number, number, number])[] = [
  [1 / Math.sqrt(3), 1 / Math.sqrt(3), 1 / Math.sqrt(3)],
  [1 / Math.sqrt(2), -1 / Math.sqrt(2), 0],
  [1 / Math.sqrt(6), 1 / Math.sqrt(6), -2 / Math.sqrt(6)],
];

/** Prior spectrum amplitude A_c of each opponent channel (pixel scale [−1, 1]). */
export const SPECTRUM_AMPLITUDE: readonly [number, number, number] = [3000, 150, 150];
export const SPECTRUM_POWER = 1.6;
/** Per-pixel variance D_c of a photo's mean colour in each opponent channel: the DC coefficient's is H·W·D_c. */
export const MEAN_COLOUR_VARIANCE: readonly [number, number, number] = [0.3, 0.05, 0.05];

/** Knots of the luma log-gain: even in u = ln(1 + f), from f = 0 to f = 128; constant beyond (diagonal frequencies). */
export const GAIN_KNOTS = 7;
export const KNOT_STEP = Math.log(129) / (GAIN_KNOTS - 1);
export const knotFrequency = (j: number): number => Math.exp(j * KNOT_STEP) - 1;

/** What a prompt sets: per-pixel RGB shift of the mean, luma log-gains at the knots, chroma log-gain. */
export interface DemoPromptEffect {
  readonly shift: readonly [number, number, number];
  readonly lumaLogGain: readonly number[];
  readonly chromaLogGain: number;
}

/** Linear interpolation of the knot values in ln(1 + f), clamped to the last knot. */
export function lumaLogGainAt(effect: DemoPromptEffect, f: number): number {
  const u = Math.min(GAIN_KNOTS - 1, Math.log1p(f) / KNOT_STEP);
  const i = Math.min(GAIN_KNOTS - 2, Math.floor(u));
  const t = u - i;
  return effect.lumaLogGain[i] * (1 - t) + effect.lumaLogGain[i + 1] * t;
}

/** Frequency in cycles per 256 px of DCT indices (ky, kx) of an H×W image. */
export function frequencyOf(ky: number, kx: number, height: number, width: number): number {
  return Math.hypot((128 * ky) / height, (128 * kx) / width);
}

/** Variance of one DCT coefficient under the prior (what the VAE divides by the square root of). */
export function priorVariance(channel: number, f: number, height: number, width: number): number {
  return f === 0
    ? height * width * MEAN_COLOUR_VARIANCE[channel]
    : SPECTRUM_AMPLITUDE[channel] / (f * f + 1) ** SPECTRUM_POWER;
}

/** Mean and spread in the latent of one coefficient: opponent channel c at frequency f. */
export function coefficientTarget(effect: DemoPromptEffect, channel: number, f: number): { mean: number; std: number } {
  const std = Math.exp(channel === 0 ? lumaLogGainAt(effect, f) : effect.chromaLogGain);
  if (f !== 0) return { mean: 0, std };
  const opp = OPPONENT[channel];
  const shift = opp[0] * effect.shift[0] + opp[1] * effect.shift[1] + opp[2] * effect.shift[2];
  return { mean: shift / Math.sqrt(MEAN_COLOUR_VARIANCE[channel]), std };
}

/**
 * Where each packed latent element sits in the basis. Packed channel j = ch·4 + dy·2 + dx of latent channel
 * ch = c·4 + py·2 + px (c the opponent channel; 12–15 unused), at token (row, col): latent pixel
 * (2row + dy, 2col + dx) holds DCT index (ky, kx) = (4row + 2dy + py, 4col + 2dx + px).
 */
export function packedChannelLayout(j: number): { channel: number; offsetY: number; offsetX: number } {
  const ch = Math.floor(j / 4);
  const dy = Math.floor((j % 4) / 2);
  const dx = j % 2;
  const channel = ch < 12 ? Math.floor(ch / 4) : 3;
  const py = Math.floor((ch % 4) / 2);
  const px = ch % 2;
  return { channel, offsetY: 2 * dy + py, offsetX: 2 * dx + px };
}

/** Per packed element of an H×W image (H, W multiples of 4): the prompt's mean and spread. Unused channels: N(0, 1). */
export function packedTargets(
  effect: DemoPromptEffect,
  height: number,
  width: number,
): { mean: Float64Array; std: Float64Array } {
  const rows = height / 4;
  const cols = width / 4;
  const mean = new Float64Array(rows * cols * 64);
  const std = new Float64Array(rows * cols * 64).fill(1);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      for (let j = 0; j < 64; j++) {
        const { channel, offsetY, offsetX } = packedChannelLayout(j);
        if (channel === 3) continue;
        const t = coefficientTarget(effect, channel, frequencyOf(4 * r + offsetY, 4 * c + offsetX, height, width));
        const i = (r * cols + c) * 64 + j;
        mean[i] = t.mean;
        std[i] = t.std;
      }
    }
  }
  return { mean, std };
}
