/**
 * The in-process JobQueue: one process, one engine. Bottleneck holds the engine slots (maxConcurrent);
 * FairPicker decides which waiting job takes a free slot (round robin across users, per-user running
 * limit). The SQLite store is written before every state change is announced, so a crash at any
 * point leaves a record that start() can resume from.
 */
import Bottleneck from 'bottleneck';
import type { EditEngine, EditProgress } from '../engine/types.ts';
import type { QuotaError } from '../errors.ts';
import { etaJob, placeInLine } from './eta.ts';
import { FairPicker } from './fair-picker.ts';
import { userKey } from './ids.ts';
import type { ImageStore } from './image-store.ts';
import { eventBase, newJobRecord, recordOutcome } from './outcome.ts';
import { ProgressThrottle } from './progress-throttle.ts';
import { QueueBase } from './queue-base.ts';
import { queueFullError, shuttingDownError, storageFailure, userQueueFullError } from './refusals.ts';
import {
  progressIntervals,
  type JobQueue,
  type QueueOptions,
  type QueuePosition,
  type QueueStats,
  type SubmittedJob,
} from './queue.ts';
import { EditRun, type RunOutcome } from './run-edit.ts';
import type { JobStore } from './store.ts';
import type { JobEvent, JobRecord, JobSpec } from './types.ts';

export interface MemoryQueueDeps {
  engine: EditEngine;
  store: JobStore;
  images: ImageStore;
  options?: QueueOptions;
  /** Errors no user sees: a throwing event listener, a failed store write. @default ignore */
  onError?: (error: unknown, context: { jobId?: string; where: string }) => void;
}

/** A job holding an engine slot. */
interface Slot {
  job: JobRecord;
  run: EditRun;
  finished: Promise<void>;
  markFinished: () => void;
}

export class MemoryJobQueue extends QueueBase implements JobQueue {
  private readonly picker = new FairPicker<string>();
  private readonly waiting = new Map<string, JobRecord>();
  private readonly running = new Map<string, Slot>();
  private readonly runningPerUser = new Map<string, number>();
  private readonly limiter: Bottleneck;
  private readonly throttle: ProgressThrottle;
  private started = false;
  private closed = false;
  /** Paused: running edits finish, nothing new starts; submissions still queue. */
  private paused = false;
  private slotsInUse = 0;

  constructor(private readonly deps: MemoryQueueDeps) {
    super(deps, () => this.waiting.size === 0 && this.running.size === 0);
    this.limiter = new Bottleneck({ maxConcurrent: this.options.engineSlots });
    this.throttle = new ProgressThrottle(progressIntervals(this.options), this.options.now);
  }

  /** Nothing to open: the store and the engine are this process's own. */
  async connect(): Promise<void> {}

