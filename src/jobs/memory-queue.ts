/**
 * The in-process JobQueue: one process, one engine. Bottleneck holds the engine slots (maxConcurrent);
 * FairPicker decides which waiting job takes a free slot (round robin across users, per-user running
 * limit). The SQLite store is written before every state change is announced, so a crash at any
 * point leaves a record that start() can resume from.
 */
import Bottleneck from 'bottleneck';
import type { EditEngine, EditProgress } from '../engine/types.ts';
import { CancelledError, RfeditError, asRfeditError } from '../errors.ts';
import { EtaEstimator, etaJob, etaToStartMs } from './eta.ts';
import { JobEventHub } from './event-hub.ts';
import { FairPicker } from './fair-picker.ts';
import { newJobId, userKey } from './ids.ts';
import type { ImageStore } from './image-store.ts';
import { ProgressThrottle } from './progress-throttle.ts';
import { resultRef } from './result-ref.ts';
import { jobTimeoutMessage, queueFullError, storageFailure, userQueueFullError } from './refusals.ts';
import { progressIntervals, resolveQueueOptions } from './queue.ts';
import type { JobQueue, QueueOptions, QueuePosition, QueueStats, SubmittedJob } from './queue.ts';
import type { JobStore } from './store.ts';
import type { JobEvent, JobEventListener, JobRecord, JobSpec } from './types.ts';

export interface MemoryQueueDeps {
  engine: EditEngine;
  store: JobStore;
  images: ImageStore;
  options?: QueueOptions;
  /** Errors no user sees: a throwing event listener, a failed store write. @default ignore */
  onError?: (error: unknown, context: { jobId?: string; where: string }) => void;
}

type StopReason = 'cancel' | 'timeout' | 'shutdown';

interface Run {
  job: JobRecord;
  controller: AbortController;
  startedAt: number;
  fraction: number;
  stopReason: StopReason | null;
  cancelledByOwner: boolean;
  finished: Promise<void>;
  markFinished: () => void;
  /** Rejects a while after the run was stopped, for an engine that ignores its abort signal. */
  abandoned: Promise<never>;
  abandon: (reason: Error) => void;
  abandonTimer?: NodeJS.Timeout;
}

/** How long a stopped engine may take to return before its slot is taken back. */
const ABANDON_AFTER_STOP_MS = 5_000;

export class MemoryJobQueue implements JobQueue {
  private readonly options;
  private readonly hub: JobEventHub;
  private readonly picker = new FairPicker<string>();
  private readonly waiting = new Map<string, JobRecord>();
  private readonly running = new Map<string, Run>();
  private readonly runningPerUser = new Map<string, number>();
  private readonly limiter: Bottleneck;
  private readonly eta: EtaEstimator;
  private readonly throttle: ProgressThrottle;
  private readonly onError: NonNullable<MemoryQueueDeps['onError']>;
  private idleWaiters: Array<() => void> = [];
  private started = false;
  private closed = false;
  /** Paused: running edits finish, nothing new starts; submissions still queue. */
  private paused = false;
  private slotsInUse = 0;
  /** Outcomes finished by an earlier process and never confirmed; taken before this queue emits anything of its own. */
  private readonly unconfirmed: JobRecord[];

  constructor(private readonly deps: MemoryQueueDeps) {
    this.options = resolveQueueOptions(deps.options);
    this.onError = deps.onError ?? (() => {});
    this.hub = new JobEventHub((error, event) => this.onError(error, { jobId: event.jobId, where: 'event listener' }));
    this.limiter = new Bottleneck({ maxConcurrent: this.options.engineSlots });
    this.eta = new EtaEstimator(this.options.initialMsPerStep);
    this.throttle = new ProgressThrottle(progressIntervals(this.options), this.options.now);
    this.unconfirmed = deps.store.listUndelivered(this.options.now() - this.options.redeliverWindowMs);
  }

  async submit(spec: JobSpec): Promise<SubmittedJob> {
    if (this.closed) throw new RfeditError('shutting_down', 'The bot is restarting; please try again in a minute.');
    this.checkLimits(userKey(spec.owner));
    const job: JobRecord = {
      ...spec,
      id: newJobId(),
      status: 'queued',
      attempts: 0,
      result: null,
      error: null,
      timings: { createdAt: this.options.now(), startedAt: null, finishedAt: null, engineMs: null },
      messages: [],
      deliveredAt: null,
      deleted: false,
    };
    this.deps.store.insert(job);
    const place = this.enqueue(job, false);
    this.pump(); // starts the job on a later turn, so the place just computed is still true
    return { job, ...place };
  }

