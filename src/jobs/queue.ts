/**
 * The JobQueue contract. The in-process implementation (memory-queue.ts) and the later Redis one
 * both satisfy it and both run test/jobs/queue-contract.ts.
 */
import { CONFIG_DEFAULTS, type Config } from '../config/schema.ts';
import type { QuotaError } from '../errors.ts';
import type { ProgressIntervals } from './progress-throttle.ts';
import type { JobEventListener, JobRecord, JobSpec, Platform } from './types.ts';

export interface QueueOptions {
  /** Jobs the engine runs at once (one GPU, one slot). @default config queue.slots */
  readonly engineSlots?: number;
  /** Jobs waiting or running across all users before new ones are refused. @default config queue.maxQueued */
  readonly maxQueued?: number;
  /** Jobs one user may have waiting or running. @default config queue.perUserQueued */
  readonly perUserQueued?: number;
  /** Jobs of one user running at once. @default config queue.perUserRunning */
  readonly perUserRunning?: number;
  /** A job still running after this long is stopped and fails. @default config queue.jobTimeoutSec */
  readonly jobTimeoutMs?: number;
  /** At most one progress event per job per this interval (the first and last step always pass). @default config queue.progressIntervalMs */
  readonly progressIntervalMs?: number;
  /** Platforms with their own progress interval: the web chat redraws a card, no rate-limited message edit. @default { web: 400 } */
  readonly progressIntervalMsByPlatform?: Readonly<Partial<Record<Platform, number>>>;
  /** ETA seed before any job was measured: engine time per edit step. @default 1_000 */
  readonly initialMsPerStep?: number;
  /** A job interrupted by this many restarts while running is failed instead of run again. @default 2 */
  readonly maxAttempts?: number;
  /** After a restart, final events finished this recently but never confirmed by an adapter are sent again. @default 900_000 (15 min) */
  readonly redeliverWindowMs?: number;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

/** The queue section of the configuration, in the queue's units. */
export function queueOptionsFromConfig(queue: Config['queue']) {
  return {
    engineSlots: queue.slots,
    maxQueued: queue.maxQueued,
    perUserQueued: queue.perUserQueued,
    perUserRunning: queue.perUserRunning,
    jobTimeoutMs: queue.jobTimeoutSec * 1000,
    progressIntervalMs: queue.progressIntervalMs,
    progressIntervalMsByPlatform: { web: queue.webProgressIntervalMs },
  } satisfies QueueOptions;
}

export const QUEUE_DEFAULTS: Required<QueueOptions> = {
  ...queueOptionsFromConfig(CONFIG_DEFAULTS.queue),
  initialMsPerStep: 1_000,
  maxAttempts: 2,
  redeliverWindowMs: 900_000, // 15 min
  now: Date.now,
};

/** Merge options over the defaults and refuse nonsense, naming the option and the value received. */
export function resolveQueueOptions(options: QueueOptions = {}): Required<QueueOptions> {
  const merged = { ...QUEUE_DEFAULTS, ...dropUndefined(options) } satisfies Required<QueueOptions>;
  const positiveIntegers = ['engineSlots', 'maxQueued', 'perUserQueued', 'perUserRunning', 'maxAttempts'] as const;
  for (const key of positiveIntegers) {
    const value = merged[key];
    if (!Number.isInteger(value) || value < 1)
      throw new TypeError(`Queue option ${key} must be a positive integer, got ${value}`);
  }
  const nonNegative = ['jobTimeoutMs', 'progressIntervalMs', 'initialMsPerStep', 'redeliverWindowMs'] as const;
  for (const key of nonNegative) {
    const value = merged[key];
    if (!Number.isFinite(value) || value < 0)
      throw new TypeError(`Queue option ${key} must be a number ≥ 0, got ${value}`);
  }
  for (const [platform, value] of Object.entries(merged.progressIntervalMsByPlatform)) {
    if (!Number.isFinite(value) || value! < 0)
      throw new TypeError(`Queue option progressIntervalMsByPlatform.${platform} must be a number ≥ 0, got ${value}`);
  }
  return merged;
}

/** The progress throttle's intervals from the queue's options. */
export function progressIntervals(options: Required<QueueOptions>): ProgressIntervals {
  return { defaultMs: options.progressIntervalMs, byPlatform: options.progressIntervalMsByPlatform };
}

export function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export interface QueuePosition {
  /** 1 = next to start; 0 = running now. */
  position: number;
  etaMs: number;
}

export interface SubmittedJob extends QueuePosition {
  job: JobRecord;
}

export interface QueueStats {
  queued: number;
  running: number;
  /** Measured engine time per edit step (ETA basis). */
  msPerStep: number;
  /** True while an admin (or a shutdown) has paused the queue. */
  paused: boolean;
}

export interface JobQueue {
  /**
   * Opens what the queue needs before it can take submissions (the Redis connections; nothing in process).
   * The first step of starting a queue: connect(), then subscribe to events, then start().
   */
  connect(): Promise<void>;
  /** Stores the job and puts it in line. Throws QuotaError (queue_full, user_queue_full). Emits `queued`. */
  submit(spec: JobSpec): Promise<SubmittedJob>;
  /**
   * What submit would refuse for this owner now (queue_full, user_queue_full), without taking anything, so a chat
   * can answer privately before it acknowledges publicly. Only where the queue can tell at once (in process); submit
   * still decides.
   */
  admissionRefusal?(owner: JobSpec['owner'], results?: number): QuotaError | null;
  /** Cancels a queued job at once, or stops a running one at its next step. False when already finished or unknown. */
  cancel(jobId: string, options?: { byOwner?: boolean }): Promise<boolean>;
  /** Where a waiting job stands; null for jobs that are not waiting or running. */
  position(jobId: string): QueuePosition | null;
  /** Every event of every job. Returns an unsubscribe function. */
  onEvent(listener: JobEventListener): () => void;
  /** The events of one job. Returns an unsubscribe function. */
  subscribe(jobId: string, listener: JobEventListener): () => void;
  /** Restores waiting and interrupted jobs from the store, re-sends unconfirmed outcomes, then runs. */
  start(): Promise<void>;
  /** Resolves when nothing is waiting or running. */
  onIdle(): Promise<void>;
  stats(): QueueStats;
  /** Running edits finish; nothing new starts until resume(). New jobs are still accepted and wait. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Stops taking jobs; running ones are stopped and left queued in the store, to resume on the next start. */
  close(): Promise<void>;
}
