/**
 * The one job runner: everything that happens to a job between "a slot is free" and "here is its
 * outcome", for the in-process queue and the Redis worker alike: read the source image, call the
 * engine under the time limit with an abort signal, give up on an engine that ignores the abort,
 * save the result, and turn every failure into a code and a message the user can read.
 * Where the job waits, and how its outcome reaches the store and the chat, is the caller's business
 * (recordOutcome in ./outcome.ts does the latter for both).
 */
import type { EditEngine, EditProgress, EditResult } from '../engine/types.ts';
import { CancelledError, userFailure } from '../errors.ts';
import type { ImageStore } from './image-store.ts';
import { resultRef } from './result-ref.ts';
import type { JobOutcome } from './outcome.ts';
import { jobTimeoutMessage, storageFailure } from './refusals.ts';
import type { ImageRef, JobRecord } from './types.ts';

export type StopReason = 'cancel' | 'timeout' | 'shutdown';

/** What a run came to. `interrupted`: stopped by a shutdown, not the user; the job goes back in line. */
export type RunOutcome = JobOutcome | { status: 'interrupted' };

/** What the runner needs of a job: the same fields whether it came from the store or over Redis. */
export type RunnableJob = Pick<JobRecord, 'id' | 'prompt' | 'sourceHash' | 'params' | 'grid'>;

export interface RunnerDeps {
  engine: EditEngine;
  images: Pick<ImageStore, 'get' | 'put'>;
  jobTimeoutMs: number;
  now: () => number;
  /** Errors no user sees in full: an unexpected engine error, a full disk, an engine that would not stop. */
  onError: (error: unknown, context: { jobId?: string; where: string }) => void;
}

/** How long a stopped engine may take to return before its slot is taken back (at most the time limit). */
export const ABANDON_AFTER_STOP_MS = 5_000;

/** One run of one job. Create it when the job is taken, so a cancel that arrives before run() is not lost. */
export class EditRun {
  readonly controller = new AbortController();
  stopReason: StopReason | null = null;
  /** Who asked for a cancel: the owner, or someone else (an admin, a reaction). */
  cancelledByOwner = true;
  startedAt = 0;
  /** Progress 0..1 of the engine, for ETAs. */
  fraction = 0;
  private readonly abandoned: Promise<never>;
  private abandon!: (reason: Error) => void;
  private abandonTimer?: NodeJS.Timeout;
  private inFlight = false;

  constructor(
    readonly jobId: string,
    private readonly deps: RunnerDeps,
  ) {
    this.abandoned = new Promise<never>((_, reject) => (this.abandon = reject));
    this.abandoned.catch(() => {}); // only ever observed through the races in run()
  }

  /** Asks the engine to stop; false when the run was already stopping. */
  stop(reason: StopReason, options: { byOwner?: boolean } = {}): boolean {
    if (this.stopReason) return false;
    this.stopReason = reason;
    if (reason === 'cancel') this.cancelledByOwner = options.byOwner ?? true;
    this.controller.abort(
      reason === 'timeout' ? new CancelledError('The edit ran out of time.') : new CancelledError(),
    );
    if (this.inFlight) this.armAbandon();
    return true;
  }

  private armAbandon(): void {
    // An engine stuck in a call that ignores the abort (a hung native session) must not hold its slot forever.
    const graceMs = Math.min(ABANDON_AFTER_STOP_MS, this.deps.jobTimeoutMs);
    this.abandonTimer = setTimeout(() => {
      this.deps.onError(
        new Error(`the engine did not stop within ${graceMs} ms of being asked; its slot is taken back`),
        {
          jobId: this.jobId,
          where: 'engine',
        },
      );
      this.abandon(new CancelledError());
    }, graceMs);
    this.abandonTimer.unref();
  }

  /** Runs the job to an outcome; never throws. `onProgress` is not called once the run is stopping. */
  async run(job: RunnableJob, onProgress: (progress: EditProgress) => void = () => {}): Promise<RunOutcome> {
    const { engine, images, now } = this.deps;
    this.startedAt = now();
    this.inFlight = true; // a stop from now on also arms the abandon timer
    const timer = setTimeout(() => this.stop('timeout'), this.deps.jobTimeoutMs);
    let phase = 'source image';
    try {
      if (this.stopReason) return this.stopped();
      const image = await this.race(images.get(job.sourceHash));
      if (this.stopReason) return this.stopped();
      phase = 'engine';
      // The parameters resolved at submit, seed included, so the run is the one `info` showed.
      const grid = job.grid ? { cells: job.grid.cells, cellLabels: job.grid.labels } : {};
      const request = { image, prompt: job.prompt, params: job.params, ...grid, signal: this.controller.signal };
      const result = await this.race(
        engine.edit(request, (progress) => {
          this.fraction = progress.fraction;
          if (!this.stopReason) onProgress(progress);
        }),
      );
      if (this.stopReason) return this.stopped();
      phase = 'saving the result';
      const ref = await this.race(saveResult(images, result));
      // A cancel that arrived while saving still wins: the user was told it was cancelled.
      if (this.stopReason) return this.stopped();
      const engineMs = { ...result.timingsMs } as Record<string, number>;
      const calls = result.transformerCalls.invert + result.transformerCalls.edit;
      return {
        status: 'done',
        result: ref,
        params: result.params,
        engineMs,
        startedAt: this.startedAt,
        finishedAt: now(),
        calls,
      };
    } catch (error) {
      if (this.stopReason) return this.stopped();
      const failure = storageFailure(error) ?? userFailure(error, { referenceId: job.id });
      if (failure.code === 'internal' || failure.code === 'disk_full')
        this.deps.onError(error, { jobId: job.id, where: phase });
      return { status: 'failed', code: failure.code, userMessage: failure.userMessage };
    } finally {
      this.inFlight = false;
      clearTimeout(timer);
      clearTimeout(this.abandonTimer);
    }
  }

  private race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.abandoned]);
  }

  private stopped(): RunOutcome {
    switch (this.stopReason) {
      case 'shutdown':
        return { status: 'interrupted' };
      case 'timeout':
        return { status: 'failed', code: 'job_timeout', userMessage: jobTimeoutMessage(this.deps.jobTimeoutMs) };
      default:
        return { status: 'cancelled', byOwner: this.cancelledByOwner };
    }
  }
}

async function saveResult(images: Pick<ImageStore, 'put'>, result: EditResult): Promise<ImageRef> {
  const ref = resultRef(result, await images.put(result.image));
  if (!result.cells) return ref;
  // A grid: every cell at full size, so picking one shows it without running anything.
  const cells: ImageRef[] = [];
  for (const cell of result.cells) {
    const size = { width: result.cellWidth ?? result.width, height: result.cellHeight ?? result.height };
    cells.push(resultRef({ ...result, ...size, image: cell.image, mime: cell.mime }, await images.put(cell.image)));
  }
  return { ...ref, cells };
}
