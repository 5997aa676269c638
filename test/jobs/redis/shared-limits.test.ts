/**
 * Limits and fairness that hold across processes: several bot replicas admit against the same
 * counters, and several workers respect the per-user running limit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QuotaError } from '../../../src/errors.ts';
import { ImageStore } from '../../../src/jobs/image-store.ts';
import { BULL_PREFIX, redisOptionsFromUrl } from '../../../src/jobs/redis/connection.ts';
import { createRedisQueue } from '../../../src/jobs/redis/redis-queue.ts';
import { JobStore } from '../../../src/jobs/store.ts';
import { gatedEngine } from '../fixtures/test-engines.ts';
import { EventLog, isEvent, jobSpec } from '../queue-contract.ts';
import { openRedisHarness, queueNameFor } from './harness.ts';
import { REDIS_MISSING, hasRedisServer, startRedisServer, type RedisServer } from './redis-server.ts';

describe.skipIf(!hasRedisServer())('limits and fairness across processes', () => {
  let server: RedisServer;
  const cleanups: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'rfedit-limits-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  async function replica(queueName: string, images: ImageStore) {
    const store = new JobStore(join(tempDir(), 'jobs.sqlite'));
    const queue = await createRedisQueue({
      redisUrl: server.url,
      store,
      images,
      queueName,
      options: { perUserQueued: 2 },
    });
    cleanups.push(async () => {
      await queue.close();
      store.close();
    });
    return queue;
  }

  it('two bot replicas share one per-user limit and one fair order', async () => {
    const shared = tempDir();
    const images = new ImageStore(join(shared, 'images'));
    const [east, west] = [await replica(queueNameFor(shared), images), await replica(queueNameFor(shared), images)];

    await east.submit(await jobSpec(images, 'ann'));
    await west.submit(await jobSpec(images, 'ann'));
    const refusal = await east.submit(await jobSpec(images, 'ann')).catch((error: unknown) => error);
    const bob = await west.submit(await jobSpec(images, 'bob'));

    expect(refusal).toBeInstanceOf(QuotaError);
    expect((refusal as QuotaError).code).toBe('user_queue_full');
    // ann's first job, then bob's, then ann's second, whichever replica took them.
    expect(bob.position).toBe(2);
  });

  it('with two workers, a user’s second job waits for the first while another user’s job takes the free worker', async () => {
    const dataDir = tempDir();
    const { engine, gate } = gatedEngine();
    const harness = await openRedisHarness({
      redisUrl: server.url,
      engine,
      options: { engineSlots: 2, perUserQueued: 5 },
      dataDir,
    });
    cleanups.push(async () => {
      await harness.queue.close();
      harness.store.close();
    });
    const deferrals = new QueueEvents(queueNameFor(dataDir), {
      connection: redisOptionsFromUrl(server.url),
      prefix: BULL_PREFIX,
    });
    cleanups.push(() => deferrals.close());
    await deferrals.waitUntilReady();
    const log = new EventLog(harness.queue);
    const first = await harness.queue.submit(await jobSpec(harness.images, 'ann'));
    const second = await harness.queue.submit(await jobSpec(harness.images, 'ann'));
    const secondDeferred = new Promise<void>((resolve) =>
      deferrals.on('delayed', ({ jobId }) => jobId === second.job.id && resolve()),
    );

    await harness.queue.start();
    await secondDeferred;
    const bob = await harness.queue.submit(await jobSpec(harness.images, 'bob'));
    await log.next(isEvent('started', bob.job.id));
    gate.open();
    await harness.queue.onIdle();

    const order = log.events
      .filter((event) => event.type === 'started' || event.type === 'done')
      .map((e) => `${e.type} ${e.jobId}`);
    expect(order.indexOf(`done ${first.job.id}`)).toBeLessThan(order.indexOf(`started ${second.job.id}`));
    expect(order.indexOf(`started ${bob.job.id}`)).toBeLessThan(order.indexOf(`started ${second.job.id}`));
  });
});

describe.skipIf(hasRedisServer())(REDIS_MISSING, () => {
  it('checks limits across bot replicas and workers against a real redis-server', () => {});
});
