/**
 * The demo model's five ONNX graphs, with the input/output names of optimum's FLUX.1 export.
 *  - text encoders: embedding lookups; the CLIP-like pooled sum carries every word's meaning (vocabulary.ts);
 *  - VAE: opponent colours, an orthonormal 2-D DCT-II (matrices built in the graph from the image size) and a
 *    2×2 space-to-depth (12 of 16 channels); the decoder is the exact inverse, so reconstruction is lossless;
 *  - transformer: in that basis the prompt's distribution is N(μ_k, s_k²) per coefficient (spectrum.ts), and
 *    the velocity is exact per element:
 *      v = (σ − (1−σ)s²)/V · (x − (1−σ)μ) − μ,   V = (1−σ)²s² + σ²,
 *    i.e. E[ε − x0 | x_σ] on the straight path x_σ = (1−σ)x0 + σε. Each element's frequency comes from
 *    img_ids (the token's row and column, as FLUX's positional encoding reads them) and its packed channel.
 */
import type { ElemType } from '../flux/declared-io.ts';
import { ELEM_TYPES } from '../flux/declared-io.ts';
import { GraphBuilder } from './onnx-graph.ts';
import {
  GAIN_KNOTS,
  KNOT_STEP,
  MEAN_COLOUR_VARIANCE,
  OPPONENT,
  SPECTRUM_AMPLITUDE,
  SPECTRUM_POWER,
  packedChannelLayout,
} from './spectrum.ts';
import { DEMO_EMBEDDING_DIM, ROW } from './vocabulary.ts';

export interface GraphVariant {
  /** Dtype of every float input and output (fp16 exports keep their I/O in fp16). */
  floatType: 'float32' | 'float16';
  /** Token id dtype. */
  idsType: 'int64' | 'int32';
  /** img_ids / txt_ids dtype: optimum traces int64, BFL's exporter float32. */
  positionIdsType: 'int64' | 'float32';
  guidance: boolean;
  /** `latent_parameters` (mean ‖ logvar, current optimum) or `latent_sample` (older optimum). */
  vaeEncoderOutput: 'latent_parameters' | 'latent_sample';
}

/** Latent channels (FLUX.1: 16) and the guidance the demo treats as "as written" (FLUX.1-dev's default). */
export const DEMO_LATENT_CHANNELS = 16;
export const DEMO_NOMINAL_GUIDANCE = 3.5;
const PACKED = DEMO_LATENT_CHANNELS * 4;

export function textEncoderGraph(kind: 'clip' | 't5', table: number[][], v: GraphVariant): Uint8Array {
  const g = new GraphBuilder(kind === 'clip' ? 'demo_clip' : 'demo_t5');
  const ids = g.input('input_ids', v.idsType, ['batch_size', 'sequence_length']);
  const weights = g.floats([table.length, DEMO_EMBEDDING_DIM], table.flat());
  const states = g.op('Gather', [weights, ids], { axis: 0 });
  g.emit(states, 'last_hidden_state', v.floatType, ['batch_size', 'sequence_length', DEMO_EMBEDDING_DIM]);
  if (kind === 'clip') {
    const pooled = g.op('ReduceSum', [states, g.int64s([1])], { keepdims: 0 });
    g.emit(pooled, 'pooler_output', v.floatType, ['batch_size', DEMO_EMBEDDING_DIM]);
  }
  return g.encode();
}

/** Columns [from, to) of a [B, D] tensor. */
function columns(g: GraphBuilder, x: string, from: number, to: number): string {
  return g.op('Slice', [x, g.int64s([from]), g.int64s([to]), g.int64s([1])]);
}

/** Σ columns / max(Σweight, 1): the average over the words that carry this meaning, 0 when none do. */
function average(g: GraphBuilder, sums: string, from: number, to: number, weightColumn: number): string {
  const weight = g.op('Max', [columns(g, sums, weightColumn, weightColumn + 1), g.scalar(1)]);
  return g.op('Div', [columns(g, sums, from, to), weight]);
}

/** A [64] constant over the packed channels. */
function perChannel(g: GraphBuilder, value: (j: number) => number): string {
  return g.floats(
    [64],
    Array.from({ length: 64 }, (_, j) => value(j)),
  );
}

