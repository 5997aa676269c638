/**
 * The edit pipeline behind the EditEngine contract. EditPipeline.run reads as its own table of contents:
 * 1 validate · 2 image → canvas · 3 prompts → embeddings · 4 invert (γ), or reuse a cached inversion ·
 * 5 edit (η window) · 6 decode → image bytes. It knows the model only through the FluxModel interface.
 */
import { randomInt } from 'node:crypto';
import { CancelledError, ModelError, RfeditError, UserInputError } from '../errors.ts';
import { InversionCache, type InversionEntry, type InversionKey } from './cache/inversion-cache.ts';
import { LruCache } from './cache/lru.ts';
import { NonFiniteError, edit, fluxSigmas, gaussianNoise, invert, sdedit, type StepEvent, type Velocity } from './flow/index.ts';
import type { FluxModel } from './flux/model.ts';
import { type EngineLogger, type ExecutionProviderName, silentLogger } from './flux/onnx-session.ts';
import type { PromptEmbedding } from './flux/text-encoders.ts';
import type { FluxCondition } from './flux/transformer.ts';
import { type PreparedImage, encodeOutput, prepareImage, previewPng } from './image.ts';
import { PARAM_DEFAULTS, type ParamDefaults, resolveEditParams } from './params.ts';
import type { EditEngine, EditParams, EditPhase, EditProgress, EditRequest, EditResult } from './types.ts';

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
};

type CallCounts = { invert: number; edit: number };

/** Progress in units: one per model step, one per other phase. */
class ProgressMeter {
  private done = 0;

  constructor(
    private readonly total: number,
    private readonly listener: ((p: EditProgress) => void) | undefined,
  ) {}

  report(phase: EditPhase, step: number, total: number, preview?: Uint8Array): void {
    this.done += 1;
    this.listener?.({ phase, step, total, fraction: Math.min(1, this.done / this.total), ...(preview ? { preview } : {}) });
  }
}

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

  private async run(request: EditRequest, onProgress?: (progress: EditProgress) => void): Promise<EditResult> {
    const started = performance.now();
    const timings: Partial<Record<EditPhase, number>> = {};
    const timed = async <T>(phase: EditPhase, work: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      try {
        return await work();
      } finally {
        timings[phase] = (timings[phase] ?? 0) + (performance.now() - t);
      }
    };
    const signal = request.signal;

    // 1 validate
    const params = this.resolveParams(request);
    const prompt = this.checkPrompt(request.prompt);
    signal?.throwIfAborted();

    // 2 image → canvas
    const image = await timed('prepare', () =>
      prepareImage(request.image, {
        maxInputBytes: this.options.maxInputBytes,
        maxInputPixels: this.options.maxInputPixels,
        pixelBudget: this.options.pixelBudget,
        multiple: this.model.info.pixelMultiple,
      }),
    );
    const key = this.inversionKey(image, params);
    const cached = params.method === 'rf-inversion' ? this.inversions.get(key) : null;
    const sdeditRun = params.method === 'sdedit';
    const inversionUnits = cached ? 0 : 1 + (sdeditRun ? 0 : params.steps); // VAE encode + inversion steps
    const editUnits = sdeditRun ? params.steps - params.start : params.steps; // SDEdit skips the first `start` steps
    const meter = new ProgressMeter(3 + inversionUnits + editUnits, onProgress); // + prepare, prompts, decode
    meter.report('prepare', 1, 1);

    // 3 prompts → embeddings
    const [nullText, target] = await timed('encode-prompt', () =>
      Promise.all([cached || sdeditRun ? null : this.embed(''), this.embed(prompt)]),
    );
    meter.report('encode-prompt', 1, 1);
    signal?.throwIfAborted();

    const calls: CallCounts = { invert: 0, edit: 0 };
    const sigmas = fluxSigmas(params.steps, {
      imageSeqLen: (image.canvasWidth / this.model.info.pixelMultiple) * (image.canvasHeight / this.model.info.pixelMultiple),
      ...this.model.info.schedule,
    });

    // 4 invert, or reuse
    let entry: InversionEntry;
    if (cached) {
      entry = cached;
    } else {
      const y0 = await timed('encode-image', () => this.model.encodeImage(image.rgb, image.canvasWidth, image.canvasHeight));
      meter.report('encode-image', 1, 1);
      if (sdeditRun || !nullText) {
        entry = { y0, inverted: y0 };
      } else {
        // Inversion uses the null prompt and guidance 0, as the diffusers pipeline does.
        const cond = this.model.condition(nullText, 0, image.canvasWidth, image.canvasHeight);
        const inverted = await timed('invert', () =>
          invert(
            { y0, y1: gaussianNoise(y0.length, params.inversionSeed), velocity: this.counted(calls, 'invert'), cond, sigmas, gamma: params.gamma, convention: params.convention },
            { signal, onStep: (e) => meter.report('invert', e.step, e.total) },
          ),
        );
        entry = { y0, inverted };
        this.inversions.set(key, entry);
      }
    }

    // 5 edit
    const cond = this.model.condition(target, params.guidance, image.canvasWidth, image.canvasHeight);
    const onStep = async (e: StepEvent) => {
      const preview = await this.maybePreview(e, image);
      meter.report('edit', e.step, e.total, preview);
    };
    const velocity = this.counted(calls, 'edit');
    const latent = await timed('edit', () =>
      sdeditRun
        ? sdedit({ y0: entry.y0, velocity, cond, sigmas, strength: 1 - params.start / params.steps, seed: params.seed }, { signal, onStep })
        : edit(
            { x: entry.inverted, y0: entry.y0, velocity, cond, sigmas, eta: params.eta, start: params.start, stop: params.stop, etaDecayPower: params.etaDecayPower, sampler: params.sampler, seed: params.seed },
            { signal, onStep },
          ),
    );

    // 6 decode
    const output = await timed('decode', async () => {
      const rgb = await this.model.decode(latent, image.canvasWidth, image.canvasHeight);
      return encodeOutput({ ...image, rgb }, request.maxOutputBytes);
    });
    meter.report('decode', 1, 1);
    return {
      image: output.bytes,
      mime: output.mime,
      width: image.width,
      height: image.height,
      params,
      transformerCalls: calls,
      inversionCached: cached !== null,
      timingsMs: { ...timings, total: performance.now() - started },
    };
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

  private inversionKey(image: PreparedImage, params: EditParams): InversionKey {
    return {
      imageHash: image.sourceHash,
      canvasWidth: image.canvasWidth,
      canvasHeight: image.canvasHeight,
      width: image.width,
      height: image.height,
      modelId: this.model.info.id,
      gamma: params.gamma,
      steps: params.steps,
      inversionSeed: params.inversionSeed,
      convention: params.convention,
    };
  }

  private counted(calls: CallCounts, phase: keyof CallCounts): Velocity<FluxCondition> {
    return (x, sigma, cond) => {
      calls[phase] += 1;
      return this.model.velocity(x, sigma, cond);
    };
  }

  private async maybePreview(e: StepEvent, image: PreparedImage): Promise<Uint8Array | undefined> {
    const every = this.options.previewEverySteps;
    if (every <= 0 || e.step % every !== 0 || e.step >= e.total) return undefined;
    const rgb = await this.model.decode(e.x, image.canvasWidth, image.canvasHeight);
    return previewPng({ ...image, rgb }, this.options.previewMaxSide);
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