  async submit(spec: JobSpec): Promise<SubmittedJob> {
    if (this.closed) throw shuttingDownError();
    this.checkLimits(userKey(spec.owner), spec);
    const job = newJobRecord(spec, this.options.now());
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
      this.finish(waiting, { status: 'cancelled', byOwner });
      this.idle.settle();
      return true;
    }
    const slot = this.running.get(jobId);
    if (!slot) return false;
    return slot.run.stop('cancel', { byOwner }) || slot.run.stopReason === 'cancel';
  }

  position(jobId: string): QueuePosition | null {
    const now = this.options.now();
    const slot = this.running.get(jobId);
    if (slot) return placeInLine(this.eta, now, { running: runningShare(slot) });
    const job = this.waiting.get(jobId);
    if (!job) return null;
    const ahead = this.picker.itemsBefore(userKey(job.owner), (id) => id === jobId) ?? [];
    const aheadJobs = ahead.map((id) => etaJob(this.waiting.get(id) ?? job));
    const runningJobs = [...this.running.values()].map(runningShare);
    return placeInLine(this.eta, now, { aheadJobs, runningJobs, slots: this.options.engineSlots });
  }

  async start(): Promise<void> {
    if (this.started || this.closed) return;
    this.started = true;
    for (const job of this.deps.store.listUnfinished()) {
      if (this.waiting.has(job.id)) continue;
      if (job.status === 'running' && job.attempts >= this.options.maxAttempts) {
        this.finish(job, { status: 'failed', code: 'interrupted', userMessage: INTERRUPTED_MESSAGE });
        continue;
      }
      if (job.status === 'running') this.deps.store.requeue(job.id);
      this.enqueue({ ...job, status: 'queued' }, true);
    }
    this.redeliverUnconfirmed();
    this.pump();
  }

  stats(): QueueStats {
    return {
      queued: this.waiting.size,
      running: this.running.size,
      msPerStep: this.eta.msPerStep,
      paused: this.paused,
    };
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
      if (place) this.emit({ ...eventBase(job), type: 'queued', ...place, resumed: false, paused: this.paused });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const slots = [...this.running.values()];
    for (const slot of slots) slot.run.stop('shutdown');
    await Promise.all(slots.map((slot) => slot.finished));
    await this.limiter.stop({ dropWaitingJobs: true });
    this.idle.releaseAll();
  }

  /** A grid counts as its results against the user's limit (but one grid alone is always allowed). */
  private checkLimits(user: string, spec: JobSpec): void {
    const refusal = this.refusalFor(user, spec.grid?.cells.length ?? 1);
    if (refusal) throw refusal;
  }

  admissionRefusal(owner: JobSpec['owner'], results = 1): QuotaError | null {
    return this.refusalFor(userKey(owner), results);
  }

  private refusalFor(user: string, results: number): QuotaError | null {
    const total = this.waiting.size + this.running.size;
    if (total >= this.options.maxQueued) return queueFullError(total, this.options.maxQueued);
    const limit = this.options.perUserQueued;
    const weight = (cells: number) => Math.min(limit, cells);
    let mine = 0;
    for (const job of this.waiting.values())
      if (userKey(job.owner) === user) mine += weight(job.grid?.cells.length ?? 1);
    for (const slot of this.running.values())
      if (userKey(slot.job.owner) === user) mine += weight(slot.job.grid?.cells.length ?? 1);
    return mine > 0 && mine + weight(results) > limit ? userQueueFullError(mine, limit) : null;
  }

  private enqueue(job: JobRecord, resumed: boolean): QueuePosition {
    this.waiting.set(job.id, job);
    this.picker.push(userKey(job.owner), job.id);
    const { position, etaMs } = this.position(job.id)!;
    this.emit({
      ...eventBase(job),
      type: 'queued',
      position,
      etaMs,
      resumed,
      ...(this.paused ? { paused: true } : {}),
    });
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
          this.idle.settle();
        });
    }
  }

  private readonly mayStart = (user: string) => (this.runningPerUser.get(user) ?? 0) < this.options.perUserRunning;

  /** One engine slot's work: the next startable job, until there is none. */
  private async drain(): Promise<void> {
    for (let slot = this.takeNext(); slot; slot = this.takeNext()) {
      try {
        await this.execute(slot);
      } catch (error) {
        this.onError(error, { jobId: slot.job.id, where: 'execute' });
      } finally {
        this.detach(slot);
        this.idle.settle();
        slot.markFinished();
      }
    }
  }

  private takeNext(): Slot | null {
    if (this.closed || this.paused) return null;
    const next = this.picker.pick(this.mayStart);
    if (!next) return null;
    const job = this.waiting.get(next.item)!;
    this.waiting.delete(job.id);
    this.runningPerUser.set(next.user, (this.runningPerUser.get(next.user) ?? 0) + 1);
    let markFinished!: () => void;
    const finished = new Promise<void>((resolve) => (markFinished = resolve));
    const run = new EditRun(job.id, {
      engine: this.deps.engine,
      images: this.deps.images,
      jobTimeoutMs: this.options.jobTimeoutMs,
      now: this.options.now,
      onError: this.onError,
    });
    run.startedAt = this.options.now();
    const slot: Slot = { job, run, finished, markFinished };
    this.running.set(job.id, slot);
    return slot;
  }

  private async execute(slot: Slot): Promise<void> {
    const { job, run } = slot;
    if (!this.markRunning(job)) return;
    this.emit({
      ...eventBase(job),
      type: 'started',
      attempt: job.attempts + 1,
      etaMs: Math.round(this.eta.jobMs(etaJob(job))),
    });
    const outcome = await run.run(job, (progress) => this.onProgress(job, progress));
    this.settle(slot, outcome);
  }

  /** queued → running in the store; a store that cannot take even that (full disk) fails the job instead of leaving it. */
  private markRunning(job: JobRecord): boolean {
    try {
      return this.deps.store.markRunning(job.id, this.options.now());
    } catch (error) {
      const failure = storageFailure(error);
      if (!failure) throw error;
      this.onError(error, { jobId: job.id, where: 'store' });
      this.finish(job, { status: 'failed', code: failure.code, userMessage: failure.userMessage });
      return false;
    }
  }

  private settle(slot: Slot, outcome: RunOutcome): void {
    const { job } = slot;
    if (outcome.status === 'interrupted') {
      // Not the user's doing: the job stays in line and runs again after the restart.
      this.deps.store.requeue(job.id);
      return;
    }
    this.learnPace(job, outcome);
    this.detach(slot);
    this.finish(job, outcome);
  }

  /** Records an outcome and announces it. */
  private finish(job: JobRecord, outcome: Exclude<RunOutcome, { status: 'interrupted' }>): void {
    const event = recordOutcome(this.deps.store, job, outcome, this.options.now(), this.onError);
    if (event) this.emit(event);
  }

  private onProgress(job: JobRecord, progress: EditProgress): void {
    if (
      !this.throttle.pass(job.id, progress.fraction, {
        platform: job.place.platform,
        preview: progress.preview !== undefined,
      })
    )
      return;
    const event: JobEvent = {
      ...eventBase(job),
      type: 'progress',
      phase: progress.phase,
      step: progress.step,
      total: progress.total,
      fraction: progress.fraction,
    };
    if (progress.preview) event.preview = progress.preview;
    this.emit(event);
  }

  /** Frees the slot before its outcome is announced, so listeners see a consistent queue. */
  private detach(slot: Slot): void {
    if (this.running.get(slot.job.id) !== slot) return;
    const user = userKey(slot.job.owner);
    this.running.delete(slot.job.id);
    const count = (this.runningPerUser.get(user) ?? 1) - 1;
    if (count > 0) this.runningPerUser.set(user, count);
    else this.runningPerUser.delete(user);
    this.throttle.forget(slot.job.id);
  }
}

const INTERRUPTED_MESSAGE =
  'The bot restarted while your edit was running, more than once, so it was stopped to keep the queue moving. Please try again.';

function runningShare(slot: Slot) {
  return {
    startedAt: slot.run.startedAt,
    fraction: slot.run.fraction,
    steps: slot.job.params.steps,
    sourceHash: slot.job.sourceHash,
  };
}