export function transformerGraph(t5Dim: number, v: GraphVariant): Uint8Array {
  const g = new GraphBuilder('demo_flux_transformer');
  const f = v.floatType;
  const x = g.toFloat32(g.input('hidden_states', f, ['batch_size', 'packed_height_width', PACKED]), f);
  g.input('encoder_hidden_states', f, ['batch_size', 'sequence_length', t5Dim]);
  const pooled = g.toFloat32(g.input('pooled_projections', f, ['batch_size', DEMO_EMBEDDING_DIM]), f);
  const timestep = g.toFloat32(g.input('timestep', f, ['batch_size']), f);
  g.input('txt_ids', v.positionIdsType, ['sequence_length', 3]);
  const ids = g.op('Cast', [g.input('img_ids', v.positionIdsType, ['packed_height_width', 3])], {
    to: ELEM_TYPES.float32,
  });

  // The prompt: averaged shift (colour + tone), luma log-gains at the knots, chroma log-gain; [B, 3 + K + 1].
  let shift = g.op('Add', [
    average(g, pooled, ROW.colour, ROW.colour + 3, ROW.colourWeight),
    average(g, pooled, ROW.tone, ROW.tone + 3, ROW.toneWeight),
  ]);
  let gains = average(g, pooled, ROW.luma, ROW.chroma + 1, ROW.gainWeight);
  if (v.guidance) {
    const guidance = g.toFloat32(g.input('guidance', f, ['batch_size']), f);
    const scale = g.op('Div', [g.op('Unsqueeze', [guidance, g.int64s([1])]), g.scalar(DEMO_NOMINAL_GUIDANCE)]);
    shift = g.op('Mul', [shift, scale]);
    gains = g.op('Mul', [gains, scale]);
  }

  // Each element's DCT frequency: token (row, col) from img_ids, offsets within the token from its channel.
  const rows = columns(g, ids, 1, 2); // [L, 1]
  const cols = columns(g, ids, 2, 3);
  const height = g.op('Mul', [g.op('Add', [g.op('ReduceMax', [rows], { keepdims: 1 }), g.scalar(1)]), g.scalar(4)]); // [1, 1] px
  const width = g.op('Mul', [g.op('Add', [g.op('ReduceMax', [cols], { keepdims: 1 }), g.scalar(1)]), g.scalar(4)]);
  const layout = Array.from({ length: 64 }, (_, j) => packedChannelLayout(j));
  const frequency = (pos: string, offset: 'offsetY' | 'offsetX', size: string) =>
    g.op('Div', [
      g.op('Mul', [
        g.op('Add', [g.op('Mul', [pos, g.scalar(4)]), perChannel(g, (j) => layout[j][offset])]),
        g.scalar(128),
      ]),
      size,
    ]);
  const fy = frequency(rows, 'offsetY', height); // [L, 64]
  const fx = frequency(cols, 'offsetX', width);
  const f2 = g.op('Add', [g.op('Mul', [fy, fy]), g.op('Mul', [fx, fx])]);
  const isDc = g.op('Cast', [g.op('Equal', [f2, g.scalar(0)])], { to: ELEM_TYPES.float32 });

  // Luma log-gain: linear interpolation between knots in u = ln(1 + f)/step, clamped to the last knot.
  const u = g.op('Min', [
    g.op('Div', [g.op('Log', [g.op('Add', [g.op('Sqrt', [f2]), g.scalar(1)])]), g.scalar(KNOT_STEP)]),
    g.scalar(GAIN_KNOTS - 1),
  ]);
  const low = g.op('Min', [g.op('Floor', [u]), g.scalar(GAIN_KNOTS - 2)]);
  const t = g.op('Sub', [u, low]);
  const lowIndex = g.op('Cast', [low], { to: ELEM_TYPES.int64 });
  const highIndex = g.op('Add', [lowIndex, g.int64s([1])]);
  const lumaKnots = columns(g, gains, 0, GAIN_KNOTS); // [B, K]
  const lumaLog = g.op('Add', [
    g.op('Mul', [g.op('Gather', [lumaKnots, lowIndex], { axis: 1 }), g.op('Sub', [g.scalar(1), t])]),
    g.op('Mul', [g.op('Gather', [lumaKnots, highIndex], { axis: 1 }), t]),
  ]); // [B, L, 64]
  const chromaLog = g.op('Unsqueeze', [columns(g, gains, GAIN_KNOTS, GAIN_KNOTS + 1), g.int64s([2])]); // [B, 1, 1]
  const logGain = g.op('Add', [
    g.op('Mul', [lumaLog, perChannel(g, (j) => (layout[j].channel === 0 ? 1 : 0))]),
    g.op('Mul', [chromaLog, perChannel(g, (j) => (layout[j].channel === 1 || layout[j].channel === 2 ? 1 : 0))]),
  ]);
  // s² = gain² on the 12 used channels (the latent is whitened by the prior), 1 on the 4 unused ones (log-gain 0).
  const s2 = g.op('Exp', [g.op('Mul', [logGain, g.scalar(2)])]);

  // μ: the shift in opponent colours over the mean-colour spread, on DC coefficients only.
  const toChannels = new Array<number>(3 * 64).fill(0); // [rgb, j]
  for (let j = 0; j < 64; j++) {
    const c = layout[j].channel;
    if (c < 3) for (let k = 0; k < 3; k++) toChannels[k * 64 + j] = OPPONENT[c][k] / Math.sqrt(MEAN_COLOUR_VARIANCE[c]);
  }
  const shiftPerChannel = g.op('Unsqueeze', [g.op('MatMul', [shift, g.floats([3, 64], toChannels)]), g.int64s([1])]); // [B, 1, 64]
  const mean = g.op('Mul', [shiftPerChannel, isDc]);

  const sigma = g.op('Reshape', [timestep, g.int64s([-1, 1, 1])]);
  const a = g.op('Sub', [g.scalar(1), sigma]);
  const as2 = g.op('Mul', [a, s2]);
  const variance = g.op('Add', [g.op('Mul', [a, as2]), g.op('Mul', [sigma, sigma])]);
  const coef = g.op('Div', [g.op('Sub', [sigma, as2]), variance]);
  const centred = g.op('Sub', [x, g.op('Mul', [a, mean])]);
  const velocity = g.op('Sub', [g.op('Mul', [coef, centred]), mean]);
  g.emit(velocity, 'out_hidden_states', f, ['batch_size', 'packed_height_width', PACKED]);
  return g.encode();
}

