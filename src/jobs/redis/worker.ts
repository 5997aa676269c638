/**
 * The GPU worker: one process per GPU, on any machine that reaches Redis and the shared image
 * directory. `npx rfedit worker` calls runWorker(). It takes jobs from the BullMQ queue in fairness
 * order, claims them against the per-user running limit, runs the engine, and reports through
 * BullMQ: signals (started, progress) as job progress, the outcome as the job's return value.
 *
 * Faults: if this process dies mid-job, its lock expires and another worker's stalled check puts
 * the job back in line once (`maxStalledCount: 1`); a second death fails it. A graceful shutdown
 * stops the engine and fails the attempt, so BullMQ runs the job again elsewhere (`attempts`).
 */
import { hostname } from 'node:os';
import { DelayedError, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { EditEngine, EditProgress } from '../../engine/types.ts';
import { ImageStore } from '../image-store.ts';
import { ProgressThrottle } from '../progress-throttle.ts';
import { progressIntervals, resolveQueueOptions } from '../queue.ts';
import type { QueueOptions } from '../queue.ts';
import { EditRun } from '../run-edit.ts';
import {
  BULL_PREFIX,
  ConnectionErrorLog,
  DEFAULT_QUEUE_NAME,
  redisOptionsFromUrl,
  redisUnreachable,
  rfeditKeys,
} from './connection.ts';
import { QueueScripts } from './scripts.ts';
import { jobFromWire } from './wire.ts';
import type { JobOutcome, WireJobData, WorkerSignal } from './wire.ts';

export interface WorkerDeps {
  redisUrl: string;
  engine: EditEngine;
  /** The shared image directory (the bot's image store path on shared storage). Give this or `images`. */
  imageDir?: string;
  images?: ImageStore;
  /** @default DEFAULT_QUEUE_NAME */
  queueName?: string;
  /** Uses jobTimeoutMs, progressIntervalMs, perUserRunning and now; keep them equal to the bot's. */
  options?: QueueOptions;
  /** Jobs this worker runs at once: 1 per GPU. @default 1 */
  concurrency?: number;
  /** How long a job's lock lives without renewal; a dead worker's job is taken back after about this long. @default 30_000 */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs of dead workers. @default lockDurationMs / 2 */
  stalledIntervalMs?: number;
  /** How long a job whose owner is at the running limit waits before it is offered again. @default 500 */
  deferMs?: number;
  /** Shown in logs and in the started signal. @default `${hostname}:${pid}` */
  name?: string;
  onError?: (error: unknown, context: { jobId?: string; where: string }) => void;
}

export interface RunningWorker {
  readonly name: string;
  /** Stops taking jobs; a running edit is stopped and its job goes back in line for another worker. */
  close(): Promise<void>;
}

/** Connects and starts taking jobs; resolves once connected. */
export async function runWorker(deps: WorkerDeps): Promise<RunningWorker> {
  const runtime = new WorkerRuntime(deps);
  try {
    await runtime.start();
  } catch (error) {
    await runtime.close().catch(() => {}); // its connections would otherwise keep retrying, and the process alive
    throw redisUnreachable(deps.redisUrl, error);
  }
  return runtime;
}

class WorkerRuntime implements RunningWorker {
  readonly name: string;
  private readonly options;
  private readonly keys;
  private readonly images: ImageStore;
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly scripts: QueueScripts;
  private readonly worker: Worker<WireJobData, JobOutcome>;
  private readonly throttle;
  private readonly runs = new Map<string, EditRun>();
  private readonly onError: NonNullable<WorkerDeps['onError']>;
  private closing: Promise<void> | null = null;

  constructor(private readonly deps: WorkerDeps) {
    this.options = resolveQueueOptions(deps.options);
    const connectionErrors = new ConnectionErrorLog(deps.onError ?? (() => {}));
    this.onError = connectionErrors.error;
    this.name = deps.name ?? `${hostname()}:${process.pid}`;
    const queueName = deps.queueName ?? DEFAULT_QUEUE_NAME;
    this.keys = rfeditKeys(queueName);
    if (!deps.images && !deps.imageDir)
      throw new TypeError('runWorker needs imageDir (the shared image directory) or images');
    this.images = deps.images ?? new ImageStore(deps.imageDir!);
    const connection = redisOptionsFromUrl(deps.redisUrl);
    this.redis = new Redis({ ...connection, lazyConnect: true });
    this.subscriber = new Redis({ ...connection, lazyConnect: true });
    for (const client of [this.redis, this.subscriber]) {
      client.on('error', (error) => this.onError(error, { where: 'redis connection' }));
      client.on('ready', () => connectionErrors.reconnected());
    }
    this.scripts = new QueueScripts(this.redis, this.keys);
    this.throttle = new ProgressThrottle(progressIntervals(this.options), this.options.now);
    const lockDuration = deps.lockDurationMs ?? 30_000;
    this.worker = new Worker<WireJobData, JobOutcome>(queueName, (job, token) => this.process(job, token), {
      connection,
      prefix: BULL_PREFIX,
      autorun: false,
      concurrency: deps.concurrency ?? 1,
      lockDuration,
      stalledInterval: deps.stalledIntervalMs ?? Math.max(100, Math.round(lockDuration / 2)),
      // Put back in line once after its worker died; the second time the job fails as interrupted.
      maxStalledCount: 1,
      name: this.name,
    });
    this.worker.on('error', (error) => this.onError(error, { where: 'bullmq worker' }));
  }

  async start(): Promise<void> {
    await Promise.all([this.redis.connect(), this.subscriber.connect()]);
    this.subscriber.on('message', (_channel: string, jobId: string) => void this.onCancelRequest(jobId));
    await this.subscriber.subscribe(this.keys.cancelChannel);
    void this.worker.run().catch((error) => this.onError(error, { where: 'bullmq worker' }));
    await this.worker.waitUntilReady();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Stop the engines first (synchronously), so no edit finishes after close() was called.
      for (const run of this.runs.values()) run.stop('shutdown');
      await this.worker.close();
      this.subscriber.disconnect();
      this.redis.disconnect();
    })();
    return this.closing;
  }

  private async process(job: Job<WireJobData, JobOutcome>, token: string | undefined): Promise<JobOutcome> {
    const data = job.data;
    // Registered before the claim, so a cancel published from now on reaches this run.
    const run = new EditRun(data.jobId, {
      engine: this.deps.engine,
      images: this.images,
      jobTimeoutMs: this.options.jobTimeoutMs,
      now: this.options.now,
      onError: this.onError,
    });
    this.runs.set(data.jobId, run);
    try {
      const claim = await this.scripts.claim({
        activeKey: this.worker.keys.active,
        jobId: data.jobId,
        userKey: data.userKey,
        perUserRunning: this.options.perUserRunning,
        tag: data.tag,
      });
      if (claim.result === 'cancelled')
        return await this.finish(data, { status: 'cancelled', byOwner: claim.by === 'owner' });
      if (claim.result === 'busy') {
        // The owner already has their share running elsewhere: step aside, keep the place (priority) in line.
        await job.moveToDelayed(Date.now() + (this.deps.deferMs ?? 500), token);
        throw new DelayedError();
      }
      return await this.execute(job, run);
    } finally {
      this.runs.delete(data.jobId);
      this.throttle.forget(data.jobId);
    }
  }

  private async execute(job: Job<WireJobData, JobOutcome>, run: EditRun): Promise<JobOutcome> {
    const data = job.data;
    // Signals go out in order on one connection; the outcome waits for the last of them.
    let signals = Promise.resolve();
    if (!run.stopReason)
      signals = this.signal(job, signals, { kind: 'started', worker: this.name, startedAt: this.options.now() });
    const outcome = await run.run(jobFromWire(data), (progress) => {
      if (
        this.throttle.pass(data.jobId, progress.fraction, {
          platform: platformOf(data.userKey),
          preview: progress.preview !== undefined,
        })
      )
        signals = this.signal(job, signals, progressSignal(progress));
    });
    await signals;
    if (outcome.status === 'interrupted') {
      // Not the user's doing: give the claim back and fail this attempt, so BullMQ runs the job again.
      await this.scripts.unclaim(data.jobId);
      throw new Error(`worker ${this.name} stopped while running job ${data.jobId}`);
    }
    if (outcome.status === 'cancelled')
      outcome.byOwner = (await this.redis.get(this.keys.cancelFlag(data.jobId))) !== 'other';
    return this.finish(data, outcome);
  }

  /** Frees the user's places in line before BullMQ records the outcome, so a follow-up job is admitted at once. */
  private async finish(data: WireJobData, outcome: JobOutcome): Promise<JobOutcome> {
    await this.scripts.release(data.jobId, data.userKey);
    return outcome;
  }

  private signal(job: Job<WireJobData, JobOutcome>, previous: Promise<void>, signal: WorkerSignal): Promise<void> {
    return previous
      .then(() => job.updateProgress(signal))
      .catch((error) => this.onError(error, { jobId: job.data.jobId, where: 'progress signal' }));
  }

  private async onCancelRequest(jobId: string): Promise<void> {
    const run = this.runs.get(jobId);
    if (!run) return;
    run.stop('cancel');
    const ack = this.keys.cancelAck(jobId);
    await this.redis.multi().rpush(ack, this.name).expire(ack, 60).exec();
  }
}

function progressSignal(progress: EditProgress): WorkerSignal {
  const signal: WorkerSignal = {
    kind: 'progress',
    phase: progress.phase,
    step: progress.step,
    total: progress.total,
    fraction: progress.fraction,
  };
  if (progress.preview) signal.previewBase64 = Buffer.from(progress.preview).toString('base64');
  return signal;
}

/** The owner's platform from the wire's user key (`platform:id`): the job's chat decides its progress pace. */
function platformOf(userKey: string): string {
  return userKey.slice(0, Math.max(0, userKey.indexOf(':')));
}
