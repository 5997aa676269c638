/**
 * The EditEngine behind the contract in types.ts: owns the model, the options and the caches, validates a
 * request and hands it to an EditPipeline (edit-pipeline.ts) for the run itself.
 */
import { randomInt } from 'node:crypto';
import { CancelledError, ModelError, RfeditError, UserInputError } from '../errors.ts';
import { InversionCache } from './cache/inversion-cache.ts';
import { LruCache } from './cache/lru.ts';
import { EditPipeline } from './edit-pipeline.ts';
import { NonFiniteError } from './flow/index.ts';
import type { FluxModel } from './flux/model.ts';
import { type EngineLogger, type ExecutionProviderName, silentLogger } from './flux/onnx-session.ts';
import type { PromptEmbedding } from './flux/text-encoders.ts';
import { PARAM_DEFAULTS, type ParamDefaults, resolveEditParams } from './params.ts';
import type { EditEngine, EditParams, EditProgress, EditRequest, EditResult, ModelVocabulary } from './types.ts';

export interface EngineOptions {
  /** The model export (diffusers/optimum ONNX layout). */
  modelDir: string;
  /** Where inversions persist across restarts; null keeps them in memory only. @default null */
  cacheDir: string | null;
  /** Tried in order, CPU last. @default ['cpu'] */
  executionProviders: readonly ExecutionProviderName[];
  /** @default 0 (onnxruntime decides) */
  intraOpNumThreads: number;
  /** Forces the T5 token length (e.g. 256 for schnell); null reads it from the export. @default null */
  t5MaxLength: number | null;
  /** Working size in pixels; about 1 MP suits FLUX.1. @default 1_048_576 */
  pixelBudget: number;
  /** @default 30 MiB */
  maxInputBytes: number;
  /** Larger declared sizes are refused before decoding. @default 50 MP */
  maxInputPixels: number;
  /** @default 2000 */
  maxPromptChars: number;
  /** @default 64 */
  promptCacheEntries: number;
  /** @default 512 MiB */
  inversionCacheMemoryBytes: number;
  /** @default 4 GiB */
  inversionCacheDiskBytes: number;
  /** A preview every this many editing steps; 0 disables previews. @default 7 */
  previewEverySteps: number;
  /** @default 256 */
  previewMaxSide: number;
  /** Defaults for the knobs that strength and presets leave open. */
  params: ParamDefaults;
  logger: EngineLogger;
  /** Editing seed when the request gives none. */
  randomSeed: () => number;
  /** The words the model knows, for a model with a fixed vocabulary (the demo); results then say which they used. @default null */
  vocabulary: ModelVocabulary | null;
}

export const ENGINE_DEFAULTS: Omit<EngineOptions, 'modelDir'> = {
  cacheDir: null,
  executionProviders: ['cpu'],
  intraOpNumThreads: 0,
  t5MaxLength: null,
  pixelBudget: 1_048_576,
  maxInputBytes: 30 * 1_048_576,
  maxInputPixels: 50_000_000,
  maxPromptChars: 2000,
  promptCacheEntries: 64,
  inversionCacheMemoryBytes: 512 * 1_048_576,
  inversionCacheDiskBytes: 4 * 1_073_741_824,
  previewEverySteps: 7,
  previewMaxSide: 256,
  params: PARAM_DEFAULTS,
  logger: silentLogger,
  randomSeed: () => randomInt(0, 0xffff_ffff),
  vocabulary: null,
};

export class FluxEditEngine implements EditEngine {
  private readonly options: EngineOptions;
  private readonly prompts: LruCache<string, PromptEmbedding>;
  private readonly inversions: InversionCache;

  constructor(
    private readonly model: FluxModel,
    options: Partial<EngineOptions> & Pick<EngineOptions, 'modelDir'>,
  ) {
    this.options = { ...ENGINE_DEFAULTS, ...options };
    this.prompts = new LruCache(this.options.promptCacheEntries);
    this.inversions = new InversionCache({
      memoryBytes: this.options.inversionCacheMemoryBytes,
      dir: this.options.cacheDir,
      diskBytes: this.options.inversionCacheDiskBytes,
      logger: this.options.logger,
    });
  }

  get vocabulary(): ModelVocabulary | null {
    return this.options.vocabulary;
  }

  resolveParams(request: Pick<EditRequest, 'strength' | 'preset' | 'overrides'>): EditParams {
    return resolveEditParams(request, this.options.randomSeed, this.options.params);
  }

  async edit(request: EditRequest, onProgress?: (progress: EditProgress) => void): Promise<EditResult> {
    try {
      return await this.run(request, onProgress);
    } catch (error) {
      throw this.translate(error, request.signal);
    }
  }

  async close(): Promise<void> {
    this.prompts.clear();
    this.inversions.clearMemory();
    await this.model.close();
  }

  private run(request: EditRequest, onProgress?: (progress: EditProgress) => void): Promise<EditResult> {
    const prompt = this.checkPrompt(request.prompt);
    const { vocabulary } = this.options;
    const params = { ...this.resolveParams(request), ...(vocabulary ? { promptWords: vocabulary.read(prompt) } : {}) };
    const { maxInputBytes, maxInputPixels, pixelBudget, previewEverySteps, previewMaxSide } = this.options;
    const pipeline = new EditPipeline(
      {
        model: this.model,
        inversions: this.inversions,
        embed: (text) => this.embed(text),
        limits: { maxInputBytes, maxInputPixels, pixelBudget },
        previewEverySteps,
        previewMaxSide,
      },
      request,
      params,
      onProgress,
    );
    return pipeline.run(prompt);
  }

  private checkPrompt(prompt: unknown): string {
    const text = typeof prompt === 'string' ? prompt.trim() : '';
    if (text.length === 0) {
      throw new UserInputError('prompt_empty', 'Please describe the edit you want, e.g. "make the sky sunset orange".');
    }
    if (text.length > this.options.maxPromptChars) {
      throw new UserInputError(
        'prompt_too_long',
        `That prompt is ${text.length} characters; the limit is ${this.options.maxPromptChars}.`,
        { details: { length: text.length } },
      );
    }
    return text;
  }

  private async embed(text: string): Promise<PromptEmbedding> {
    const key = `${this.model.info.id}\u0000${text}`;
    const hit = this.prompts.get(key);
    if (hit) return hit;
    const embedding = await this.model.encodePrompt(text);
    if (embedding.truncated) this.options.logger.info({ chars: text.length }, 'prompt truncated to the encoder length');
    this.prompts.set(key, embedding);
    return embedding;
  }

  private translate(error: unknown, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted) {
      return error instanceof CancelledError ? error : new CancelledError('The edit was cancelled.', { cause: signal.reason ?? error });
    }
    if (error instanceof RfeditError) return error;
    if (error instanceof NonFiniteError) {
      return new ModelError('model_non_finite', 'The model produced an unusable result (NaN). Try another seed or fewer steps.', { cause: error });
    }
    return error;
  }
}
