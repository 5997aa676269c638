/**
 * Wait estimates against the waits that followed, with an engine of known pace (test clock): after
 * one warm-up job per working size, every estimate a user sees (running, next in line, #2, #3) is
 * within ±50 % of the real wait, for fresh photos and for edits that reuse a cached inversion.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EtaEstimator } from '../../src/jobs/eta.ts';
import { ImageStore } from '../../src/jobs/image-store.ts';
import { MemoryJobQueue } from '../../src/jobs/memory-queue.ts';
import { JobStore } from '../../src/jobs/store.ts';
import type { JobSpec } from '../../src/jobs/types.ts';
import { PacedEngine } from './fixtures/paced-engine.ts';
import type { TestClock } from './fixtures/paced-engine.ts';
import { deferred, fakePng, resolveTestParams } from './fixtures/test-engines.ts';
import { EventLog, isEvent } from './queue-contract.ts';

const SMALL = { width: 512, height: 512 };

describe('wait estimates', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function setUp() {
    const dir = mkdtempSync(join(tmpdir(), 'rfedit-eta-'));
    const store = new JobStore(join(dir, 'jobs.sqlite'));
    const images = new ImageStore(join(dir, 'images'));
    const clock: TestClock = { ms: 0 };
    const sizes = new Map<string, { width: number; height: number }>();
    let hold = deferred();
    hold.resolve();
    const engine = new PacedEngine({
      clock,
      msPerCallPerMegapixel: 400,
      overheadMs: 400,
      sizeOf: (image) => sizes.get(Buffer.from(image).toString('base64'))!,
      beforeCall: () => hold.promise,
    });
    // The 1 s-per-step guess a fresh bot starts from is far off for this engine, as for the demo model.
    const queue = new MemoryJobQueue({
      engine,
      store,
      images,
      options: { now: () => clock.ms, initialMsPerStep: 1_000, perUserQueued: 10 },
    });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanups.push(() => store.close());
    cleanups.push(() => queue.close());
    const log = new EventLog(queue);
    return {
      queue,
      store,
      clock,
      log,
      holdEngine: () => (hold = deferred()),
      releaseEngine: () => hold.resolve(),
      async photo(label: string, size: { width: number; height: number }) {
        const bytes = fakePng(label);
        sizes.set(Buffer.from(bytes).toString('base64'), size);
        return images.put(bytes);
      },
    };
  }

  function spec(sourceHash: string, user: string, steps = 28): JobSpec {
    return {
      kind: 'edit',
      owner: { platform: 'web', id: user },
      place: { platform: 'web', channelId: 'web-chat' },
      prompt: 'as a pencil sketch',
      overrides: { steps },
      params: resolveTestParams({ overrides: { steps } }),
      sourceHash,
      parentId: null,
    };
  }

  it('after one warm-up job, the running job, next in line, #2 and #3 are told their wait within ±50 %', async () => {
    const { queue, store, clock, log, photo, holdEngine, releaseEngine } = setUp();
    await queue.start();
    const warmUp = await queue.submit(spec(await photo('warm-up', SMALL), 'ann'));
    await log.next(isEvent('done', warmUp.job.id));

    // One fresh photo runs; waiting behind it: the warm-up photo again (inversion cached), another fresh one, and a third.
    holdEngine();
    const running = await queue.submit(spec(await photo('fresh 1', SMALL), 'ann'));
    const started = await log.next(isEvent('started', running.job.id));
    const submittedAt = clock.ms;
    const waiting = [
      await queue.submit(spec(await photo('warm-up', SMALL), 'bob')),
      await queue.submit(spec(await photo('fresh 2', SMALL), 'cat')),
      await queue.submit(spec(await photo('fresh 3', SMALL), 'dan')),
    ];
    expect(waiting.map((w) => w.position)).toEqual([1, 2, 3]);
    releaseEngine();
    await queue.onIdle();

    const timings = (jobId: string) => store.get(jobId)!.timings;
    const ran = timings(running.job.id);
    const figures = [
      {
        what: 'running',
        estimated: started.type === 'started' ? started.etaMs : NaN,
        real: ran.finishedAt! - ran.startedAt!,
      },
    ];
    for (const [index, w] of waiting.entries())
      figures.push({ what: `#${index + 1}`, estimated: w.etaMs, real: timings(w.job.id).startedAt! - submittedAt });
    if (process.env.SHOW_ETA) console.table(figures);
    for (const { what, estimated, real } of figures) {
      expect(real, what).toBeGreaterThan(0);
      expect(estimated / real, `${what}: estimated ${estimated} ms, waited ${real} ms`).toBeGreaterThanOrEqual(0.5);
      expect(estimated / real, `${what}: estimated ${estimated} ms, waited ${real} ms`).toBeLessThanOrEqual(1.5);
    }
    // The cached edit (#1) costs about half a fresh one, so #2 waits much less than twice #1's wait.
    expect(waiting[1].etaMs - waiting[0].etaMs).toBeLessThan(0.75 * waiting[0].etaMs);
  });

  it('keeps one average per working size: a large photo’s estimate is not the small one’s', () => {
    const eta = new EtaEstimator(1_000);
    eta.record({ steps: 28, sourceHash: 'small', durationMs: 2_000, pixels: 512 * 512, calls: 56 });
    eta.record({ steps: 28, sourceHash: 'large', durationMs: 8_000, pixels: 1024 * 1024, calls: 56 });
    // Seen photos: their inversion is cached, so half the calls at their own size's pace.
    expect(eta.jobMs({ steps: 28, sourceHash: 'small' })).toBeCloseTo(1_000);
    expect(eta.jobMs({ steps: 28, sourceHash: 'large' })).toBeCloseTo(4_000);
    // An unseen photo: a whole run at the latest size.
    expect(eta.jobMs({ steps: 28, sourceHash: 'new' })).toBeCloseTo(8_000);
  });

  it('a running job’s estimate follows its own pace as it progresses, not an extrapolation of its first percent', () => {
    const eta = new EtaEstimator(1_000);
    eta.record({ steps: 10, sourceHash: 'a', durationMs: 2_000, pixels: 1e6, calls: 20 });
    // 2 % done after a slow start (loading): extrapolating would say 49 × 300 ms; the average says about 1.7 s.
    expect(eta.remainingMs({ job: { steps: 10, sourceHash: 'b' }, elapsedMs: 300, fraction: 0.02 })).toBeLessThan(
      2_100,
    );
    // Nearly done: mostly its own pace.
    expect(eta.remainingMs({ job: { steps: 10, sourceHash: 'b' }, elapsedMs: 1_800, fraction: 0.9 })).toBeCloseTo(
      0.9 * 200 + 0.1 * 200,
      0,
    );
  });
});
