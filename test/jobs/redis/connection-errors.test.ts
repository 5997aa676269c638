import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ImageStore } from '../../../src/jobs/image-store.ts';
import { ConnectionErrorLog } from '../../../src/jobs/redis/connection.ts';
import { runWorker } from '../../../src/jobs/redis/worker.ts';
import { TestEngine } from '../fixtures/test-engines.ts';
import { REDIS_MISSING, hasRedisServer, startRedisServer } from './redis-server.ts';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });

function recorder(summaryEveryMs = 10_000) {
  let clock = 0;
  const reports: string[] = [];
  const log = new ConnectionErrorLog((error) => reports.push((error as Error).message), {
    summaryEveryMs,
    now: () => clock,
  });
  return { log, reports, advance: (ms: number) => void (clock += ms) };
}

describe('Redis connection errors while Redis is down', () => {
  it('are reported once in full, then summarised at most every interval, and once more when Redis is back', () => {
    const { log, reports, advance } = recorder();
    for (let i = 0; i < 16 * 25; i++) {
      log.error(refused(), { where: 'redis connection' }); // ~16 a second for 25 s
      advance(1000 / 16);
    }
    log.reconnected();
    expect(reports).toEqual([
      'connect ECONNREFUSED 127.0.0.1:6379',
      expect.stringMatching(
        /^Redis still unreachable, retrying: 160 more connection error\(s\) since the last report, 10 s into the outage \(latest: connect ECONNREFUSED/,
      ),
      expect.stringMatching(/^Redis still unreachable, retrying: 160 more .* 20 s into the outage/),
      expect.stringMatching(
        /^Redis reachable again: 79 more connection error\(s\) since the last report, 25 s into the outage/,
      ),
    ]);
  });

  it('report the first error of the next outage in full again', () => {
    const { log, reports } = recorder();
    log.error(refused(), { where: 'redis connection' });
    log.reconnected();
    log.error(refused(), { where: 'bullmq worker' });
    expect(reports).toEqual(['connect ECONNREFUSED 127.0.0.1:6379', 'connect ECONNREFUSED 127.0.0.1:6379']);
  });

  it('let every other error through as it is', () => {
    const { log, reports } = recorder();
    log.error(refused(), { where: 'redis connection' });
    for (let i = 0; i < 3; i++) log.error(new Error('engine exploded'), { jobId: 'j1', where: 'job' });
    expect(reports).toEqual([
      'connect ECONNREFUSED 127.0.0.1:6379',
      'engine exploded',
      'engine exploded',
      'engine exploded',
    ]);
  });
});

describe.skipIf(!hasRedisServer())('a worker while a real Redis is down for 1.5 s', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('logs the outage in a few lines, not one per reconnect attempt', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const dir = mkdtempSync(join(tmpdir(), 'rfedit-redis-outage-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const reports: Array<{ message: string; where: string }> = [];
    const worker = await runWorker({
      redisUrl: server.url,
      engine: new TestEngine(),
      images: new ImageStore(dir),
      queueName: `outage-${process.pid}`,
      onError: (error, context) => reports.push({ message: (error as Error).message, where: context.where }),
    });
    cleanups.push(() => worker.close());

    await server.restart(1_500);
    const deadline = Date.now() + 10_000;
    while (!reports.some((r) => r.message.startsWith('Redis reachable again')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const back = reports.find((r) => r.message.startsWith('Redis reachable again'));
    expect(back?.message).toMatch(/: \d+ more connection error/);
    const held = Number(/: (\d+) more/.exec(back!.message)![1]);
    expect(held).toBeGreaterThanOrEqual(5); // what used to be as many log lines
    expect(reports.length).toBeLessThanOrEqual(4);
  });
});

describe.skipIf(hasRedisServer())(REDIS_MISSING, () => {
  it('runs the outage test against a real redis-server', () => {});
});
