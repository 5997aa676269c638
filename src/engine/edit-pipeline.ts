/**
 * One edit, start to finish. run() is its own table of contents:
 * 1 validate · 2 image → canvas · 3 prompts → embeddings · 4 invert (γ), or reuse a cached inversion ·
 * 5 edit (η window) · 6 decode → image bytes.
 * It knows the model only through the FluxModel interface and the math only through engine/flow.
 */
import type { InversionCache, InversionEntry, InversionKey } from './cache/inversion-cache.ts';
import { edit, fluxSigmas, gaussianNoise, invert, sdedit, type StepEvent, type Velocity } from './flow/index.ts';
import type { FluxModel } from './flux/model.ts';
import type { PromptEmbedding } from './flux/text-encoders.ts';
import type { FluxCondition } from './flux/transformer.ts';
import { type ImageLimits, type PreparedImage, encodeOutput, prepareImage, previewPng } from './image.ts';
import type { EditParams, EditPhase, EditProgress, EditRequest, EditResult } from './types.ts';

/** What the pipeline borrows from the engine that owns it. */
export interface PipelineContext {
  model: FluxModel;
  inversions: InversionCache;
  embed(text: string): Promise<PromptEmbedding>;
  limits: Omit<ImageLimits, 'multiple'>;
  previewEverySteps: number;
  previewMaxSide: number;
}

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

/** SDEdit re-runs the schedule from step `start`; flow's sdedit takes that as a fraction it floors, so nudge
 *  it up by far less than one step to survive (n − k)/n·n rounding below n − k. */
function sdeditStrength(params: EditParams): number {
  return Math.min(1, (params.steps - params.start + 1e-6) / params.steps);
}

export class EditPipeline {
  private readonly timings: Partial<Record<EditPhase, number>> = {};
  private readonly calls = { invert: 0, edit: 0 };
  private readonly started = performance.now();
  private meter = new ProgressMeter(1, undefined);

  constructor(
    private readonly ctx: PipelineContext,
    private readonly request: EditRequest,
    private readonly params: EditParams,
    private readonly onProgress: ((progress: EditProgress) => void) | undefined,
  ) {}

  private get signal(): AbortSignal | undefined {
    return this.request.signal;
  }

  async run(prompt: string): Promise<EditResult> {
    const { params } = this;
    this.signal?.throwIfAborted();
    const image = await this.timed('prepare', () => prepareImage(this.request.image, { ...this.ctx.limits, multiple: this.ctx.model.info.pixelMultiple }));
    const key = this.inversionKey(image);
    const cached = params.method === 'rf-inversion' ? this.ctx.inversions.get(key) : null;
    this.startMeter(cached !== null);
    this.meter.report('prepare', 1, 1);

    const [nullText, target] = await this.timed('encode-prompt', () =>
      Promise.all([cached || params.method === 'sdedit' ? null : this.ctx.embed(''), this.ctx.embed(prompt)]),
    );
    this.meter.report('encode-prompt', 1, 1);
    this.signal?.throwIfAborted();

    const sigmas = this.schedule(image);
    const source = cached ?? (await this.invertSource(image, nullText, sigmas, key));
    const latent = await this.editLatent(source, target, image, sigmas);
    const output = await this.timed('decode', async () => {
      const rgb = await this.ctx.model.decode(latent, image.canvasWidth, image.canvasHeight);
      return encodeOutput({ ...image, rgb }, this.request.maxOutputBytes);
    });
    this.meter.report('decode', 1, 1);
    return {
      image: output.bytes,
      mime: output.mime,
      width: image.width,
      height: image.height,
      params,
      transformerCalls: { ...this.calls },
      inversionCached: cached !== null,
      timingsMs: { ...this.timings, total: performance.now() - this.started },
    };
  }

  private startMeter(cached: boolean): void {
    const { steps, start, method } = this.params;
    const sdeditRun = method === 'sdedit';
    const inversionUnits = cached ? 0 : 1 + (sdeditRun ? 0 : steps); // VAE encode + inversion steps
    const editUnits = sdeditRun ? steps - start : steps; // SDEdit skips the first `start` steps
    this.meter = new ProgressMeter(3 + inversionUnits + editUnits, this.onProgress); // + prepare, prompts, decode
  }