/** Size of `axis` of `tensor` as a float scalar. */
function sizeOf(g: GraphBuilder, tensor: string, axis: number): string {
  return g.op('Squeeze', [
    g.op('Cast', [g.op('Gather', [g.op('Shape', [tensor]), g.int64s([axis])], { axis: 0 })], {
      to: ELEM_TYPES.float32,
    }),
    g.int64s([0]),
  ]);
}

/** The prior's variance of every DCT coefficient of a [B, 3, H, W] tensor: [3, H, W] (spectrum.ts priorVariance). */
function priorVarianceGrid(g: GraphBuilder, tensor: string): string {
  const height = sizeOf(g, tensor, 2);
  const width = sizeOf(g, tensor, 3);
  const freq = (size: string, axes: number[]) =>
    g.op('Unsqueeze', [
      g.op('Div', [g.op('Mul', [g.op('Range', [g.scalar(0), size, g.scalar(1)]), g.scalar(128)]), size]),
      g.int64s(axes),
    ]);
  const fy = freq(height, [1]); // [H, 1]
  const fx = freq(width, [0]); // [1, W]
  const f2 = g.op('Add', [g.op('Mul', [fy, fy]), g.op('Mul', [fx, fx])]); // [H, W]
  const spectrum = g.op('Mul', [
    g.floats([3, 1, 1], SPECTRUM_AMPLITUDE),
    g.op('Pow', [g.op('Add', [f2, g.scalar(1)]), g.scalar(-SPECTRUM_POWER)]),
  ]);
  const dc = g.op('Mul', [g.floats([3, 1, 1], MEAN_COLOUR_VARIANCE), g.op('Mul', [height, width])]);
  return g.op('Where', [g.op('Equal', [f2, g.scalar(0)]), dc, spectrum]);
}

/** The orthonormal DCT-II matrix M[k, n] = c_k·cos(π(n + ½)k/N) for the size of `axis` of `tensor`. */
function dctMatrix(g: GraphBuilder, tensor: string, axis: number): string {
  const size = sizeOf(g, tensor, axis);
  const index = g.op('Range', [g.scalar(0), size, g.scalar(1)]); // [N]
  const k = g.op('Unsqueeze', [index, g.int64s([1])]); // [N, 1]
  const n = g.op('Unsqueeze', [g.op('Add', [index, g.scalar(0.5)]), g.int64s([0])]); // [1, N]
  const angle = g.op('Div', [g.op('Mul', [g.op('Mul', [k, n]), g.scalar(Math.PI)]), size]);
  const scale = g.op('Where', [
    g.op('Equal', [k, g.scalar(0)]),
    g.op('Sqrt', [g.op('Div', [g.scalar(1), size])]),
    g.op('Sqrt', [g.op('Div', [g.scalar(2), size])]),
  ]);
  return g.op('Mul', [g.op('Cos', [angle]), scale]);
}

