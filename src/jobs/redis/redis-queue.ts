/**
 * The JobQueue for the bot process when REDIS_URL is set: jobs go into a BullMQ queue on Redis and
 * any number of `rfedit worker` processes (one per GPU) run them. This side stores each job in the
 * bot's SQLite store first, admits it against limits kept in Redis (so several bot replicas share
 * them), and turns the workers' signals and outcomes, read from BullMQ's event stream, into
 * JobEvents. Images go by hash through the shared image store.
 *
 * Restarts: the store is the truth about what this bot promised its users. On start the bot asks
 * BullMQ what became of every unfinished job, so outcomes reached while it was down are delivered,
 * and a job Redis no longer knows (Redis lost its data) is put back in line from the store.
 */
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { type QuotaError, RfeditError, internalFailure } from '../../errors.ts';
import { etaJob, placeInLine } from '../eta.ts';
import { userKey } from '../ids.ts';
import type { ImageStore } from '../image-store.ts';
import { eventBase as base, newJobRecord, recordOutcome } from '../outcome.ts';
import { QueueBase } from '../queue-base.ts';
import { queueFullError, shuttingDownError, userQueueFullError } from '../refusals.ts';
import type { JobQueue, QueueOptions, QueuePosition, QueueStats, SubmittedJob } from '../queue.ts';
import type { JobStore } from '../store.ts';
import type { JobEvent, JobRecord, JobSpec } from '../types.ts';
import {
  BULL_PREFIX,
  ConnectionErrorLog,
  DEFAULT_QUEUE_NAME,
  redisOptionsFromUrl,
  redisUnreachable,
  rfeditKeys,
} from './connection.ts';
import { LineView } from './line-view.ts';
import { QueueScripts } from './scripts.ts';
import { isWorkerSignal, parseOutcome, wireJobData } from './wire.ts';
import type { JobOutcome, WireJobData, WorkerSignal } from './wire.ts';

export interface RedisQueueDeps {
  /** redis://host:port[/db] */
  redisUrl: string;
  store: JobStore;
  /** Must be the same directory the workers use (shared storage), since jobs carry only image hashes. */
  images: ImageStore;
  /** @default DEFAULT_QUEUE_NAME */
  queueName?: string;
  /** As for the in-process queue; `engineSlots` is the number of GPU workers expected, used for ETAs only. */
  options?: QueueOptions;
  /** How long cancel() waits for the worker to confirm it stopped a running job. @default 5_000 */
  cancelAckTimeoutMs?: number;
  /** connect() gives up (with a message naming Redis) when Redis does not answer at start-up within this. @default 30_000 */
  connectTimeoutMs?: number;
  /** How long finished jobs stay in Redis, so a bot that was down can still collect their outcome. @default 86_400 (1 day) */
  keepFinishedSeconds?: number;
  /** Errors no user sees. @default ignore */
  onError?: (error: unknown, context: { jobId?: string; where: string }) => void;
}

const INTERRUPTED_MESSAGE =
  'The machine running your edit stopped more than once, so the edit was stopped to keep the queue moving. Please try again.';

/** Connects to Redis and returns a queue ready for submit(); call start() to resume and deliver after a restart. */
export async function createRedisQueue(deps: RedisQueueDeps): Promise<RedisJobQueue> {
  const queue = new RedisJobQueue(deps);
  await queue.connect();
  return queue;
}

export class RedisJobQueue extends QueueBase implements JobQueue {
  private readonly queueName: string;
  private readonly keys;
  private readonly redis: Redis;
  private readonly scripts: QueueScripts;
  private readonly bullQueue: Queue<WireJobData, JobOutcome>;
  private readonly events: QueueEvents;
  private readonly line = new LineView();
  /** Unfinished jobs of this bot (from its store): the ones whose events it renders. */
  private readonly pending = new Map<string, JobRecord>();
  /**
   * Worker news about jobs whose `queued` event is not out yet (a fast worker can start a job before
   * submit() has read its place in line): kept back and replayed right after it, in order.
   */
  private readonly heldBack = new Map<string, Array<() => void>>();
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private started = false;
  private closed = false;

