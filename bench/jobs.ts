/**
 * Queue overhead: how many jobs per second the in-process queue pushes through an engine that
 * answers at once (goal ≥ 5,000/s), and the memory 10,000 waiting jobs hold.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { EditEngine, EditParams, EditRequest } from '../src/engine/types.ts';
import { ImageStore } from '../src/jobs/image-store.ts';
import { MemoryJobQueue } from '../src/jobs/memory-queue.ts';
import { JobStore } from '../src/jobs/store.ts';
import type { JobSpec } from '../src/jobs/types.ts';

const THROUGHPUT_JOBS = 5_000;
const WAITING_JOBS = 10_000;
const USERS = 100;
const RESULT = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

function instantParams(request: Pick<EditRequest, 'strength' | 'preset' | 'overrides'>): EditParams {
  return {
    steps: 1,
    gamma: 0.5,
    eta: 0.9,
    start: 0,
    stop: 1,
    etaDecayPower: 0,
    guidance: 3.5,
    seed: 1,
    inversionSeed: 1,
    sampler: 'ode',
    method: 'rf-inversion',
    convention: 'consistent',
    strength: request.strength ?? 0.5,
    preset: null,
  };
}

/** Answers at once with the same tiny PNG: all time measured is the queue's own. */
const instantEngine: EditEngine = {
  resolveParams: instantParams,
  async edit(request, onProgress) {
    const params = instantParams(request);
    onProgress?.({ phase: 'edit', step: 1, total: 1, fraction: 1 });
    return {
      image: RESULT,
      mime: 'image/png',
      width: 1,
      height: 1,
      params,
      transformerCalls: { invert: 1, edit: 1 },
      inversionCached: false,
      timingsMs: { total: 0 },
    };
  },
  async close() {},
};

async function withQueue<T>(
  database: 'disk' | 'memory',
  work: (queue: MemoryJobQueue, spec: (i: number) => JobSpec) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'rfedit-bench-jobs-'));
  const store = new JobStore(database === 'disk' ? join(dir, 'jobs.sqlite') : ':memory:');
  const images = new ImageStore(join(dir, 'images'));
  const sourceHash = await images.put(RESULT);
  const queue = new MemoryJobQueue({
    engine: instantEngine,
    store,
    images,
    options: { maxQueued: WAITING_JOBS, perUserQueued: WAITING_JOBS, progressIntervalMs: 0 },
  });
  const spec = (i: number): JobSpec => {
    const user = `u${i % USERS}`;
    return {
      kind: 'edit',
      owner: { platform: 'discord', id: user },
      place: { platform: 'discord', guildId: 'g', channelId: 'c' },
      prompt: `job ${i}`,
      params: instantParams({}),
      sourceHash,
      parentId: null,
    };
  };
  try {
    return await work(queue, spec);
  } finally {
    await queue.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Jobs per second from the first submit until the last job is done. */
function completedPerSecond(database: 'disk' | 'memory'): Promise<number> {
  return withQueue(database, async (queue, spec) => {
    await queue.start();
    const started = performance.now();
    for (let i = 0; i < THROUGHPUT_JOBS; i++) await queue.submit(spec(i));
    await queue.onIdle();
    return THROUGHPUT_JOBS / ((performance.now() - started) / 1000);
  });
}

export async function benchJobs(): Promise<Array<{ name: string; value: number; unit: string; note?: string }>> {
  const onDisk = await completedPerSecond('disk');
  const inMemory = await completedPerSecond('memory');
  const submitted = await withQueue('disk', async (queue, spec) => {
    const started = performance.now();
    for (let i = 0; i < THROUGHPUT_JOBS; i++) await queue.submit(spec(i));
    return THROUGHPUT_JOBS / ((performance.now() - started) / 1000);
  });
  const heapBytes = await withQueue('disk', async (queue, spec) => {
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < WAITING_JOBS; i++) await queue.submit(spec(i));
    collectGarbage();
    return process.memoryUsage().heapUsed - before;
  });

  const setup = `instant engine, ${THROUGHPUT_JOBS.toLocaleString('en')} jobs from ${USERS} users`;
  return [
    {
      name: 'jobs: submitted → done (SQLite on disk)',
      value: Math.round(onDisk),
      unit: 'jobs/s',
      note: `goal ≥ 5,000/s; ${setup}; 3 durable writes + result file per job`,
    },
    {
      name: 'jobs: submitted → done (SQLite in memory)',
      value: Math.round(inMemory),
      unit: 'jobs/s',
      note: `queue logic without disk; ${setup}`,
    },
    {
      name: 'jobs: submitted only (SQLite on disk)',
      value: Math.round(submitted),
      unit: 'jobs/s',
      note: 'store insert + fair-order placement + queued event',
    },
    {
      name: `jobs: heap with ${WAITING_JOBS.toLocaleString('en')} waiting`,
      value: Math.round((heapBytes / 2 ** 20) * 10) / 10,
      unit: 'MiB',
      note: `${Math.round(heapBytes / WAITING_JOBS)} bytes per waiting job`,
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await benchJobs());