/** 1×1 convolution weights [3, 3, 1, 1] of a 3×3 colour matrix (or its transpose). */
function colourWeights(transpose: boolean): number[] {
  const w: number[] = [];
  for (let o = 0; o < 3; o++) for (let i = 0; i < 3; i++) w.push(transpose ? OPPONENT[i][o] : OPPONENT[o][i]);
  return w;
}

/** Weight [16, 3, 2, 2] with out channel c·4 + py·2 + px picking that coefficient; channels 12–15 stay zero. */
function patchWeights(): number[] {
  const w = new Array<number>(DEMO_LATENT_CHANNELS * 12).fill(0);
  for (let c = 0; c < 12; c++) w[c * 12 + c] = 1; // [o][c][py][px] flattened: o·12 + c·4 + py·2 + px
  return w;
}

export function vaeEncoderGraph(v: GraphVariant): Uint8Array {
  const g = new GraphBuilder('demo_vae_encoder');
  const f = v.floatType;
  const image = g.toFloat32(g.input('sample', f, ['batch_size', 3, 'height', 'width']), f);
  const opponent = g.op('Conv', [image, g.floats([3, 3, 1, 1], colourWeights(false))]);
  // Y = M_H · X · M_Wᵀ per channel.
  const rowsDct = g.op('MatMul', [dctMatrix(g, image, 2), opponent]);
  const coefficients = g.op('MatMul', [rowsDct, g.op('Transpose', [dctMatrix(g, image, 3)], { perm: [1, 0] })]);
  const whitened = g.op('Div', [coefficients, g.op('Sqrt', [priorVarianceGrid(g, image)])]);
  const mean = g.op('Conv', [whitened, g.floats([DEMO_LATENT_CHANNELS, 3, 2, 2], patchWeights())], {
    kernel_shape: [2, 2],
    strides: [2, 2],
  });
  const dims = [
    'batch_size',
    v.vaeEncoderOutput === 'latent_parameters' ? 2 * DEMO_LATENT_CHANNELS : DEMO_LATENT_CHANNELS,
    'latent_height',
    'latent_width',
  ];
  if (v.vaeEncoderOutput === 'latent_sample') {
    g.emit(mean, 'latent_sample', f, dims);
  } else {
    // A deterministic encoder: log-variance −30 (σ ≈ 3e−7) beside the mean.
    const logvar = g.op('Add', [g.op('Mul', [mean, g.scalar(0)]), g.scalar(-30)]);
    g.emit(g.op('Concat', [mean, logvar], { axis: 1 }), 'latent_parameters', f, dims);
  }
  return g.encode();
}

export function vaeDecoderGraph(v: GraphVariant): Uint8Array {
  const g = new GraphBuilder('demo_vae_decoder');
  const f = v.floatType;
  const latent = g.toFloat32(
    g.input('latent_sample', f, ['batch_size', DEMO_LATENT_CHANNELS, 'latent_height', 'latent_width']),
    f,
  );
  // ConvTranspose weight is [in, out, kh, kw]: the same numbers as the encoder's [out, in, kh, kw].
  const whitened = g.op('ConvTranspose', [latent, g.floats([DEMO_LATENT_CHANNELS, 3, 2, 2], patchWeights())], {
    kernel_shape: [2, 2],
    strides: [2, 2],
  });
  const coefficients = g.op('Mul', [whitened, g.op('Sqrt', [priorVarianceGrid(g, whitened)])]);
  // X = M_Hᵀ · Y · M_W, then back from opponent colours to RGB.
  const rowsBack = g.op('MatMul', [g.op('Transpose', [dctMatrix(g, coefficients, 2)], { perm: [1, 0] }), coefficients]);
  const opponent = g.op('MatMul', [rowsBack, dctMatrix(g, coefficients, 3)]);
  const image = g.op('Conv', [opponent, g.floats([3, 3, 1, 1], colourWeights(true))]);
  g.emit(image, 'sample', f, ['batch_size', 3, 'height', 'width']);
  return g.encode();
}

export type { ElemType };
