/**
 * The FLUX transformer as a velocity function vθ(x, σ, c). It is fed σ ∈ [0, 1] (the export multiplies by
 * 1000 inside) and raw guidance; conditioning tensors are built once per prompt and reused every step.
 */
import type * as ort from 'onnxruntime-node';
import { ModelError } from '../../errors.ts';
import { IO_NAMES } from './io-names.ts';
import { type LazySession, type LoadedSession, type TensorInfo, findName, floatTensor, numberTensor, pickName, readFloats } from './onnx-session.ts';
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
    const b = await this.bind();
    const tokens = cond.rows * cond.cols;
    const width = x.length / tokens;
    if (!Number.isInteger(width)) {
      throw new RangeError(`A latent of ${x.length} values does not split into ${tokens} tokens.`);
    }
    const feeds: Record<string, ort.Tensor> = {
      ...this.conditionTensors(b, cond),
      [b.names.latent.name]: floatTensor(b.names.latent, x, [1, tokens, width]),
      [b.names.timestep.name]: floatTensor(b.names.timestep, Float32Array.of(sigma), [1]),
      [b.names.imgIds.name]: this.ids(b.names.imgIds, 'img', cond.rows, cond.cols),
      [b.names.txtIds.name]: this.ids(b.names.txtIds, 'txt', cond.text.t5Length, 1),
    };
    if (b.guidance) feeds[b.guidance.name] = floatTensor(b.guidance, Float32Array.of(cond.guidance), [1]);
    const result = await b.loaded.session.run(feeds, [b.output.name]);
    const out = readFloats(result[b.output.name], b.output.name);
    if (out.length !== x.length) {
      throw new ModelError('model_output_shape', `transformer returned ${out.length} values for a latent of ${x.length}.`);
    }
    return out;
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