  async cancel(jobId: string, options: { byOwner?: boolean } = {}): Promise<boolean> {
    const byOwner = options.byOwner ?? true;
    const waiting = this.waiting.get(jobId);
    if (waiting) {
      this.picker.remove(userKey(waiting.owner), (id) => id === jobId);
      this.waiting.delete(jobId);
      this.deps.store.markFinished(jobId, 'cancelled', this.options.now());
      this.emit({ ...base(waiting), type: 'cancelled', byOwner, redelivery: false });
      this.settleIdle();
      return true;
    }
    const run = this.running.get(jobId);
    if (!run || run.stopReason) return run !== undefined && run.stopReason === 'cancel';
    run.cancelledByOwner = byOwner;
    this.stop(run, 'cancel');
    return true;
  }

  position(jobId: string): QueuePosition | null {
    const run = this.running.get(jobId);
    if (run) return { position: 0, etaMs: Math.round(this.remainingMs(run)) };
    const job = this.waiting.get(jobId);
    if (!job) return null;
    const ahead = this.picker.itemsBefore(userKey(job.owner), (id) => id === jobId) ?? [];
    const etaMs = etaToStartMs({
      runningRemainingMs: [...this.running.values()].map((r) => this.remainingMs(r)),
      aheadJobMs: ahead.map((id) => this.eta.jobMs(etaJob(this.waiting.get(id) ?? job))),
      slots: this.options.engineSlots,
    });
    return { position: ahead.length + 1, etaMs };
  }

  onEvent(listener: JobEventListener): () => void {
    return this.hub.onEvent(listener);
  }

  subscribe(jobId: string, listener: JobEventListener): () => void {
    return this.hub.subscribe(jobId, listener);
  }

  async start(): Promise<void> {
    if (this.started || this.closed) return;
    this.started = true;
    const now = this.options.now();
    for (const job of this.deps.store.listUnfinished()) {
      if (this.waiting.has(job.id)) continue;
      if (job.status === 'running' && job.attempts >= this.options.maxAttempts) {
        this.failInterrupted(job, now);
        continue;
      }
      if (job.status === 'running') this.deps.store.requeue(job.id);
      this.enqueue({ ...job, status: 'queued' }, true);
    }
    for (const job of this.unconfirmed) {
      const event = finalEvent(job, true);
      if (event) this.emit(event);
    }
    this.pump();
  }

  onIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): QueueStats {
    return { queued: this.waiting.size, running: this.running.size, msPerStep: this.eta.msPerStep, paused: this.paused };
  }

  async pause(): Promise<void> {
    if (this.paused) return;
    this.paused = true;
    this.announceWaiting();
  }

  async resume(): Promise<void> {
    if (!this.paused) return;
    this.paused = false;
    this.announceWaiting();
    this.pump();
  }

  /** Tells every waiting job's owner where they stand now that the queue paused or resumed. */
  private announceWaiting(): void {
    for (const job of this.waiting.values()) {
      const place = this.position(job.id);
      if (place) this.emit({ ...base(job), type: 'queued', ...place, resumed: false, paused: this.paused });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const runs = [...this.running.values()];
    for (const run of runs) this.stop(run, 'shutdown');
    await Promise.all(runs.map((run) => run.finished));
    await this.limiter.stop({ dropWaitingJobs: true });
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private checkLimits(user: string): void {
    const total = this.waiting.size + this.running.size;
    if (total >= this.options.maxQueued) throw queueFullError(total, this.options.maxQueued);
    const mine = this.picker.countOf(user) + (this.runningPerUser.get(user) ?? 0);
    if (mine >= this.options.perUserQueued) throw userQueueFullError(mine, this.options.perUserQueued);
  }

  private enqueue(job: JobRecord, resumed: boolean): QueuePosition {
    this.waiting.set(job.id, job);
    this.picker.push(userKey(job.owner), job.id);
    const { position, etaMs } = this.position(job.id)!;
    this.emit({ ...base(job), type: 'queued', position, etaMs, resumed, ...(this.paused ? { paused: true } : {}) });
    return { position, etaMs };
  }

  /**
   * Fills free engine slots. Each slot is a bottleneck task that keeps taking the next job in fair
   * order until none may start, so bottleneck's own scheduling cost (a few timer turns) is paid per
   * burst of work rather than per job.
   */
  private pump(): void {
    if (!this.started || this.closed || this.paused) return;
    while (this.slotsInUse < this.options.engineSlots && this.picker.canPick(this.mayStart)) {
      this.slotsInUse++;
      this.limiter
        .schedule(() => this.drain())
        .catch((error) => {
          // close() drops slot tasks bottleneck had not started yet; that is not an error.
          if (!this.closed) this.onError(error, { where: 'engine slot' });
        })
        .finally(() => {
          this.slotsInUse--;
          this.pump();
          this.settleIdle();
        });
    }
  }

  private readonly mayStart = (user: string) => (this.runningPerUser.get(user) ?? 0) < this.options.perUserRunning;

  /** One engine slot's work: the next startable job, until there is none. */
  private async drain(): Promise<void> {
    for (let run = this.takeNext(); run; run = this.takeNext()) {
      try {
        await this.execute(run);
      } catch (error) {
        this.onError(error, { jobId: run.job.id, where: 'execute' });
      } finally {
        this.detach(run);
        this.settleIdle();
        run.markFinished();
      }
    }
  }

  private takeNext(): Run | null {
    if (this.closed || this.paused) return null;
    const next = this.picker.pick(this.mayStart);
    if (!next) return null;
    const job = this.waiting.get(next.item)!;
    this.waiting.delete(job.id);
    this.runningPerUser.set(next.user, (this.runningPerUser.get(next.user) ?? 0) + 1);
    let markFinished!: () => void;
    const finished = new Promise<void>((resolve) => (markFinished = resolve));
    let abandon!: (reason: Error) => void;
    const abandoned = new Promise<never>((_, reject) => (abandon = reject));
    abandoned.catch(() => {}); // only ever observed through the race in execute()
    const run: Run = {
      job,
      controller: new AbortController(),
      startedAt: this.options.now(),
      fraction: 0,
      stopReason: null,
      cancelledByOwner: true,
      finished,
      markFinished,
      abandoned,
      abandon,
    };
    this.running.set(job.id, run);
    return run;
  }

  private async execute(run: Run): Promise<void> {
    const { job } = run;
    run.startedAt = this.options.now();
    if (!this.deps.store.markRunning(job.id, run.startedAt)) return;
    const attempt = job.attempts + 1;
    this.emit({ ...base(job), type: 'started', attempt, etaMs: Math.round(this.eta.jobMs(etaJob(job))) });
    const timer = setTimeout(() => this.stop(run, 'timeout'), this.options.jobTimeoutMs);
    try {
      const image = await this.deps.images.get(job.sourceHash);
      const result = await Promise.race([
        this.deps.engine.edit(
          { image, prompt: job.prompt, strength: job.strength, preset: job.preset, overrides: job.overrides, signal: run.controller.signal },
          (progress) => this.onProgress(run, progress),
        ),
        run.abandoned,
      ]);
      if (run.stopReason) return this.finishStopped(run, new CancelledError());
      const ref = resultRef(result, await this.deps.images.put(result.image));
      const finishedAt = this.options.now();
      const engineMs = { ...result.timingsMs } as Record<string, number>;
      if (!this.deps.store.markDone(job.id, { result: ref, params: result.params, engineMs, finishedAt })) return;
      this.eta.record({ ...etaJob(job), durationMs: finishedAt - run.startedAt, pixels: result.width * result.height, calls: result.transformerCalls.invert + result.transformerCalls.edit });
      this.detach(run);
      this.emit({ ...base(job), type: 'done', images: [ref], params: result.params, redelivery: false });
    } catch (error) {
      if (run.stopReason) return this.finishStopped(run, error);
      const failure = storageFailure(error) ?? asRfeditError(error, job.id);
      if (failure.code === 'internal' || failure.code === 'disk_full') this.onError(error, { jobId: job.id, where: 'engine' });
      this.fail(run, failure.code, failure.userMessage);
    } finally {
      clearTimeout(timer);
    }
  }

  private onProgress(run: Run, progress: EditProgress): void {
    run.fraction = progress.fraction;
    if (run.stopReason || !this.throttle.pass(run.job.id, progress.fraction, { platform: run.job.place.platform, preview: progress.preview !== undefined })) return;
    const event: JobEvent = {
      ...base(run.job),
      type: 'progress',
      phase: progress.phase,
      step: progress.step,
      total: progress.total,
      fraction: progress.fraction,
    };
    if (progress.preview) event.preview = progress.preview;
    this.emit(event);
  }

  private stop(run: Run, reason: StopReason): void {
    if (run.stopReason) return;
    run.stopReason = reason;
    run.controller.abort(reason === 'timeout' ? new CancelledError('The edit ran out of time.') : new CancelledError());
    // An engine stuck in a call that ignores the abort (a hung native session) must not hold the queue forever.
    const graceMs = Math.min(ABANDON_AFTER_STOP_MS, this.options.jobTimeoutMs);
    run.abandonTimer = setTimeout(() => {
      this.onError(new Error(`the engine did not stop within ${graceMs} ms of being asked; its slot is taken back`), { jobId: run.job.id, where: 'engine' });
      run.abandon(new CancelledError());
    }, graceMs);
    run.abandonTimer.unref();
  }

  private finishStopped(run: Run, cause: unknown): void {
    const { job } = run;
    if (run.stopReason === 'shutdown') {
      // Not the user's doing: the job stays in line and runs again after the restart.
      this.deps.store.requeue(job.id);
      return;
    }
    if (run.stopReason === 'timeout') {
      this.fail(run, 'job_timeout', jobTimeoutMessage(this.options.jobTimeoutMs));
      return;
    }
    if (this.deps.store.markFinished(job.id, 'cancelled', this.options.now())) {
      this.detach(run);
      this.emit({ ...base(job), type: 'cancelled', byOwner: run.cancelledByOwner, redelivery: false });
    } else {
      this.onError(cause, { jobId: job.id, where: 'cancel' });
    }
  }

  private fail(run: Run, code: string, userMessage: string): void {
    const { job } = run;
    if (this.deps.store.markFinished(job.id, 'failed', this.options.now(), { code, userMessage })) {
      this.detach(run);
      this.emit({ ...base(job), type: 'failed', code, userMessage, redelivery: false });
    }
  }

  private failInterrupted(job: JobRecord, now: number): void {
    const userMessage =
      'The bot restarted while your edit was running, more than once, so it was stopped to keep the queue moving. Please try again.';
    if (this.deps.store.markFinished(job.id, 'failed', now, { code: 'interrupted', userMessage })) {
      this.emit({ ...base(job), type: 'failed', code: 'interrupted', userMessage, redelivery: false });
    }
  }

  /** Frees the run's slot before its outcome is announced, so listeners see a consistent queue. */
  private detach(run: Run): void {
    clearTimeout(run.abandonTimer);
    if (this.running.get(run.job.id) !== run) return;
    const user = userKey(run.job.owner);
    this.running.delete(run.job.id);
    const count = (this.runningPerUser.get(user) ?? 1) - 1;
    if (count > 0) this.runningPerUser.set(user, count);
    else this.runningPerUser.delete(user);
    this.throttle.forget(run.job.id);
  }

  private remainingMs(run: Run): number {
    return this.eta.remainingMs({ job: etaJob(run.job), elapsedMs: this.options.now() - run.startedAt, fraction: run.fraction });
  }

  private isIdle(): boolean {
    return this.waiting.size === 0 && this.running.size === 0;
  }

  private settleIdle(): void {
    if (this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private emit(event: JobEvent): void {
    this.hub.emit(event);
  }
}

function base(job: JobRecord) {
  return { jobId: job.id, owner: job.owner, place: job.place };
}

/** The outcome event of a finished job, for redelivery after a restart. */
export function finalEvent(job: JobRecord, redelivery: boolean): JobEvent | null {
  switch (job.status) {
    case 'done':
      return job.result ? { ...base(job), type: 'done', images: [job.result], params: job.params, redelivery } : null;
    case 'failed':
      return { ...base(job), type: 'failed', code: job.error?.code ?? 'internal', userMessage: job.error?.userMessage ?? '', redelivery };
    case 'cancelled':
      return { ...base(job), type: 'cancelled', byOwner: true, redelivery };
    default:
      return null;
  }
}