  constructor(private readonly deps: RedisQueueDeps) {
    super(deps, () => this.pending.size === 0);
    // One full report per Redis outage, then a summary a minute: a retrying client would log many lines a second.
    const connectionErrors = new ConnectionErrorLog(this.onError);
    this.onError = connectionErrors.error;
    this.queueName = deps.queueName ?? DEFAULT_QUEUE_NAME;
    this.keys = rfeditKeys(this.queueName);
    const connection = redisOptionsFromUrl(deps.redisUrl);
    this.redis = new Redis({ ...connection, lazyConnect: true });
    this.redis.on('error', (error) => this.onError(error, { where: 'redis connection' }));
    this.redis.on('ready', () => connectionErrors.reconnected());
    this.scripts = new QueueScripts(this.redis, this.keys);
    this.bullQueue = new Queue(this.queueName, { connection, prefix: BULL_PREFIX });
    this.bullQueue.on('error', (error) => this.onError(error, { where: 'bullmq queue' }));
    this.events = new QueueEvents(this.queueName, { connection, prefix: BULL_PREFIX, autorun: false });
    this.events.on('error', (error) => this.onError(error, { where: 'bullmq events' }));
    this.listenToWorkers();
  }

  /** Opens the connections and starts reading BullMQ's event stream from now on. */
  async connect(): Promise<void> {
    const timeoutMs = this.deps.connectTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    try {
      // The connections retry for as long as it takes (a Redis restart later is waited out), so bound the first one.
      await Promise.race([this.openConnections(), gaveUp]);
    } catch (error) {
      // Drop the connections at once (a graceful close would wait for a Redis that is not there); left alone they
      // would keep retrying and keep the process alive.
      this.closed = true;
      this.redis.disconnect();
      // Not awaited: BullMQ's disconnect waits for a connection that never opened.
      void Promise.allSettled([this.bullQueue.disconnect(), this.events.disconnect()]);
      throw redisUnreachable(this.deps.redisUrl, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private async openConnections(): Promise<void> {
    await this.redis.connect();
    // Every later 'ready' is a reconnect: Redis may have come back without its data.
    this.redis.on('ready', () => {
      if (this.started && !this.closed)
        this.recoverLostJobs().catch((error) => this.onError(error, { where: 'recover after reconnect' }));
    });
    await this.bullQueue.waitUntilReady();
    void this.events.run().catch((error) => this.onError(error, { where: 'bullmq events' }));
    await this.events.waitUntilReady();
    await this.refreshLine();
  }

  async submit(spec: JobSpec): Promise<SubmittedJob> {
    if (this.closed) throw shuttingDownError();
    const job = newJobRecord(spec, this.options.now());
    const owner = userKey(job.owner);
    const admission = await this.scripts.admit({
      jobId: job.id,
      userKey: owner,
      maxQueued: this.options.maxQueued,
      perUserQueued: this.options.perUserQueued,
    });
    if (!admission.admitted) throw this.refusal(admission.reason, admission.count);
    this.heldBack.set(job.id, []);
    try {
      this.deps.store.insert(job);
      this.pending.set(job.id, job);
      await this.addToBull(job, owner, admission.tag);
    } catch (error) {
      this.heldBack.delete(job.id);
      this.pending.delete(job.id);
      const now = this.options.now();
      this.deps.store.markFinished(job.id, 'failed', now, { code: 'queue_unavailable', userMessage: UNAVAILABLE });
      // The submitter gets this error directly; a restart must not announce it again.
      this.deps.store.markDelivered(job.id, now);
      await this.scripts.release(job.id, owner).catch(() => {});
      throw new RfeditError('queue_unavailable', UNAVAILABLE, { cause: error });
    }
    this.line.markWaiting(job.id);
    await this.refreshLine().catch((error) => this.onError(error, { jobId: job.id, where: 'line refresh' }));
    const place = this.position(job.id) ?? { position: 1, etaMs: 0 };
    this.emit({ ...base(job), type: 'queued', ...place, resumed: false, ...(this.paused ? { paused: true } : {}) });
    this.replayHeldBack(job.id);
    return { job, ...place };
  }

  async cancel(jobId: string, options: { byOwner?: boolean } = {}): Promise<boolean> {
    const byOwner = options.byOwner ?? true;
    const job = this.pending.get(jobId) ?? this.deps.store.get(jobId);
    if (!job || (job.status !== 'queued' && job.status !== 'running')) return false;
    // The flag first: a worker that takes the job from now on sees it and does not run the engine.
    await this.redis.set(this.keys.cancelFlag(jobId), byOwner ? 'owner' : 'other', 'EX', 86_400);
    const state = await this.bullQueue.getJobState(jobId);
    if (state === 'completed' || state === 'failed') return false;
    if (state !== 'active' && (await this.bullQueue.remove(jobId)) === 1) {
      this.finish(job, { status: 'cancelled', byOwner });
      return true;
    }
    await this.stopOnWorker(jobId);
    return true;
  }

  position(jobId: string): QueuePosition | null {
    const now = this.options.now();
    const running = this.line.getRunning(jobId);
    if (running) return placeInLine(this.eta, now, { running });
    const ahead = this.line.indexOf(jobId);
    if (ahead === null) return null;
    const job = this.pending.get(jobId);
    const aheadJobs = new Array(ahead).fill(job ? etaJob(job) : { steps: this.typicalSteps(), sourceHash: '' });
    const runningJobs = [...this.line.runningJobs()].map(([, run]) => run);
    return placeInLine(this.eta, now, { aheadJobs, runningJobs, slots: this.options.engineSlots });
  }

  async start(): Promise<void> {
    if (this.started || this.closed) return;
    this.started = true;
    await this.reconcile();
    this.redeliverUnconfirmed();
  }

  stats(): QueueStats {
    return {
      queued: this.line.waitingCount,
      running: this.line.runningCount,
      msPerStep: this.eta.msPerStep,
      paused: this.paused,
    };
  }

  /** BullMQ's global pause: every worker finishes its running edit and takes no new one until resume(). */
  async pause(): Promise<void> {
    await this.bullQueue.pause();
    this.paused = true;
    this.announceWaiting();
  }

  async resume(): Promise<void> {
    await this.bullQueue.resume();
    this.paused = false;
    this.announceWaiting();
  }

  /** Tells the owners of this bot's waiting jobs that the queue paused or resumed; they keep their places. */
  private announceWaiting(): void {
    for (const job of this.pending.values()) {
      const place = this.position(job.id);
      if (place && place.position > 0)
        this.emit({ ...base(job), type: 'queued', ...place, resumed: false, paused: this.paused });
    }
  }

  private paused = false;

  /** Stops listening. Jobs stay in Redis and the workers go on; the next start() collects their outcomes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.events.close(), this.bullQueue.close()]);
    await this.refreshing?.catch(() => {});
    this.redis.disconnect();
    this.idle.releaseAll();
  }

  /** Asks BullMQ what became of every unfinished job in the store and acts on it. */
  private async reconcile(): Promise<void> {
    const resumed: JobRecord[] = [];
    for (const job of this.deps.store.listUnfinished()) {
      const state = await this.bullQueue.getJobState(job.id);
      if (state === 'completed' || state === 'failed') {
        await this.collectOutcome(job, state);
      } else if (state === 'active') {
        this.pending.set(job.id, job);
      } else if (state === 'unknown' && job.status === 'running' && job.attempts >= this.options.maxAttempts) {
        this.finish(job, { status: 'failed', code: 'interrupted', userMessage: INTERRUPTED_MESSAGE });
      } else {
        this.heldBack.set(job.id, []);
        if (state === 'unknown') await this.restoreToBull(job);
        if (job.status === 'running') this.deps.store.requeue(job.id);
        this.pending.set(job.id, { ...job, status: 'queued' });
        this.line.markWaiting(job.id);
        resumed.push(job);
      }
    }
    await this.announceResumed(resumed);
    this.idle.settle();
  }

  /**
   * After a reconnect: outcomes that arrived while the event stream was unreadable are collected, and
   * jobs Redis no longer knows (it restarted without persistence) are put back in line from the store;
   * a job that was running then runs again from the start.
   */
  private async recoverLostJobs(): Promise<void> {
    const restored: JobRecord[] = [];
    for (const job of [...this.pending.values()]) {
      const state = await this.bullQueue.getJobState(job.id);
      if (state === 'completed' || state === 'failed') await this.collectOutcome(job, state);
      if (state !== 'unknown' || !this.pending.has(job.id)) continue;
      this.heldBack.set(job.id, []);
      await this.restoreToBull(job);
      if (this.deps.store.get(job.id)?.status === 'running') this.deps.store.requeue(job.id);
      this.line.markWaiting(job.id);
      restored.push(job);
    }
    await this.announceResumed(restored);
  }

  /** Tells the owners of jobs put back in line where they now stand (their worker news held back until then). */
  private async announceResumed(jobs: JobRecord[]): Promise<void> {
    await this.refreshLine().catch((error) => this.onError(error, { where: 'line refresh' }));
    for (const job of jobs) {
      const place = this.position(job.id) ?? { position: 1, etaMs: 0 };
      this.emit({ ...base(job), type: 'queued', ...place, resumed: true });
      this.replayHeldBack(job.id);
    }
  }

  /** Runs `action` now, or after the job's `queued` event when that is still to come. */
  private afterAnnounced(jobId: string, action: () => void): void {
    const held = this.heldBack.get(jobId);
    if (held) held.push(action);
    else action();
  }

  private replayHeldBack(jobId: string): void {
    const held = this.heldBack.get(jobId) ?? [];
    this.heldBack.delete(jobId);
    for (const action of held) action();
  }

  private async collectOutcome(job: JobRecord, state: 'completed' | 'failed'): Promise<void> {
    if (state === 'failed')
      return this.finish(job, { status: 'failed', code: 'interrupted', userMessage: INTERRUPTED_MESSAGE });
    const outcome = parseOutcome((await this.bullQueue.getJob(job.id))?.returnvalue);
    this.finish(job, outcome ?? { status: 'failed', code: 'internal', userMessage: internalMessage(job.id) });
  }

  /** Redis lost the job (restarted without persistence, or expired it): put it back from the store. */
  private async restoreToBull(job: JobRecord): Promise<void> {
    const owner = userKey(job.owner);
    const admission = await this.scripts.admit({
      jobId: job.id,
      userKey: owner,
      maxQueued: 0,
      perUserQueued: 0,
      force: true,
    });
    await this.addToBull(job, owner, admission.admitted ? admission.tag : 1);
  }

  private async addToBull(job: JobRecord, owner: string, tag: number): Promise<void> {
    const keepSeconds = this.deps.keepFinishedSeconds ?? 86_400;
    await this.bullQueue.add(owner, wireJobData(job, owner, tag), {
      jobId: job.id,
      priority: Math.min(tag, MAX_PRIORITY),
      // A worker stopped mid-job (shutdown) fails the attempt and BullMQ runs it again, up to this many times.
      attempts: this.options.maxAttempts,
      removeOnComplete: { age: keepSeconds },
      removeOnFail: { age: keepSeconds },
    });
  }

  private listenToWorkers(): void {
    this.events.on('progress', ({ jobId, data }: { jobId: string; data: unknown }) => {
      if (isWorkerSignal(data)) this.afterAnnounced(jobId, () => this.onSignal(jobId, data));
    });
    this.events.on('completed', ({ jobId, returnvalue }) => {
      const outcome = parseOutcome(returnvalue) ?? {
        status: 'failed',
        code: 'internal',
        userMessage: internalMessage(jobId),
      };
      this.afterAnnounced(jobId, () => this.onOutcome(jobId, outcome));
    });
    // Only crashes reach here (a worker died, or was stopped, on every attempt): outcomes of edits are return values.
    this.events.on('failed', ({ jobId }) => {
      this.afterAnnounced(jobId, () =>
        this.onOutcome(jobId, { status: 'failed', code: 'interrupted', userMessage: INTERRUPTED_MESSAGE }),
      );
    });
    // Back in line after a stopped or dead worker: not running any more; the snapshot places it.
    const backInLine = ({ jobId }: { jobId: string }) => {
      this.line.markInterrupted(jobId);
      this.scheduleRefresh();
    };
    this.events.on('stalled', backInLine);
    this.events.on('delayed', backInLine);
    this.events.on('waiting', ({ jobId, prev }) => {
      if (prev === 'active') this.line.markInterrupted(jobId);
      this.scheduleRefresh();
    });
    for (const name of ['added', 'active', 'removed'] as const) this.events.on(name, () => this.scheduleRefresh());
  }

  private onSignal(jobId: string, signal: WorkerSignal): void {
    const job = this.pending.get(jobId);
    if (signal.kind === 'started') {
      this.line.markStarted(jobId, {
        startedAt: this.options.now(),
        fraction: 0,
        steps: job?.params.steps ?? this.typicalSteps(),
        ...(job ? { sourceHash: job.sourceHash } : {}),
      });
      if (!job) return;
      try {
        if (this.deps.store.get(jobId)?.status === 'running') this.deps.store.requeue(jobId);
        if (!this.deps.store.markRunning(jobId, signal.startedAt)) return;
      } catch (error) {
        // A full disk: the outcome is recorded with the store's reserve when it comes; the owner still sees the start.
        this.onError(error, { jobId, where: 'store' });
      }
      const attempt = this.deps.store.get(jobId)?.attempts ?? 1;
      this.pending.set(jobId, { ...job, status: 'running', attempts: attempt });
      this.emit({ ...base(job), type: 'started', attempt, etaMs: Math.round(this.eta.jobMs(etaJob(job))) });
      return;
    }
    this.line.setFraction(jobId, signal.fraction);
    if (!job) return;
    const event: JobEvent = {
      ...base(job),
      type: 'progress',
      phase: signal.phase,
      step: signal.step,
      total: signal.total,
      fraction: signal.fraction,
    };
    if (signal.previewBase64) event.preview = new Uint8Array(Buffer.from(signal.previewBase64, 'base64'));
    this.emit(event);
  }

  private onOutcome(jobId: string, outcome: JobOutcome): void {
    this.line.markEnded(jobId);
    const job = this.pending.get(jobId);
    if (job) this.finish(job, outcome);
    this.scheduleRefresh();
  }

  /** Records a job's end in the store and tells the adapters, once: the store refuses a second end. */
  private finish(job: JobRecord, outcome: JobOutcome): void {
    this.line.markEnded(job.id);
    this.pending.delete(job.id);
    void this.scripts
      .release(job.id, userKey(job.owner))
      .catch((error) => this.onError(error, { jobId: job.id, where: 'release' }));
    this.learnPace(job, outcome);
    const event = recordOutcome(this.deps.store, job, outcome, this.options.now(), this.onError);
    if (event) this.emit(event);
    this.idle.settle();
  }

  /** Tells the worker running the job to stop, and waits (bounded) until it confirms. */
  private async stopOnWorker(jobId: string): Promise<void> {
    const waiter = this.redis.duplicate();
    try {
      await this.redis.publish(this.keys.cancelChannel, jobId);
      await waiter.blpop(this.keys.cancelAck(jobId), String((this.deps.cancelAckTimeoutMs ?? 5_000) / 1000));
    } finally {
      waiter.disconnect();
    }
  }

  /** Re-reads the line from Redis; calls while one runs are folded into one more run after it. */
  private refreshLine(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          await this.readLine();
        } while (this.refreshAgain && !this.closed);
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  private scheduleRefresh(): void {
    if (this.closed) return;
    this.refreshLine().catch((error) => this.onError(error, { where: 'line refresh' }));
  }

  private async readLine(): Promise<void> {
    const keys = this.bullQueue.keys;
    const replies = await this.redis
      .multi()
      .lrange(keys.wait, 0, -1)
      .zrange(keys.prioritized, '0', '-1')
      .lrange(keys.active, 0, -1)
      .zrange(keys.delayed, '0', '-1')
      .exec();
    if (!replies || this.closed) return;
    const [wait, prioritized, active, delayed] = replies.map(([error, value]) => {
      if (error) throw error;
      return value as string[];
    });
    // BullMQ's wait list is LPUSHed, so its oldest entry is last; un-prioritized jobs go before prioritized
    // ones; deferred jobs (owner at the running limit) come back soon and are shown at the end.
    const waiting = [...[...wait].reverse(), ...prioritized, ...delayed];
    this.line.applySnapshot(
      { waiting, active },
      this.options.now(),
      (id) => this.pending.get(id)?.params.steps ?? this.typicalSteps(),
    );
  }

  private refusal(reason: 'queue_full' | 'user_queue_full', count: number): QuotaError {
    return reason === 'queue_full'
      ? queueFullError(count, this.options.maxQueued)
      : userQueueFullError(count, this.options.perUserQueued);
  }

  /** Steps of a job this bot does not own (another replica's), for its ETA share. */
  private typicalSteps(): number {
    const any = this.pending.values().next().value as JobRecord | undefined;
    return any?.params.steps ?? 28;
  }
}

/** BullMQ's highest priority number. */
const MAX_PRIORITY = 2_097_151;

const UNAVAILABLE = 'The edit queue cannot be reached right now. Please try again in a minute.';

function internalMessage(jobId: string): string {
  return internalFailure(jobId).userMessage;
}
