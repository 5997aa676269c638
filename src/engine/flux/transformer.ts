/**
 * The FLUX transformer as a velocity function vθ(x, σ, c). It is fed σ ∈ [0, 1] (the export multiplies by
 * 1000 inside) and raw guidance; conditioning tensors are built once per prompt and reused every step.
 */
import type * as ort from 'onnxruntime-node';
import { ModelError } from '../../errors.ts';
import { IO_NAMES } from './io-names.ts';
import {
  type LazySession,
  type LoadedSession,
  type TensorInfo,
  findName,
  floatTensor,
  numberTensor,
  pickName,
  readFloats,
} from './onnx-session.ts';
import { imageIds, textIds } from './packing.ts';
import type { PromptEmbedding } from './text-encoders.ts';

/** Everything the transformer needs besides the latent and σ. */
export interface FluxCondition {
  readonly text: PromptEmbedding;
  /** Distilled guidance (FLUX.1-dev); ignored by exports without a guidance input. */
  readonly guidance: number;
  /** Packed token grid: rows·cols = sequence length. */
  readonly rows: number;
  readonly cols: number;
}

interface Bound {
  loaded: LoadedSession;
  names: Record<'latent' | 'text' | 'pooled' | 'timestep' | 'imgIds' | 'txtIds', TensorInfo>;
  guidance: TensorInfo | null;
  output: TensorInfo;
}

export class Transformer {
  private bound: Promise<Bound> | null = null;
  private readonly textTensors = new WeakMap<PromptEmbedding, Record<string, ort.Tensor>>();
  private readonly idTensors = new Map<string, ort.Tensor>();

  constructor(private readonly session: LazySession) {}

  private bind(): Promise<Bound> {
    this.bound ??= this.session.get().then((loaded) => {
      const [latent, text, pooled, timestep, imgIds, txtIds] = IO_NAMES.transformer.inputs
        .slice(0, 6)
        .map((spec) => pickName(loaded.inputs, spec.accepted, `${spec.role} input`, 'transformer'));
      return {
        loaded,
        names: { latent, text, pooled, timestep, imgIds, txtIds },
        guidance: findName(loaded.inputs, ['guidance']),
        output: pickName(loaded.outputs, IO_NAMES.transformer.outputs[0].accepted, 'velocity output', 'transformer'),
      };
    });
    return this.bound;
  }

  async hasGuidance(): Promise<boolean> {
    return (await this.bind()).guidance !== null;
  }

  /** vθ(x, σ, c) for a packed latent x of rows·cols tokens. */
  async velocity(x: Float32Array, sigma: number, cond: FluxCondition): Promise<Float32Array> {
    const [out] = await this.velocityBatch([x], sigma, [cond]);
    return out;
  }

  /** True when the export declares a dynamic batch axis on its latent input, so several latents go in one call. */
  async batchable(): Promise<boolean> {
    const first = (await this.bind()).names.latent.shape[0];
    return typeof first === 'string' || (typeof first === 'number' && first < 0);
  }

  /**
   * vθ for several latents at one σ in a single call (batch axis first). All share the token grid and the text
   * length; a batch of one is the plain call, with the per-prompt tensors cached.
   */
  async velocityBatch(
    xs: readonly Float32Array[],
    sigma: number,
    conds: readonly FluxCondition[],
  ): Promise<Float32Array[]> {
    const b = await this.bind();
    const [cond] = conds;
    const tokens = cond.rows * cond.cols;
    const width = xs[0].length / tokens;
    if (!Number.isInteger(width)) {
      throw new RangeError(`A latent of ${xs[0].length} values does not split into ${tokens} tokens.`);
    }
    for (const other of conds) {
      if (other.rows !== cond.rows || other.cols !== cond.cols || other.text.t5Length !== cond.text.t5Length) {
        throw new RangeError('A batch must share its token grid and text length.');
      }
    }
    const n = xs.length;
    const feeds: Record<string, ort.Tensor> = {
      ...(n === 1 ? this.conditionTensors(b, cond) : this.batchedConditionTensors(b, conds)),
      [b.names.latent.name]: floatTensor(b.names.latent, n === 1 ? xs[0] : concat(xs), [n, tokens, width]),
      [b.names.timestep.name]: floatTensor(b.names.timestep, new Float32Array(n).fill(sigma), [n]),
      [b.names.imgIds.name]: this.ids(b.names.imgIds, 'img', cond.rows, cond.cols),
      [b.names.txtIds.name]: this.ids(b.names.txtIds, 'txt', cond.text.t5Length, 1),
    };
    if (b.guidance)
      feeds[b.guidance.name] = floatTensor(
        b.guidance,
        Float32Array.from(conds, (c) => c.guidance),
        [n],
      );
    const result = await b.loaded.session.run(feeds, [b.output.name]);
    const out = readFloats(result[b.output.name], b.output.name);
    const size = xs[0].length;
    if (out.length !== n * size) {
      throw new ModelError(
        'model_output_shape',
        `transformer returned ${out.length} values for ${n} latent(s) of ${size}.`,
      );
    }
    return n === 1 ? [out] : Array.from({ length: n }, (_, i) => out.subarray(i * size, (i + 1) * size));
  }

  private batchedConditionTensors(b: Bound, conds: readonly FluxCondition[]): Record<string, ort.Tensor> {
    const { t5Length, t5Dim, pooled } = conds[0].text;
    return {
      [b.names.text.name]: floatTensor(b.names.text, concat(conds.map((c) => c.text.t5)), [
        conds.length,
        t5Length,
        t5Dim,
      ]),
      [b.names.pooled.name]: floatTensor(b.names.pooled, concat(conds.map((c) => c.text.pooled)), [
        conds.length,
        pooled.length,
      ]),
    };
  }

  private conditionTensors(b: Bound, cond: FluxCondition): Record<string, ort.Tensor> {
    let tensors = this.textTensors.get(cond.text);
    if (!tensors) {
      const { t5, t5Length, t5Dim, pooled } = cond.text;
      tensors = {
        [b.names.text.name]: floatTensor(b.names.text, t5, [1, t5Length, t5Dim]),
        [b.names.pooled.name]: floatTensor(b.names.pooled, pooled, [1, pooled.length]),
      };
      this.textTensors.set(cond.text, tensors);
    }
    return tensors;
  }

  /** img_ids / txt_ids: [n, 3], or the deprecated batched [1, n, 3] when the export declares rank 3. */
  private ids(info: TensorInfo, kind: 'img' | 'txt', rows: number, cols: number): ort.Tensor {
    const key = `${kind}:${rows}x${cols}`;
    let tensor = this.idTensors.get(key);
    if (!tensor) {
      const values = kind === 'img' ? imageIds(rows, cols) : textIds(rows);
      const n = values.length / 3;
      tensor = numberTensor(info, values, info.shape.length === 3 ? [1, n, 3] : [n, 3]);
      this.idTensors.set(key, tensor);
    }
    return tensor;
  }
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
