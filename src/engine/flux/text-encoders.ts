/**
 * Prompt → conditioning: CLIP's pooled output (→ pooled_projections) and T5's hidden states
 * (→ encoder_hidden_states). No attention mask, as diffusers and BFL do.
 */
import { join } from 'node:path';
import { ModelError } from '../../errors.ts';
import { IO_NAMES } from './io-names.ts';
import { type LazySession, type LoadedSession, numberTensor, pickName, readFloats } from './onnx-session.ts';
import { loadClipTokenizer, loadT5Tokenizer, type PromptTokenizer } from './tokenizers.ts';

export interface PromptEmbedding {
  readonly text: string;
  /** T5 states [t5Length, t5Dim]. */
  readonly t5: Float32Array;
  readonly t5Length: number;
  readonly t5Dim: number;
  /** CLIP pooled [pooledDim]. */
  readonly pooled: Float32Array;
  /** True when a tokenizer had to cut the prompt (the end token is kept). */
  readonly truncated: boolean;
}

export interface TextEncoderSettings {
  dir: string;
  /** CLIP token length when the export does not fix it in its input shape. */
  clipLengthHint: number;
  /** T5 token length from the tokenizer config, or an explicit override. */
  t5LengthHint: number | null;
}

/** A fixed dimension from an ONNX shape, or null when symbolic/absent. */
export function fixedDim(shape: ReadonlyArray<number | string>, axis: number): number | null {
  const d = shape[axis];
  return typeof d === 'number' && d > 0 ? d : null;
}

export class TextEncoders {
  private tokenizers: Promise<{ clip: PromptTokenizer; t5: PromptTokenizer }> | null = null;

  constructor(
    private readonly clip: LazySession,
    private readonly t5: LazySession,
    private readonly settings: TextEncoderSettings,
  ) {}

  /** Token lengths come from the exported shapes when fixed, else from the tokenizer configs. */
  private loadTokenizers(): Promise<{ clip: PromptTokenizer; t5: PromptTokenizer }> {
    this.tokenizers ??= (async () => {
      const [clip, t5] = await Promise.all([this.clip.get(), this.t5.get()]);
      const clipLength = fixedDim(idsInput(clip, 'text_encoder').shape, 1) ?? this.settings.clipLengthHint;
      const t5Length = this.settings.t5LengthHint ?? fixedDim(idsInput(t5, 'text_encoder_2').shape, 1);
      if (t5Length === null) {
        throw new ModelError(
          't5_length_unknown',
          'The T5 token length is not fixed by text_encoder_2 and tokenizer_2/tokenizer_config.json has no model_max_length (512 for FLUX.1-dev, 256 for schnell).',
        );
      }
      return {
        clip: loadClipTokenizer(join(this.settings.dir, 'tokenizer'), clipLength),
        t5: loadT5Tokenizer(join(this.settings.dir, 'tokenizer_2'), t5Length),
      };
    })();
    return this.tokenizers;
  }

  async encode(text: string): Promise<PromptEmbedding> {
    const tokenizers = await this.loadTokenizers();
    const clipIds = tokenizers.clip.encode(text);
    const t5Ids = tokenizers.t5.encode(text);
    const [pooled, t5] = await Promise.all([this.runClip(clipIds.ids), this.runT5(t5Ids.ids)]);
    return {
      text,
      t5: t5.values,
      t5Length: t5Ids.ids.length,
      t5Dim: t5.values.length / t5Ids.ids.length,
      pooled,
      truncated: clipIds.truncated || t5Ids.truncated,
    };
  }

  private async runClip(ids: number[]): Promise<Float32Array> {
    const loaded = await this.clip.get();
    const input = idsInput(loaded, 'text_encoder');
    const output = pickName(loaded.outputs, IO_NAMES.text_encoder.outputs[0].accepted, 'pooled output', 'text_encoder');
    const result = await loaded.session.run({ [input.name]: numberTensor(input, ids, [1, ids.length]) }, [output.name]);
    return readFloats(result[output.name], output.name);
  }

  private async runT5(ids: number[]): Promise<{ values: Float32Array }> {
    const loaded = await this.t5.get();
    const input = idsInput(loaded, 'text_encoder_2');
    const output = pickName(
      loaded.outputs,
      IO_NAMES.text_encoder_2.outputs[0].accepted,
      'hidden states',
      'text_encoder_2',
    );
    const result = await loaded.session.run({ [input.name]: numberTensor(input, ids, [1, ids.length]) }, [output.name]);
    const tensor = result[output.name];
    if (tensor.dims.length !== 3 || tensor.dims[1] !== ids.length) {
      throw new ModelError(
        'model_output_shape',
        `text_encoder_2 returned shape [${tensor.dims.join(', ')}]; expected [1, ${ids.length}, dim].`,
      );
    }
    return { values: readFloats(tensor, output.name) };
  }
}

function idsInput(loaded: LoadedSession, component: 'text_encoder' | 'text_encoder_2') {
  return pickName(loaded.inputs, IO_NAMES[component].inputs[0].accepted, 'token ids input', component);
}