  private schedule(image: PreparedImage): Float64Array {
    const m = this.ctx.model.info.pixelMultiple;
    return fluxSigmas(this.params.steps, { imageSeqLen: (image.canvasWidth / m) * (image.canvasHeight / m), ...this.ctx.model.info.schedule });
  }

  /** VAE encode, then (RF-Inversion) the controlled forward ODE with the null prompt and guidance 0, as diffusers does. */
  private async invertSource(image: PreparedImage, nullText: PromptEmbedding | null, sigmas: Float64Array, key: InversionKey): Promise<InversionEntry> {
    const { model } = this.ctx;
    const y0 = await this.timed('encode-image', () => model.encodeImage(image.rgb, image.canvasWidth, image.canvasHeight));
    this.meter.report('encode-image', 1, 1);
    if (this.params.method === 'sdedit' || !nullText) return { y0, inverted: y0 };
    const { gamma, convention, inversionSeed } = this.params;
    const inverted = await this.timed('invert', () =>
      invert(
        {
          y0,
          y1: gaussianNoise(y0.length, inversionSeed),
          velocity: this.counted('invert'),
          cond: model.condition(nullText, 0, image.canvasWidth, image.canvasHeight),
          sigmas,
          gamma,
          convention,
        },
        { signal: this.signal, onStep: (e) => this.meter.report('invert', e.step, e.total) },
      ),
    );
    const entry = { y0, inverted };
    this.ctx.inversions.set(key, entry);
    return entry;
  }

  private editLatent(source: InversionEntry, target: PromptEmbedding, image: PreparedImage, sigmas: Float64Array): Promise<Float32Array> {
    const p = this.params;
    const cond = this.ctx.model.condition(target, p.guidance, image.canvasWidth, image.canvasHeight);
    const velocity = this.counted('edit');
    const hooks = {
      signal: this.signal,
      onStep: async (e: StepEvent) => this.meter.report('edit', e.step, e.total, await this.preview(e, image)),
    };
    return this.timed('edit', () =>
      p.method === 'sdedit'
        ? sdedit({ y0: source.y0, velocity, cond, sigmas, strength: sdeditStrength(p), seed: p.seed }, hooks)
        : edit(
            { x: source.inverted, y0: source.y0, velocity, cond, sigmas, eta: p.eta, start: p.start, stop: p.stop, etaDecayPower: p.etaDecayPower, sampler: p.sampler, seed: p.seed, noiseScale: p.noiseScale ?? 1, reseed: p.reseed ?? 0 },
            hooks,
          ),
    );
  }

  private inversionKey(image: PreparedImage): InversionKey {
    const { gamma, steps, inversionSeed, convention } = this.params;
    return {
      imageHash: image.sourceHash,
      canvasWidth: image.canvasWidth,
      canvasHeight: image.canvasHeight,
      width: image.width,
      height: image.height,
      modelId: this.ctx.model.info.id,
      gamma,
      steps,
      inversionSeed,
      convention,
    };
  }

  /** Counts transformer calls per phase; the report says how many each phase made. */
  private counted(phase: 'invert' | 'edit'): Velocity<FluxCondition> {
    return (x, sigma, cond) => {
      this.calls[phase] += 1;
      return this.ctx.model.velocity(x, sigma, cond);
    };
  }

  private async preview(e: StepEvent, image: PreparedImage): Promise<Uint8Array | undefined> {
    const every = this.ctx.previewEverySteps;
    if (every <= 0 || e.step % every !== 0 || e.step >= e.total) return undefined;
    const rgb = await this.ctx.model.decode(e.x, image.canvasWidth, image.canvasHeight);
    return previewPng({ ...image, rgb }, this.ctx.previewMaxSide);
  }

  private async timed<T>(phase: EditPhase, work: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await work();
    } finally {
      this.timings[phase] = (this.timings[phase] ?? 0) + (performance.now() - t);
    }
  }
}
