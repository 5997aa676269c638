/**
 * The JobQueue contract: every implementation (in-process now, Redis later) runs this suite.
 * Call `runQueueContract(name, makeQueue)` from a *.test.ts file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EditEngine } from '../../src/engine/types.ts';
import { ModelError, QuotaError } from '../../src/errors.ts';
import type { ImageStore } from '../../src/jobs/image-store.ts';
import type { JobQueue, QueueOptions } from '../../src/jobs/queue.ts';
import type { JobStore } from '../../src/jobs/store.ts';
import type { JobEvent, JobSpec, Platform } from '../../src/jobs/types.ts';
import { TestDisk } from './fixtures/test-disk.ts';
import {
  TestEngine,
  deferred,
  fakePng,
  gatedEngine,
  hangingEngine,
  resolveTestParams,
} from './fixtures/test-engines.ts';

export interface QueueHarness {
  queue: JobQueue;
  store: JobStore;
  images: ImageStore;
}

/** Builds a queue over the store and images in `dataDir`; called again with the same dir to simulate a restart. */
export type MakeQueue = (input: {
  engine: EditEngine;
  options: QueueOptions;
  dataDir: string;
  disk?: TestDisk;
}) => Promise<QueueHarness>;

/** Records every event and lets a test await the first one that matches. */
export class EventLog {
  readonly events: JobEvent[] = [];
  private waiters: Array<{ matches: (event: JobEvent) => boolean; resolve: (event: JobEvent) => void }> = [];

  constructor(queue: JobQueue) {
    queue.onEvent((event) => {
      this.events.push(event);
      this.waiters = this.waiters.filter((waiter) => !(waiter.matches(event) && (waiter.resolve(event), true)));
    });
  }

  /** The first event (already seen or still to come) that matches. */
  next(matches: (event: JobEvent) => boolean): Promise<JobEvent> {
    const seen = this.events.find(matches);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ matches, resolve }));
  }

  of(jobId: string): JobEvent['type'][] {
    return this.events.filter((event) => event.jobId === jobId).map((event) => event.type);
  }

  startedOwners(): string[] {
    return this.events.filter((event) => event.type === 'started').map((event) => event.owner.id);
  }
}

export function isEvent(type: JobEvent['type'], jobId?: string) {
  return (event: JobEvent) => event.type === type && (jobId === undefined || event.jobId === jobId);
}

export async function jobSpec(
  images: ImageStore,
  user: string,
  prompt = 'make it snowy',
  platform: Platform = 'discord',
): Promise<JobSpec> {
  const sourceHash = await images.put(fakePng('source photo'));
  return {
    kind: 'edit',
    owner: { platform, id: user },
    place: { platform, guildId: 'g1', channelId: 'c1' },
    prompt,
    params: resolveTestParams({}),
    sourceHash,
    parentId: null,
  };
}

