/**
 * The EditEngine behind the contract in types.ts: owns the model, the options and the caches, validates a
 * request and hands it to an EditPipeline (edit-pipeline.ts) for the run itself.
 */
import { randomInt } from 'node:crypto';
import { CancelledError, ModelError, RfeditError, UserInputError } from '../errors.ts';
import { InversionCache } from './cache/inversion-cache.ts';
import { LruCache } from './cache/lru.ts';
import { EditPipeline } from './edit-pipeline.ts';
import { requireVisiblePrompt } from './prompt.ts';
import { NonFiniteError } from './flow/index.ts';
import type { FluxModel } from './flux/model.ts';
import { type EngineLogger, type ExecutionProviderName, silentLogger } from './flux/onnx-session.ts';
import type { PromptEmbedding } from './flux/text-encoders.ts';
import { CONFIG_DEFAULTS } from '../config/schema.ts';
import { PARAM_DEFAULTS, type ParamDefaults, type ParamLimits, paramResolver } from './params.ts';
import type { DiskSpace } from '../disk-space.ts';
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
  /** @default config engine.maxInputBytes */
  maxInputBytes: number;
  /** Larger declared sizes are refused before decoding. @default config engine.maxInputPixels */
  maxInputPixels: number;
  /** @default config engine.maxPromptChars */
  maxPromptChars: number;
  /** Bounds of steps and guidance. @default config engine.maxSteps, engine.maxGuidance */
  limits: ParamLimits;
  /** @default 64 */
  promptCacheEntries: number;
  /** @default 512 MiB */
  inversionCacheMemoryBytes: number;
  /** @default 4 GiB */
  inversionCacheDiskBytes: number;
  /** The data volume's free space; the inversion cache keeps it above the floor. @default undefined (unchecked) */
  disk?: DiskSpace;
  /** A preview every this many editing steps; 0 disables previews. @default 7 */
  previewEverySteps: number;
  /** @default 256 */
  previewMaxSide: number;
  /**
   * A grid's reverse passes as one batched transformer call per step, where the export has a batch axis. On the CPU
   * it is no faster than one pass after another (measured in `npm run bench`), so configuration turns it on only
   * for a GPU provider. @default false
   */
  batchCells: boolean;
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
  maxInputBytes: CONFIG_DEFAULTS.engine.maxInputBytes,
  maxInputPixels: CONFIG_DEFAULTS.engine.maxInputPixels,
  maxPromptChars: CONFIG_DEFAULTS.engine.maxPromptChars,
  limits: { maxSteps: CONFIG_DEFAULTS.engine.maxSteps, maxGuidance: CONFIG_DEFAULTS.engine.maxGuidance },
  promptCacheEntries: 64,
  inversionCacheMemoryBytes: 512 * 1_048_576,
  inversionCacheDiskBytes: 4 * 1_073_741_824,
  previewEverySteps: 7,
  previewMaxSide: 256,
  batchCells: false,
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
      ...(this.options.disk ? { disk: this.options.disk } : {}),
    });
  }

  get vocabulary(): ModelVocabulary | null {
    return this.options.vocabulary;
  }

  resolveParams(request: Pick<EditRequest, 'strength' | 'preset' | 'overrides'>): EditParams {
    return paramResolver(this.options.params, this.options.limits, this.options.randomSeed)(request);
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
    const params = {
      ...(request.params ?? this.resolveParams(request)),
      ...(vocabulary ? { promptWords: vocabulary.read(prompt) } : {}),
    };
    const { maxInputBytes, maxInputPixels, pixelBudget, previewEverySteps, previewMaxSide, batchCells } = this.options;
    const pipeline = new EditPipeline(
      {
        model: this.model,
        inversions: this.inversions,
        embed: (text) => this.embed(text),
        limits: { maxInputBytes, maxInputPixels, pixelBudget },
        previewEverySteps,
        previewMaxSide,
        batchCells,
      },
      request,
      params,
      onProgress,
    );
    return pipeline.run(prompt);
  }

  private checkPrompt(prompt: unknown): string {
    const text = requireVisiblePrompt(prompt);
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
      return error instanceof CancelledError
        ? error
        : new CancelledError('The edit was cancelled.', { cause: signal.reason ?? error });
    }
    if (error instanceof RfeditError) return error;
    if (error instanceof NonFiniteError) {
      return new ModelError(
        'model_non_finite',
        'The model produced an unusable result (NaN). Try another seed or fewer steps.',
        { cause: error },
      );
    }
    return error;
  }
}
