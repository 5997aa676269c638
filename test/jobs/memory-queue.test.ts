import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EditEngine } from '../../src/engine/types.ts';
import { ImageStore } from '../../src/jobs/image-store.ts';
import { MemoryJobQueue } from '../../src/jobs/memory-queue.ts';
import type { QueueOptions } from '../../src/jobs/queue.ts';
import { resolveQueueOptions } from '../../src/jobs/queue.ts';
import { JobStore } from '../../src/jobs/store.ts';
import { TestEngine } from './fixtures/test-engines.ts';
import { EventLog, isEvent, jobSpec, runQueueContract } from './queue-contract.ts';

function openParts(dataDir: string) {
  return { store: new JobStore(join(dataDir, 'jobs.sqlite')), images: new ImageStore(join(dataDir, 'images')) };
}

runQueueContract('MemoryJobQueue', async ({ engine, options, dataDir, disk }) => {
  const { store, images } = disk ? disk.open(dataDir) : openParts(dataDir);
  return { queue: new MemoryJobQueue({ engine, store, images, options }), store, images };
});

describe('MemoryJobQueue specifics', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  function open(engine: EditEngine, options: QueueOptions = {}, dataDir = mkdtempSync(join(tmpdir(), 'rfedit-mq-'))) {
    const { store, images } = openParts(dataDir);
    const queue = new MemoryJobQueue({ engine, store, images, options });
    cleanups.push(async () => {
      await queue.close();
      store.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    return { queue, store, images, dataDir, log: new EventLog(queue) };
  }

  it('a job that was running during two crashes is failed with an explanation instead of run a third time', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rfedit-mq-'));
    const before = openParts(dataDir);
    const { job } = await new MemoryJobQueue({ engine: new TestEngine(), ...before }).submit(
      await jobSpec(before.images, 'ann'),
    );
    // Two starts that never finished, as two processes killed mid-job would leave it.
    before.store.markRunning(job.id, 1);
    before.store.requeue(job.id);
    before.store.markRunning(job.id, 2);
    before.store.close();

    const engine = new TestEngine();
    const { queue, log } = open(engine, { maxAttempts: 2 }, dataDir);
    await queue.start();
    const failed = await log.next(isEvent('failed', job.id));
    expect(failed).toMatchObject({ code: 'interrupted' });
    expect(engine.requests).toHaveLength(0);
  });

  it('the ETA learns the engine’s measured time per step', async () => {
    let clock = 0;
    const engine = new TestEngine({ beforeStep: async () => void (clock += 500) });
    const { queue, images, log } = open(engine, { initialMsPerStep: 1_000, now: () => clock });
    await queue.start();
    const { job } = await queue.submit(await jobSpec(images, 'ann'));
    await log.next(isEvent('done', job.id));
    // 4 steps in 2 000 ms = 500 ms/step: the first measurement replaces the 1 000 ms guess outright.
    expect(queue.stats().msPerStep).toBe(500);
  });

  it('a job submitted after close is refused plainly', async () => {
    const { queue, images } = open(new TestEngine());
    await queue.close();
    await expect(queue.submit(await jobSpec(images, 'ann'))).rejects.toMatchObject({ code: 'shutting_down' });
  });

  it('options that make no sense are refused, naming the option and the value', () => {
    expect(() => resolveQueueOptions({ engineSlots: 0 })).toThrow(
      'Queue option engineSlots must be a positive integer, got 0',
    );
    expect(() => resolveQueueOptions({ jobTimeoutMs: -1 })).toThrow(/jobTimeoutMs/);
  });
});