export function runQueueContract(name: string, makeQueue: MakeQueue): void {
  describe(`JobQueue contract: ${name}`, () => {
    const opened: QueueHarness[] = [];
    const dirs: string[] = [];
    /** Lets hung engines and held disk calls go at the end of a test, so its queue can close. */
    const releases: Array<() => void> = [];

    async function open(engine: EditEngine, options: QueueOptions = {}, dataDir?: string, disk?: TestDisk) {
      const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'rfedit-queue-'));
      if (!dataDir) dirs.push(dir);
      const harness = await makeQueue({ engine, options, dataDir: dir, disk });
      opened.push(harness);
      return { ...harness, dir, log: new EventLog(harness.queue) };
    }

    afterEach(async () => {
      for (const release of releases.splice(0)) release();
      for (const harness of opened.splice(0)) {
        await harness.queue.close();
        harness.store.close();
      }
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    });

    describe('running jobs', () => {
      it('a submitted job goes through queued, started, progress and done, in that order', async () => {
        const { queue, images, log } = await open(new TestEngine(), { progressIntervalMs: 0 });
        await queue.start();
        const { job } = await queue.submit(await jobSpec(images, 'ann'));
        await log.next(isEvent('done', job.id));
        expect(log.of(job.id)).toEqual(['queued', 'started', 'progress', 'progress', 'progress', 'progress', 'done']);
      });

      it('the done event points at the stored result and carries the parameters the engine used', async () => {
        const { queue, images, store, log } = await open(new TestEngine());
        await queue.start();
        const { job } = await queue.submit(await jobSpec(images, 'ann', 'a red door'));
        const done = await log.next(isEvent('done', job.id));
        if (done.type !== 'done') throw new Error('expected done');
        expect(await images.get(done.images[0].hash)).toEqual(fakePng('a red door|1|0.5'));
        expect(done.params.steps).toBe(4);
        expect(store.get(job.id)?.status).toBe('done');
      });

      it('the engine receives the source image, prompt and an abort signal', async () => {
        const engine = new TestEngine();
        const { queue, images, log } = await open(engine);
        await queue.start();
        const { job } = await queue.submit(await jobSpec(images, 'ann', 'autumn leaves'));
        await log.next(isEvent('done', job.id));
        expect(engine.requests[0].image).toEqual(fakePng('source photo'));
        expect(engine.requests[0].prompt).toBe('autumn leaves');
        expect(engine.requests[0].signal).toBeInstanceOf(AbortSignal);
      });

      it('onIdle resolves once every submitted job has finished', async () => {
        const engine = new TestEngine();
        const { queue, images } = await open(engine);
        await queue.start();
        for (let i = 0; i < 3; i++) await queue.submit(await jobSpec(images, 'ann'));
        await queue.onIdle();
        expect(engine.completed).toBe(3);
      });

      it('subscribe delivers the events of one job only', async () => {
        const { queue, images, log } = await open(new TestEngine());
        const first = await queue.submit(await jobSpec(images, 'ann'));
        const second = await queue.submit(await jobSpec(images, 'bob'));
        const seen: string[] = [];
        queue.subscribe(second.job.id, (event) => seen.push(event.jobId));
        await queue.start();
        await log.next(isEvent('done', second.job.id));
        await log.next(isEvent('done', first.job.id));
        expect(new Set(seen)).toEqual(new Set([second.job.id]));
      });

      it('a listener that throws does not stop the queue', async () => {
        const { queue, images, log } = await open(new TestEngine());
        queue.onEvent(() => {
          throw new Error('renderer bug');
        });
        await queue.start();
        const { job } = await queue.submit(await jobSpec(images, 'ann'));
        await expect(log.next(isEvent('done', job.id))).resolves.toBeDefined();
      });
    });

    describe('pause and resume', () => {
      it('a paused queue lets the running edit finish, starts nothing new, accepts jobs, and runs them on resume', async () => {
        const { engine, gate } = gatedEngine();
        const { queue, images, log } = await open(engine);
        await queue.start();
        const first = await queue.submit(await jobSpec(images, 'ann'));
        await gate.reached();
        await queue.pause();
        expect(queue.stats().paused).toBe(true);
        const second = await queue.submit(await jobSpec(images, 'bob'));
        gate.open();
        await log.next(isEvent('done', first.job.id));
        const third = await queue.submit(await jobSpec(images, 'cat'));
        expect(queue.position(second.job.id)?.position).toBe(1);
        expect(log.of(second.job.id)).toEqual(['queued']);
        expect(log.of(third.job.id)).toEqual(['queued']);
        // Both were told the queue is paused when they were queued.
        const toldPaused = log.events.filter((e) => e.type === 'queued' && e.paused === true).map((e) => e.jobId);
        expect(toldPaused).toEqual([second.job.id, third.job.id]);
        await queue.resume();
        expect(queue.stats().paused).toBe(false);
        await log.next(isEvent('done', third.job.id));
        await log.next(isEvent('done', second.job.id));
      });
    });

    describe('fairness and limits', () => {
      it('three users get turns in rotation even when one of them submitted twenty jobs first', async () => {
        const { queue, images } = await open(new TestEngine(), { perUserQueued: 20 });
        for (let i = 0; i < 20; i++) await queue.submit(await jobSpec(images, 'ann'));
        const bob = await queue.submit(await jobSpec(images, 'bob'));
        const cat = await queue.submit(await jobSpec(images, 'cat'));
        expect([bob.position, cat.position]).toEqual([2, 3]);
        const log = new EventLog(queue);
        await queue.start();
        await queue.onIdle();
        expect(log.startedOwners().slice(0, 5)).toEqual(['ann', 'bob', 'cat', 'ann', 'ann']);
        expect(log.startedOwners()).toHaveLength(22);
      });

      it('a user who arrives while another user’s jobs run starts next, not after all of them', async () => {
        const { engine, gate } = gatedEngine();
        const { queue, images, log } = await open(engine, { perUserQueued: 20 });
        await queue.start();
        for (let i = 0; i < 5; i++) await queue.submit(await jobSpec(images, 'ann'));
        await gate.reached();
        const bob = await queue.submit(await jobSpec(images, 'bob'));
        expect(bob.position).toBe(2);
        gate.open();
        await queue.onIdle();
        expect(log.startedOwners()).toEqual(['ann', 'ann', 'bob', 'ann', 'ann', 'ann']);
      });

      it('a user over the per-user limit is refused with a plain message while others still get in', async () => {
        const { queue, images } = await open(new TestEngine(), { perUserQueued: 2 });
        await queue.submit(await jobSpec(images, 'ann'));
        await queue.submit(await jobSpec(images, 'ann'));
        const refusal = await queue.submit(await jobSpec(images, 'ann')).catch((error: unknown) => error);
        expect(refusal).toBeInstanceOf(QuotaError);
        expect((refusal as QuotaError).code).toBe('user_queue_full');
        expect((refusal as QuotaError).userMessage).toMatch(/limit is 2/);
        await expect(queue.submit(await jobSpec(images, 'bob'))).resolves.toBeDefined();
      });

      it('a full queue refuses new jobs with "queue is full"', async () => {
        const { queue, images } = await open(new TestEngine(), { maxQueued: 3 });
        for (const user of ['ann', 'bob', 'cat']) await queue.submit(await jobSpec(images, user));
        const refusal = await queue.submit(await jobSpec(images, 'dan')).catch((error: unknown) => error);
        expect((refusal as QuotaError).code).toBe('queue_full');
        expect((refusal as QuotaError).userMessage).toMatch(/queue is full/);
      });

      it('with two engine slots one user runs one job at a time and the other slot goes to someone else', async () => {
        const { engine, gate } = gatedEngine();
        const { queue, images, log } = await open(engine, { engineSlots: 2, perUserRunning: 1 });
        await queue.submit(await jobSpec(images, 'ann'));
        await queue.submit(await jobSpec(images, 'ann'));
        await queue.submit(await jobSpec(images, 'bob'));
        await queue.start();
        await gate.reached(2);
        expect(queue.stats().running).toBe(2);
        expect(log.startedOwners().sort()).toEqual(['ann', 'bob']);
        gate.open();
        await queue.onIdle();
      });
    });

    describe('position and ETA', () => {
      it('waiting jobs report positions 1, 2, 3 and later positions have later estimates', async () => {
        const { queue, images } = await open(new TestEngine(), { initialMsPerStep: 100 });
        const ids = [];
        for (const user of ['ann', 'bob', 'cat']) ids.push((await queue.submit(await jobSpec(images, user))).job.id);
        const places = ids.map((id) => queue.position(id)!);
        expect(places.map((p) => p.position)).toEqual([1, 2, 3]);
        expect(places[0].etaMs).toBeLessThan(places[1].etaMs);
        expect(places[1].etaMs).toBeLessThan(places[2].etaMs);
        expect(places[1].etaMs).toBe(4 * 100);
      });

      it('a running job has position 0 and a finished one has none', async () => {
        const { engine, gate } = gatedEngine();
        const { queue, images, log } = await open(engine);
        await queue.start();
        const { job } = await queue.submit(await jobSpec(images, 'ann'));
        await gate.reached();
        expect(queue.position(job.id)?.position).toBe(0);
        gate.open();
        await log.next(isEvent('done', job.id));
        expect(queue.position(job.id)).toBeNull();
      });
    });

    describe('progress', () => {
      it('progress events are throttled per job; the first and the last step always pass', async () => {
        const frozenClock = () => 1_000_000;
        const { queue, images, log } = await open(new TestEngine(), { progressIntervalMs: 2_500, now: frozenClock });
        await queue.start();
        const { job } = await queue.submit(await jobSpec(images, 'ann'));
        await log.next(isEvent('done', job.id));
        const steps = log.events
          .filter(isEvent('progress', job.id))
          .map((event) => (event.type === 'progress' ? event.step : -1));
        expect(steps).toEqual([1, 4]);
      });
    });

    describe('cancellation', () => {
      it('cancelling a queued job removes it from the line; the engine never sees it', async () => {
        const engine = new TestEngine();
        const { queue, images, log, store } = await open(engine);
        const { job } = await queue.submit(await jobSpec(images, 'ann', 'never run me'));
        const other = await queue.submit(await jobSpec(images, 'bob'));
        expect(await queue.cancel(job.id)).toBe(true);
        expect(queue.position(other.job.id)?.position).toBe(1);
        await queue.start();
        await queue.onIdle();
        expect(log.of(job.id)).toEqual(['queued', 'cancelled']);
        expect(engine.requests.map((r) => r.prompt)).not.toContain('never run me');
        expect(store.get(job.id)?.status).toBe('cancelled');
      });

      it('cancelling a running job stops it at the next step and the next job runs', async () => {
        const { engine, gate } = gatedEngine();
        const { queue, images, log } = await open(engine);
        await queue.start();
        const { job } = await queue.submit(await jobSpec(images, 'ann'));
        const next = await queue.submit(await jobSpec(images, 'bob'));
        await gate.reached();
        expect(await queue.cancel(job.id)).toBe(true);
        gate.open();
        await log.next(isEvent('done', next.job.id));
        expect(log.of(job.id)).toEqual(['queued', 'started', 'cancelled']);
        expect(engine.completed).toBe(1);
      });

      it('cancelling a job while its source photo is read stops it before the engine sees it', async () => {
        const engine = new TestEngine();
        const disk = new TestDisk();
        const { queue, images, log, store } = await open(engine, {}, undefined, disk);
        const spec = await jobSpec(images, 'ann', 'never run me');
        const read = disk.hold('get');
        releases.push(read.release);
        await queue.start();
        const { job } = await queue.submit(spec);
        await read.arrived;
        // Answered once the run has stopped (over Redis: once the worker confirmed), while the read still hangs.
        expect(await queue.cancel(job.id)).toBe(true);
        read.release();
        await log.next(isEvent('cancelled', job.id));
        expect(engine.requests).toHaveLength(0);
        expect(store.get(job.id)?.status).toBe('cancelled');
      });

      it('cancelling a job while its result is saved ends it cancelled, not done, and the next job runs', async () => {
        const disk = new TestDisk();
        const { queue, images, log, store } = await open(new TestEngine(), {}, undefined, disk);
        const [spec, nextSpec] = [await jobSpec(images, 'ann'), await jobSpec(images, 'bob')];
        const save = disk.hold('put');
        releases.push(save.release);
        await queue.start();
        const { job } = await queue.submit(spec);
        const next = await queue.submit(nextSpec);
        await save.arrived;
        expect(await queue.cancel(job.id)).toBe(true);
        save.release();
        await log.next(isEvent('cancelled', job.id));
        await log.next(isEvent('done', next.job.id));
        expect(log.of(job.id)).not.toContain('done');
        expect(store.get(job.id)).toMatchObject({ status: 'cancelled', result: null });
      });

      it('cancelling a finished job answers false', async () => {
        const { queue, images, log } = await open(new TestEngine());
        await queue.start();
        const { job } = await queue.submit(await jobSpec(images, 'ann'));
        await log.next(isEvent('done', job.id));
        expect(await queue.cancel(job.id)).toBe(false);
      });
    });

    describe('failures', () => {
      it('a job over the time limit fails with a message about the limit, and the queue carries on', async () => {
        const engine = hangingEngine();
        const { queue, images, log, store } = await open(engine, { jobTimeoutMs: 20 });
        await queue.start();
        const { job } = await queue.submit(await jobSpec(images, 'ann'));
        const failed = await log.next(isEvent('failed', job.id));
        expect(failed.type === 'failed' && failed.code).toBe('job_timeout');
        expect(failed.type === 'failed' && failed.userMessage).toMatch(/limit/);
        expect(store.get(job.id)?.error?.code).toBe('job_timeout');
      });

      it('an engine that throws fails the job with a message the user can act on, and the next job still runs', async () => {
        let calls = 0;
        const engine = new TestEngine({
          beforeStep: async () => {
            if (calls++ === 0)
              throw new ModelError('model_file_missing', 'The model files are missing; an admin must run the setup.');
          },
        });
        const { queue, images, log } = await open(engine);
        await queue.start();
        const { job } = await queue.submit(await jobSpec(images, 'ann'));
        const next = await queue.submit(await jobSpec(images, 'bob'));
        const failed = await log.next(isEvent('failed', job.id));
        expect(failed.type === 'failed' && failed.userMessage).toBe(
          'The model files are missing; an admin must run the setup.',
        );
        await expect(log.next(isEvent('done', next.job.id))).resolves.toBeDefined();
      });

      it('an unexpected engine error is reported with a reference id instead of its internals', async () => {
        const engine = new TestEngine({ failWith: new Error('CUDA error: illegal memory access at 0xdeadbeef') });
        const { queue, images, log } = await open(engine);
        await queue.start();
        const { job } = await queue.submit(await jobSpec(images, 'ann'));
        const failed = await log.next(isEvent('failed', job.id));
        if (failed.type !== 'failed') throw new Error('expected failed');
        expect(failed.userMessage).toContain(`reference ${job.id}`);
        expect(failed.userMessage).not.toContain('CUDA');
      });
      it('an engine that ignores the abort and never returns is given up after a grace; the job fails and the next one runs', async () => {
        const never = deferred();
        releases.push(() => never.resolve());
        const engine = new TestEngine({
          beforeStep: (request) => (request.prompt.includes('hang') ? never.promise : Promise.resolve()),
        });
        const { queue, images, log, store } = await open(engine, { jobTimeoutMs: 100 });
        await queue.start();
        const { job } = await queue.submit(await jobSpec(images, 'ann', 'hang for real'));
        const next = await queue.submit(await jobSpec(images, 'bob'));
        const failed = await log.next(isEvent('failed', job.id));
        expect(failed.type === 'failed' && failed.code).toBe('job_timeout');
        await log.next(isEvent('done', next.job.id));
        expect(store.get(job.id)?.status).toBe('failed');
      });
    });

    describe('a full disk', () => {
      it('for results, while one is saved: the job fails saying so, its photo is kept, and edits work again once there is room', async () => {
        const disk = new TestDisk();
        const { queue, images, log, store } = await open(new TestEngine(), {}, undefined, disk);
        await queue.start();
        const spec = await jobSpec(images, 'ann');
        disk.imagesFull = true;
        const { job } = await queue.submit(spec);
        const failed = await log.next(isEvent('failed', job.id));
        expect(failed.type === 'failed' && failed.code).toBe('disk_full');
        expect(failed.type === 'failed' && failed.userMessage).toMatch(
          /ran out of disk space while saving your result/,
        );
        expect(store.get(job.id)).toMatchObject({ status: 'failed', error: { code: 'disk_full' }, result: null });
        expect(await images.get(job.sourceHash)).toEqual(fakePng('source photo'));
        disk.imagesFull = false;
        const again = await queue.submit(await jobSpec(images, 'ann'));
        await log.next(isEvent('done', again.job.id));
      });

      it('while the outcome is recorded: the store frees its reserve, records the end and announces it; nothing is left running', async () => {
        const { engine, gate } = gatedEngine();
        const disk = new TestDisk();
        const { queue, images, log, store } = await open(engine, {}, undefined, disk);
        await queue.start();
        const { job } = await queue.submit(await jobSpec(images, 'ann'));
        await gate.reached();
        expect(store.reserve.held).toBe(true);
        disk.full = true; // the result cannot be saved, and the store can write only into the reserve's room
        gate.open();
        const failed = await log.next(isEvent('failed', job.id));
        expect(failed.type === 'failed' && failed.code).toBe('disk_full');
        await queue.onIdle();
        expect(store.get(job.id)).toMatchObject({ status: 'failed', error: { code: 'disk_full' } });
        expect(store.reserve.held).toBe(false);
        expect(disk.reserveUsed).toBe(1); // and the operators were told
        expect(queue.stats()).toMatchObject({ queued: 0, running: 0 });
        disk.full = false;
        const again = await queue.submit(await jobSpec(images, 'bob'));
        expect(store.reserve.held).toBe(true); // taken back at the first write with room
        await log.next(isEvent('done', again.job.id));
      });

      it('with no reserve left the owner is still told, and the job is not lost: it ends after a restart', async () => {
        const { engine, gate } = gatedEngine();
        const disk = new TestDisk(0);
        const first = await open(engine, {}, undefined, disk);
        await first.queue.start();
        const { job } = await first.queue.submit(await jobSpec(first.images, 'ann'));
        await gate.reached();
        disk.full = true;
        gate.open();
        const failed = await first.log.next(isEvent('failed', job.id));
        expect(failed.type === 'failed' && failed.userMessage).toMatch(/ran out of disk space/);
        await first.queue.close();
        first.store.close();

        const second = await open(new TestEngine(), {}, first.dir);
        await second.queue.start();
        await second.queue.onIdle();
        expect(['done', 'failed']).toContain(second.store.get(job.id)?.status);
      });
    });

    describe('restarts', () => {
      it('a job running at shutdown is resumed after the restart and completes once', async () => {
        const { engine, gate } = gatedEngine();
        const first = await open(engine);
        await first.queue.start();
        const { job } = await first.queue.submit(await jobSpec(first.images, 'ann'));
        await gate.reached();
        gate.open();
        await first.queue.close();
        first.store.close();
        expect(first.log.of(job.id)).toEqual(['queued', 'started']);

        const engineAfter = new TestEngine();
        const second = await open(engineAfter, {}, first.dir);
        await second.queue.start();
        await second.log.next(isEvent('done', job.id));
        expect(second.log.events.find(isEvent('queued', job.id))).toMatchObject({ resumed: true });
        expect(engineAfter.completed).toBe(1);
        expect(second.store.get(job.id)).toMatchObject({ status: 'done', attempts: 2 });
      });

      it('waiting jobs survive a restart in their order', async () => {
        const first = await open(new TestEngine());
        const ids = [];
        for (const user of ['ann', 'bob', 'cat'])
          ids.push((await first.queue.submit(await jobSpec(first.images, user))).job.id);
        await first.queue.close();
        first.store.close();

        const second = await open(new TestEngine(), {}, first.dir);
        await second.queue.start();
        await second.queue.onIdle();
        expect(second.log.startedOwners()).toEqual(['ann', 'bob', 'cat']);
      });

      it('an outcome nobody confirmed is sent again once after a restart; a confirmed one is not', async () => {
        const first = await open(new TestEngine());
        await first.queue.start();
        const shown = await first.queue.submit(await jobSpec(first.images, 'ann'));
        const unseen = await first.queue.submit(await jobSpec(first.images, 'bob'));
        await first.queue.onIdle();
        first.store.markDelivered(shown.job.id, Date.now());
        await first.queue.close();
        first.store.close();

        const second = await open(new TestEngine(), {}, first.dir);
        await second.queue.start();
        const resent = second.log.events.filter((event) => event.type === 'done');
        expect(resent.map((event) => event.jobId)).toEqual([unseen.job.id]);
        expect(resent[0]).toMatchObject({ redelivery: true });
      });

      it('a cancellation is not announced again after a restart: the canceller was answered at once', async () => {
        const first = await open(new TestEngine());
        const { job } = await first.queue.submit(await jobSpec(first.images, 'ann'));
        await first.queue.cancel(job.id);
        await first.queue.close();
        first.store.close();

        const second = await open(new TestEngine(), {}, first.dir);
        await second.queue.start();
        expect(second.log.events).toEqual([]);
      });
    });
  });
}
