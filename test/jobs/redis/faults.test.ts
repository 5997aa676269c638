/**
 * The Redis deployment's faults, with workers as real child processes and a real redis-server:
 * a worker killed mid-job, the bot restarted while workers run, Redis restarted mid-job.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ImageStore } from '../../../src/jobs/image-store.ts';
import { createRedisQueue, type RedisJobQueue } from '../../../src/jobs/redis/redis-queue.ts';
import { JobStore } from '../../../src/jobs/store.ts';
import { EventLog, isEvent, jobSpec } from '../queue-contract.ts';
import { queueNameFor } from './harness.ts';
import { REDIS_MISSING, hasRedisServer, startRedisServer } from './redis-server.ts';
import { spawnWorker, type WorkerProcess } from './worker-process.ts';

/** 20 steps of 60 ms: long enough to kill a worker mid-job, short enough for a quick suite. */
const STEP_MS = 60;
const STEPS = 20;

describe.skipIf(!hasRedisServer())('Redis deployment faults', () => {
  const cleanups: Array<() => Promise<void> | void> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function deployment(options: { persistentRedis?: boolean; lockMs?: number } = {}) {
    const server = await startRedisServer({ persistent: options.persistentRedis });
    cleanups.push(() => server.stop());
    const dataDir = mkdtempSync(join(tmpdir(), 'rfedit-faults-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const queueName = queueNameFor(dataDir);
    const imageDir = join(dataDir, 'images');
    const images = new ImageStore(imageDir);

    async function openBot() {
      const store = new JobStore(join(dataDir, 'jobs.sqlite'));
      const queue = await createRedisQueue({
        redisUrl: server.url,
        store,
        images,
        queueName,
        options: { progressIntervalMs: 0 },
      });
      const log = new EventLog(queue);
      let closed = false;
      const close = async () => {
        if (closed) return;
        closed = true;
        await queue.close();
        store.close();
      };
      cleanups.push(close);
      await queue.start();
      return { queue, store, log, close };
    }

    async function startWorker(name: string): Promise<WorkerProcess> {
      const worker = await spawnWorker({
        name,
        redisUrl: server.url,
        queueName,
        imageDir,
        stepMs: STEP_MS,
        lockMs: options.lockMs ?? 1_000,
      });
      cleanups.push(() => worker.kill('SIGKILL'));
      return worker;
    }

    async function submit(queue: RedisJobQueue, user: string, prompt: string, threadId?: string) {
      const spec = await jobSpec(images, user, prompt);
      spec.params = { ...spec.params, steps: STEPS };
      spec.overrides = { steps: STEPS };
      if (threadId) spec.place = { ...spec.place, threadId };
      return (await queue.submit(spec)).job;
    }

    return { server, openBot, startWorker, submit };
  }

  it('a worker killed mid-job: the job runs again on the other worker and its result arrives exactly once', async () => {
    const { openBot, startWorker, submit } = await deployment();
    const bot = await openBot();
    const workers = await Promise.all([startWorker('w1'), startWorker('w2')]);
    const job = await submit(bot.queue, 'ann', 'paint it blue');

    const victim = await Promise.race(
      workers.map((worker) => worker.waitFor((line) => line === 'started paint it blue').then(() => worker)),
    );
    await victim.kill('SIGKILL');
    const survivor = workers.find((worker) => worker !== victim)!;
    await survivor.waitFor((line) => line === 'started paint it blue');
    await bot.log.next(isEvent('done', job.id));
    await bot.queue.onIdle();

    expect(bot.log.events.filter(isEvent('done', job.id))).toHaveLength(1);
    expect(bot.log.of(job.id).filter((type) => type === 'started')).toHaveLength(2);
    expect(bot.store.get(job.id)).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('a bot restarted while a worker runs its job still delivers the result to the job’s thread', async () => {
    const { openBot, startWorker, submit } = await deployment();
    await startWorker('w1');
    const first = await openBot();
    const job = await submit(first.queue, 'ann', 'add a rainbow', 'thread-42');
    await first.log.next(isEvent('started', job.id));
    await first.close();

    const second = await openBot();
    const done = await second.log.next(isEvent('done', job.id));
    expect(done.place.threadId).toBe('thread-42');
    expect(done.owner.id).toBe('ann');
    expect(second.store.get(job.id)?.status).toBe('done');
    await second.queue.onIdle();
    expect(second.log.events.filter(isEvent('done', job.id))).toHaveLength(1);
  });

  it('Redis restarted mid-job: worker and bot reconnect, the job finishes and new jobs still run', async () => {
    const { server, openBot, startWorker, submit } = await deployment({ persistentRedis: true, lockMs: 5_000 });
    await startWorker('w1');
    const bot = await openBot();
    const job = await submit(bot.queue, 'ann', 'make it night');
    await bot.log.next(isEvent('started', job.id));

    await server.restart();

    await bot.log.next(isEvent('done', job.id));
    const after = await submit(bot.queue, 'bob', 'after the restart');
    await bot.log.next(isEvent('done', after.id));
    expect(bot.log.events.filter(isEvent('done', job.id))).toHaveLength(1);
    expect(bot.store.get(job.id)?.status).toBe('done');
  });

  it('Redis restarted without its data: the bot puts the job back in line from its store and it completes once', async () => {
    const { server, openBot, startWorker, submit } = await deployment({ lockMs: 5_000 });
    await startWorker('w1');
    const bot = await openBot();
    const job = await submit(bot.queue, 'ann', 'add fog');
    await bot.log.next(isEvent('started', job.id));

    await server.restart();

    const requeued = await bot.log.next((event) => event.type === 'queued' && event.jobId === job.id && event.resumed);
    expect(requeued).toMatchObject({ position: 1 });
    await bot.log.next(isEvent('done', job.id));
    await bot.queue.onIdle();
    expect(bot.log.events.filter(isEvent('done', job.id))).toHaveLength(1);
    expect(bot.store.get(job.id)).toMatchObject({ status: 'done', attempts: 2 });
  });
});

describe.skipIf(hasRedisServer())(REDIS_MISSING, () => {
  it('runs the fault tests against a real redis-server', () => {});
});
