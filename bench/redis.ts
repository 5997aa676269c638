/**
 * The Redis queue's scaling: throughput with 1, 2 and 4 workers on an engine that sleeps a fixed
 * time per step (so the figure is the queue's, not a GPU's), and the time the queue adds to a job
 * (submit → done event, minus the engine's own time). Workers run in this process: a sleeping
 * engine needs no CPU, and each worker has its own Redis connections exactly as a separate process would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageStore } from '../src/jobs/image-store.ts';
import { createRedisQueue } from '../src/jobs/redis/redis-queue.ts';
import { runWorker, type RunningWorker } from '../src/jobs/redis/worker.ts';
import { JobStore } from '../src/jobs/store.ts';
import type { JobEvent, JobSpec } from '../src/jobs/types.ts';
import { fakePng, resolveTestParams } from '../test/jobs/fixtures/test-engines.ts';
import { sleepingEngine } from '../test/jobs/redis/fixtures/sleep-engine.ts';
import { hasRedisServer, startRedisServer } from '../test/jobs/redis/redis-server.ts';
import type { BenchRow } from './table.ts';

const SECTION = 'redis queue';
const STEP_MS = 25;
const STEPS = 8;
const JOBS = 24;
const WORKER_COUNTS = [1, 2, 4];
const LATENCY_JOBS = 20;

export async function benchRedis(): Promise<BenchRow[]> {
  if (!hasRedisServer()) {
    return [
      {
        section: SECTION,
        name: 'throughput',
        value: 0,
        unit: 'jobs/s',
        note: 'skipped: redis-server is not installed',
      },
    ];
  }
  const server = await startRedisServer();
  const dataDir = mkdtempSync(join(tmpdir(), 'rfedit-bench-redis-'));
  try {
    const rows: BenchRow[] = [];
    for (const workers of WORKER_COUNTS) {
      const batch = await runBatch({
        redisUrl: server.url,
        dataDir,
        name: `throughput-${workers}`,
        workers,
        jobs: JOBS,
        stepMs: STEP_MS,
      });
      const { jobsPerSecond, engineMs } = batch;
      // Ideal: every worker busy all the time (timers overshoot a little under load, so use the measured time per job on a worker).
      const ideal = (workers * 1000) / engineMs;
      rows.push({
        section: SECTION,
        name: `throughput, ${workers} worker${workers > 1 ? 's' : ''}`,
        value: jobsPerSecond,
        unit: 'jobs/s',
        note: `${Math.round((100 * jobsPerSecond) / ideal)}% of ideal ${ideal.toFixed(2)}; ${JOBS} jobs of ${STEPS} steps × ${STEP_MS} ms (measured ${Math.round(engineMs)} ms per job on a worker)`,
      });
    }
    const { addedMs } = await runBatch({
      redisUrl: server.url,
      dataDir,
      name: 'latency',
      workers: 1,
      jobs: LATENCY_JOBS,
      stepMs: 0,
      oneAtATime: true,
    });
    rows.push({
      section: SECTION,
      name: 'added latency per job',
      value: addedMs,
      unit: 'ms',
      note: `median over ${LATENCY_JOBS} jobs: submit → done event, minus the time on the worker; 1 worker, idle queue`,
    });
    return rows;
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function runBatch(input: {
  redisUrl: string;
  dataDir: string;
  name: string;
  workers: number;
  jobs: number;
  stepMs: number;
  oneAtATime?: boolean;
}) {
  const dir = join(input.dataDir, input.name);
  const store = new JobStore(join(dir, 'jobs.sqlite'));
  const images = new ImageStore(join(dir, 'images'));
  const queueName = `bench-${input.name}`;
  const options = { maxQueued: 1_000, perUserQueued: 1_000, engineSlots: input.workers };
  const queue = await createRedisQueue({ redisUrl: input.redisUrl, store, images, queueName, options });
  const started: RunningWorker[] = [];
  try {
    await queue.start();
    for (let i = 0; i < input.workers; i++) {
      started.push(
        await runWorker({ redisUrl: input.redisUrl, engine: sleepingEngine(input.stepMs), images, queueName, options }),
      );
    }
    const sourceHash = await images.put(fakePng('bench source'));
    const spec = (user: string): JobSpec => ({
      kind: 'edit',
      owner: { platform: 'discord', id: user },
      place: { platform: 'discord', channelId: 'bench' },
      prompt: `bench ${user}`,
      overrides: { steps: STEPS },
      params: resolveTestParams({ overrides: { steps: STEPS } }),
      sourceHash,
      parentId: null,
    });
    if (input.oneAtATime) {
      const added: number[] = [];
      for (let i = 0; i < input.jobs; i++) {
        const t0 = performance.now();
        const { job } = await queue.submit(spec(`user${i}`));
        await nextDone(queue, job.id);
        added.push(performance.now() - t0 - workerRunMs(store, job.id));
      }
      return { jobsPerSecond: 0, engineMs: 0, addedMs: median(added) };
    }
    const t0 = performance.now();
    // Distinct users, so the per-user running limit does not hold workers back.
    const ids: string[] = [];
    for (let i = 0; i < input.jobs; i++) ids.push((await queue.submit(spec(`user${i}`))).job.id);
    await queue.onIdle();
    const elapsedMs = performance.now() - t0;
    const engineMs = ids.reduce((sum, id) => sum + workerRunMs(store, id), 0) / ids.length;
    return { jobsPerSecond: (input.jobs * 1000) / elapsedMs, engineMs, addedMs: 0 };
  } finally {
    await Promise.all(started.map((worker) => worker.close()));
    await queue.close();
    store.close();
  }
}

function nextDone(
  queue: { subscribe(jobId: string, listener: (event: JobEvent) => void): () => void },
  jobId: string,
): Promise<void> {
  return new Promise((resolve) => {
    const stop = queue.subscribe(jobId, (event) => {
      if (event.type === 'done' || event.type === 'failed' || event.type === 'cancelled') {
        stop();
        resolve();
      }
    });
  });
}

/** From the worker's start signal to its outcome: the engine plus the worker's own reads and writes. */
function workerRunMs(store: JobStore, jobId: string): number {
  const timings = store.get(jobId)?.timings;
  return timings?.startedAt && timings.finishedAt ? timings.finishedAt - timings.startedAt : 0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
