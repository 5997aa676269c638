/**
 * A bot-side RedisJobQueue plus in-process workers, behind the JobQueue interface, so the shared
 * contract suite can drive the whole Redis path. Workers start with start() (the contract submits
 * before start() and expects nothing to run yet) and stop first on close(), as a deployment would.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { EditEngine } from '../../../src/engine/types.ts';
import { ImageStore } from '../../../src/jobs/image-store.ts';
import type { JobQueue, QueueOptions } from '../../../src/jobs/queue.ts';
import { createRedisQueue, type RedisJobQueue } from '../../../src/jobs/redis/redis-queue.ts';
import { runWorker, type RunningWorker } from '../../../src/jobs/redis/worker.ts';
import { JobStore } from '../../../src/jobs/store.ts';
import type { TestDisk } from '../fixtures/test-disk.ts';

/** A queue name per data directory: a restart (same directory) finds its jobs, other tests do not. */
export function queueNameFor(dataDir: string): string {
  return `test-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`;
}

export async function openRedisHarness(input: {
  redisUrl: string;
  engine: EditEngine;
  options: QueueOptions;
  dataDir: string;
  disk?: TestDisk;
}) {
  const { store, images } = input.disk
    ? input.disk.open(input.dataDir)
    : {
        store: new JobStore(join(input.dataDir, 'jobs.sqlite')),
        images: new ImageStore(join(input.dataDir, 'images')),
      };
  const queueName = queueNameFor(input.dataDir);
  const bot = await createRedisQueue({ redisUrl: input.redisUrl, store, images, queueName, options: input.options });
  const queue = new QueueWithLocalWorkers(bot, {
    count: input.options.engineSlots ?? 1,
    start: (engine) =>
      runWorker({ redisUrl: input.redisUrl, engine, images, queueName, options: input.options, deferMs: 20 }),
    engine: input.engine,
  });
  return { queue, store, images };
}

/**
 * The contract asserts, right after the engine is entered, that the queue already reports the job
 * as running. In one process the bot learns that through Redis a moment after the worker; in this
 * harness the engine waits for that moment (the bot's `started` event), so the assertions are not
 * a race. Deployed workers do not wait for any bot.
 */
class BotAwareEngine implements EditEngine {
  private startedSeen = 0;
  private calls = 0;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(
    private readonly inner: EditEngine,
    bot: JobQueue,
  ) {
    bot.onEvent((event) => {
      if (event.type !== 'started') return;
      this.startedSeen++;
      this.waiters = this.waiters.filter((waiter) => !(waiter.count <= this.startedSeen && (waiter.resolve(), true)));
    });
  }

  resolveParams: EditEngine['resolveParams'] = (request) => this.inner.resolveParams(request);

  async edit(...args: Parameters<EditEngine['edit']>): ReturnType<EditEngine['edit']> {
    const count = ++this.calls;
    if (this.startedSeen < count) await new Promise<void>((resolve) => this.waiters.push({ count, resolve }));
    return this.inner.edit(...args);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

class QueueWithLocalWorkers implements JobQueue {
  private workers: RunningWorker[] = [];
  private readonly engine: EditEngine;

  constructor(
    private readonly bot: RedisJobQueue,
    private readonly local: {
      count: number;
      start: (engine: EditEngine) => Promise<RunningWorker>;
      engine: EditEngine;
    },
  ) {
    this.engine = new BotAwareEngine(local.engine, bot);
  }

  connect: JobQueue['connect'] = () => this.bot.connect();
  submit: JobQueue['submit'] = (spec) => this.bot.submit(spec);
  cancel: JobQueue['cancel'] = (jobId, options) => this.bot.cancel(jobId, options);
  position: JobQueue['position'] = (jobId) => this.bot.position(jobId);
  pause: JobQueue['pause'] = () => this.bot.pause();
  resume: JobQueue['resume'] = () => this.bot.resume();
  onEvent: JobQueue['onEvent'] = (listener) => this.bot.onEvent(listener);
  subscribe: JobQueue['subscribe'] = (jobId, listener) => this.bot.subscribe(jobId, listener);
  onIdle: JobQueue['onIdle'] = () => this.bot.onIdle();
  stats: JobQueue['stats'] = () => this.bot.stats();

  async start(): Promise<void> {
    await this.bot.start();
    for (let i = 0; i < this.local.count; i++) this.workers.push(await this.local.start(this.engine));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((worker) => worker.close()));
    await this.bot.close();
  }
}
