/**
 * One edit, start to finish. run() is its own table of contents:
 * 1 validate · 2 image → canvas · 3 prompts → embeddings · 4 invert (γ), or reuse a cached inversion ·
 * 5 edit (η window) · 6 decode → image bytes.
 * It knows the model only through the FluxModel interface and the math only through engine/flow.
 */
import type { InversionCache, InversionEntry, InversionKey } from './cache/inversion-cache.ts';
import {
  edit,
  fluxSigmas,
  gaussianNoise,
  invert,
  lockstep,
  sdedit,
  type StepEvent,
  type Velocity,
} from './flow/index.ts';
import type { FluxModel } from './flux/model.ts';
import type { PromptEmbedding } from './flux/text-encoders.ts';
import type { FluxCondition } from './flux/transformer.ts';
import { composeGrid } from './grid.ts';
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
  /** Run a grid's reverse passes as one batch per step when the export has a batch axis. */
  batchCells: boolean;
}

/** What a grid's cells must share: one inversion (and one conditioning) serves them all. */
const SHARED_BY_CELLS = ['steps', 'gamma', 'inversionSeed', 'convention', 'method', 'guidance'] as const;

/** Progress in units: one per model step, one per other phase. */
class ProgressMeter {
  private done = 0;

  constructor(
    private readonly total: number,
    private readonly listener: ((p: EditProgress) => void) | undefined,
  ) {}

  report(phase: EditPhase, step: number, total: number, preview?: Uint8Array): void {
    this.done += 1;
    this.listener?.({
      phase,
      step,
      total,
      fraction: Math.min(1, this.done / this.total),
      ...(preview ? { preview } : {}),
    });
  }
}

