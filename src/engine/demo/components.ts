/**
 * The demo model's five ONNX graphs, with the input/output names of optimum's FLUX.1 export.
 *  - text encoders: embedding lookups (T5-like → colours, CLIP-like pooled sum → light and style);
 *  - transformer: the exact velocity of N(μ, s²) per latent element,
 *      v = (σ − (1−σ)s²)/V · (x − (1−σ)μ) − μ,   V = (1−σ)²s² + σ²,
 *    i.e. E[ε − x0 | x_σ] on the straight path x_σ = (1−σ)x0 + σε;
 *  - VAE: a 2×2 space-to-depth (12 of 16 channels) and its exact inverse, so reconstruction is lossless.
 */
import type { ElemType } from '../flux/declared-io.ts';
import { GraphBuilder } from './onnx-graph.ts';
import { DEMO_EMBEDDING_DIM } from './vocabulary.ts';

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

/** Σnumerator / max(Σweight, 1): the average over the words that carry this meaning, 0 when none do. */
function average(g: GraphBuilder, sums: string, from: number, to: number, weightColumn: number): string {
  const weight = g.op('Max', [columns(g, sums, weightColumn, weightColumn + 1), g.scalar(1)]);
  return g.op('Div', [columns(g, sums, from, to), weight]);
}

export function transformerGraph(t5Dim: number, v: GraphVariant): Uint8Array {
  const g = new GraphBuilder('demo_flux_transformer');
  const f = v.floatType;
  const x = g.toFloat32(g.input('hidden_states', f, ['batch_size', 'packed_height_width', PACKED]), f);
  const t5 = g.toFloat32(g.input('encoder_hidden_states', f, ['batch_size', 'sequence_length', t5Dim]), f);
  const pooled = g.toFloat32(g.input('pooled_projections', f, ['batch_size', DEMO_EMBEDDING_DIM]), f);
  const timestep = g.toFloat32(g.input('timestep', f, ['batch_size']), f);
  g.input('txt_ids', v.positionIdsType, ['sequence_length', 3]);
  g.input('img_ids', v.positionIdsType, ['packed_height_width', 3]);

  const t5Sum = g.op('ReduceSum', [t5, g.int64s([1])], { keepdims: 0 });
  const light = average(g, pooled, 0, 1, 1);
  let meanRgb = g.op('Add', [average(g, t5Sum, 0, 3, 3), light]);
  if (v.guidance) {
    const guidance = g.toFloat32(g.input('guidance', f, ['batch_size']), f);
    const scale = g.op('Div', [g.op('Unsqueeze', [guidance, g.int64s([1])]), g.scalar(DEMO_NOMINAL_GUIDANCE)]);
    meanRgb = g.op('Mul', [meanRgb, scale]);
  }
  // Packed channel k = c·4 + dy·2 + dx with latent channel c = rgb·4 + py·2 + px, so rgb = ⌊k/16⌋ for k < 48.
  const spread = new Array<number>(3 * PACKED).fill(0);
  for (let k = 0; k < 48; k++) spread[Math.floor(k / 16) * PACKED + k] = 1;
  const mean = g.op('Unsqueeze', [g.op('MatMul', [meanRgb, g.floats([3, PACKED], spread)]), g.int64s([1])]);
  const s = g.op('Exp', [average(g, pooled, 2, 3, 3)]);
  const s2 = g.op('Unsqueeze', [g.op('Mul', [s, s]), g.int64s([2])]);
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

/** Weight [16, 3, 2, 2] with out channel rgb·4 + py·2 + px picking that pixel; channels 12–15 stay zero. */
function patchWeights(): number[] {
  const w = new Array<number>(DEMO_LATENT_CHANNELS * 12).fill(0);
  for (let c = 0; c < 12; c++) w[c * 12 + c] = 1; // [o][rgb][py][px] flattened: o·12 + rgb·4 + py·2 + px
  return w;
}

export function vaeEncoderGraph(v: GraphVariant): Uint8Array {
  const g = new GraphBuilder('demo_vae_encoder');
  const f = v.floatType;
  const image = g.toFloat32(g.input('sample', f, ['batch_size', 3, 'height', 'width']), f);
  const mean = g.op('Conv', [image, g.floats([DEMO_LATENT_CHANNELS, 3, 2, 2], patchWeights())], { kernel_shape: [2, 2], strides: [2, 2] });
  const dims = ['batch_size', v.vaeEncoderOutput === 'latent_parameters' ? 2 * DEMO_LATENT_CHANNELS : DEMO_LATENT_CHANNELS, 'latent_height', 'latent_width'];
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
  const latent = g.toFloat32(g.input('latent_sample', f, ['batch_size', DEMO_LATENT_CHANNELS, 'latent_height', 'latent_width']), f);
  // ConvTranspose weight is [in, out, kh, kw]: the same numbers as the encoder's [out, in, kh, kw].
  const image = g.op('ConvTranspose', [latent, g.floats([DEMO_LATENT_CHANNELS, 3, 2, 2], patchWeights())], {
    kernel_shape: [2, 2],
    strides: [2, 2],
  });
  g.emit(image, 'sample', f, ['batch_size', 3, 'height', 'width']);
  return g.encode();
}

export type { ElemType };