/** SDEdit re-runs the schedule from step `start`; flow's sdedit takes that as the fraction re-run. */
function sdeditStrength(params: EditParams): number {
  return (params.steps - params.start) / params.steps;
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
    const cells = this.cellParams();
    this.signal?.throwIfAborted();
    const image = await this.timed('prepare', () =>
      prepareImage(this.request.image, { ...this.ctx.limits, multiple: this.ctx.model.info.pixelMultiple }),
    );
    const key = this.inversionKey(image);
    const cached = params.method === 'rf-inversion' ? this.ctx.inversions.get(key) : null;
    this.startMeter(cached !== null, cells.length);
    this.meter.report('prepare', 1, 1);

    const [nullText, target] = await this.timed('encode-prompt', () =>
      Promise.all([cached || params.method === 'sdedit' ? null : this.ctx.embed(''), this.ctx.embed(prompt)]),
    );
    this.meter.report('encode-prompt', 1, 1);
    this.signal?.throwIfAborted();

    const sigmas = this.schedule(image);
    const source = cached ?? (await this.invertSource(image, nullText, sigmas, key));
    const latents = await this.editCells(source, target, image, sigmas, cells);
    const decoded = await this.timed('decode', async () => {
      const rgbs: Uint8Array[] = [];
      for (const latent of latents) {
        rgbs.push(await this.ctx.model.decode(latent, image.canvasWidth, image.canvasHeight));
        this.meter.report('decode', rgbs.length, latents.length);
      }
      return rgbs;
    });
    const output = await this.timed('decode', () => this.encode(image, decoded, cells));
    return {
      ...output,
      width: cells.length > 1 ? output.gridWidth : image.width,
      height: cells.length > 1 ? output.gridHeight : image.height,
      ...(cells.length > 1 ? { cellWidth: image.width, cellHeight: image.height } : {}),
      ...(image.width < image.sourceWidth || image.height < image.sourceHeight
        ? {
            scaledFrom: {
              width: image.sourceWidth,
              height: image.sourceHeight,
              pixelBudget: this.ctx.limits.pixelBudget,
            },
          }
        : {}),
      params,
      transformerCalls: { ...this.calls },
      inversionCached: cached !== null,
      timingsMs: { ...this.timings, total: performance.now() - this.started },
    };
  }

  /** The cells of a grid (checked to share one inversion), or the one edit. */
  private cellParams(): readonly EditParams[] {
    const cells = this.request.cells ?? [this.params];
    const first = cells[0];
    for (const cell of cells) {
      for (const field of SHARED_BY_CELLS) {
        if (cell[field] !== first[field])
          throw new RangeError(`The cells of a grid must share ${field} (${first[field]} ≠ ${cell[field]}).`);
      }
    }
    return cells;
  }

  /** One result as PNG/JPEG; several as a 2×2 grid plus each cell at full size. */
  private async encode(image: PreparedImage, rgbs: Uint8Array[], cells: readonly EditParams[]) {
    if (rgbs.length === 1) {
      const one = await encodeOutput({ ...image, rgb: rgbs[0] }, this.request.maxOutputBytes);
      return { image: one.bytes, mime: one.mime, gridWidth: image.width, gridHeight: image.height };
    }
    const labels = this.request.cellLabels ?? rgbs.map((_, i) => String(i + 1));
    const grid = await composeGrid(
      rgbs.map((rgb, i) => ({ ...image, rgb, label: labels[i] ?? String(i + 1) })),
      this.request.maxOutputBytes,
    );
    const full = [];
    for (const [i, rgb] of rgbs.entries()) {
      const cell = await encodeOutput({ ...image, rgb }, this.request.maxOutputBytes);
      full.push({ image: cell.bytes, mime: cell.mime, params: cells[i] });
    }
    return { image: grid.bytes, mime: grid.mime, gridWidth: grid.width, gridHeight: grid.height, cells: full };
  }

  private startMeter(cached: boolean, cells: number): void {
    const { steps, start, method } = this.params;
    const sdeditRun = method === 'sdedit';
    const inversionUnits = cached ? 0 : 1 + (sdeditRun ? 0 : steps); // VAE encode + inversion steps
    const editUnits = sdeditRun ? steps - start : steps; // SDEdit skips the first `start` steps
    this.meter = new ProgressMeter(2 + inversionUnits + cells * (editUnits + 1), this.onProgress); // + prepare, prompts; a decode per cell
  }

  private schedule(image: PreparedImage): Float64Array {
    const m = this.ctx.model.info.pixelMultiple;
    return fluxSigmas(this.params.steps, {
      imageSeqLen: (image.canvasWidth / m) * (image.canvasHeight / m),
      ...this.ctx.model.info.schedule,
    });
  }

  /** VAE encode, then (RF-Inversion) the controlled forward ODE with the null prompt and guidance 0, as diffusers does. */
  private async invertSource(
    image: PreparedImage,
    nullText: PromptEmbedding | null,
    sigmas: Float64Array,
    key: InversionKey,
  ): Promise<InversionEntry> {
    const { model } = this.ctx;
    const y0 = await this.timed('encode-image', () =>
      model.encodeImage(image.rgb, image.canvasWidth, image.canvasHeight),
    );
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

  /** Every cell's reverse pass from the one inversion: in lockstep with one batched model call per step where the export takes a batch, else one after another. */
  private async editCells(
    source: InversionEntry,
    target: PromptEmbedding,
    image: PreparedImage,
    sigmas: Float64Array,
    cells: readonly EditParams[],
  ): Promise<Float32Array[]> {
    const cond = this.ctx.model.condition(target, cells[0].guidance, image.canvasWidth, image.canvasHeight);
    if (cells.length > 1 && this.ctx.batchCells && (await this.ctx.model.batchable())) {
      const group = lockstep<FluxCondition>((xs, sigma, conds) => {
        this.calls.edit += xs.length;
        return this.ctx.model.velocityBatch(xs, sigma, conds);
      }, cells.length);
      return this.timed('edit', () =>
        Promise.all(
          cells.map((p, i) =>
            group.run(i, (velocity) => this.editLatent(source, cond, image, sigmas, p, velocity, i === 0)),
          ),
        ),
      );
    }
    const latents: Float32Array[] = [];
    for (const [i, p] of cells.entries())
      latents.push(
        await this.timed('edit', () => this.editLatent(source, cond, image, sigmas, p, this.counted('edit'), i === 0)),
      );
    return latents;
  }

  private editLatent(
    source: InversionEntry,
    cond: FluxCondition,
    image: PreparedImage,
    sigmas: Float64Array,
    p: EditParams,
    velocity: Velocity<FluxCondition>,
    withPreviews: boolean,
  ): Promise<Float32Array> {
    const hooks = {
      signal: this.signal,
      onStep: async (e: StepEvent) =>
        this.meter.report('edit', e.step, e.total, withPreviews ? await this.preview(e, image) : undefined),
    };
    return p.method === 'sdedit'
      ? sdedit({ y0: source.y0, velocity, cond, sigmas, strength: sdeditStrength(p), seed: p.seed }, hooks)
      : edit(
          {
            x: source.inverted,
            y0: source.y0,
            velocity,
            cond,
            sigmas,
            eta: p.eta,
            start: p.start,
            stop: p.stop,
            etaDecayPower: p.etaDecayPower,
            sampler: p.sampler,
            seed: p.seed,
            noiseScale: p.noiseScale ?? 1,
            reseed: p.reseed ?? 0,
          },
          hooks,
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
