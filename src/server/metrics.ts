/**
 * Prometheus metrics (prom-client). Fed from three places without those places knowing: job events from the
 * core, edit results through a metered engine wrapper, and adapters' rate-limit notices.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DiskSpace } from '../disk-space.ts';
import type { EditEngine, EditProgress, EditRequest, EditResult } from '../engine/types.ts';
import type { JobEvent } from '../jobs/types.ts';

export interface QueueStatsSource {
  stats(): { queued: number; running: number };
}

export class Metrics {
  readonly registry = new Registry();
  private readonly startedAt = new Map<string, number>();
  private queueSource?: QueueStatsSource;

  private readonly queueDepth: Gauge<'state'> = new Gauge({
    name: 'rfedit_queue_depth',
    help: 'Jobs waiting or running, by state.',
    labelNames: ['state'] as const,
    registers: [this.registry],
    // Read from the queue on every scrape rather than tracked by events, so it can never drift.
    collect: () => {
      if (!this.queueSource) return;
      const { queued, running } = this.queueSource.stats();
      this.queueDepth.set({ state: 'queued' }, queued);
      this.queueDepth.set({ state: 'running' }, running);
    },
  });
  private readonly jobs = new Counter({
    name: 'rfedit_jobs_total',
    help: 'Job lifecycle events: queued, started, and the final outcome (done, failed, cancelled).',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  private readonly failures = new Counter({
    name: 'rfedit_job_failures_total',
    help: 'Failed jobs by error code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private readonly jobSeconds = new Histogram({
    name: 'rfedit_job_duration_seconds',
    help: 'From start to outcome, per job.',
    labelNames: ['outcome'] as const,
    buckets: [1, 2, 5, 10, 20, 40, 60, 120, 300, 600],
    registers: [this.registry],
  });
  private readonly phaseSeconds = new Histogram({
    name: 'rfedit_edit_phase_seconds',
    help: 'Engine time per edit phase.',
    labelNames: ['phase'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly transformerCalls = new Counter({
    name: 'rfedit_transformer_calls_total',
    help: 'Transformer (velocity) evaluations, by pass.',
    labelNames: ['phase'] as const,
    registers: [this.registry],
  });
  private readonly inversionCache = new Counter({
    name: 'rfedit_inversion_cache_total',
    help: 'Edits whose inversion came from the cache (hit) or was computed (miss).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly rateLimits = new Counter({
    name: 'rfedit_chat_rate_limited_total',
    help: 'Chat API calls answered with a rate limit (429), by platform.',
    labelNames: ['platform'] as const,
    registers: [this.registry],
  });

  private diskSource?: { disk: Pick<DiskSpace, 'status'>; cacheBytes: () => number };
  private readonly diskBytes: Gauge<'kind'> = new Gauge({
    name: 'rfedit_disk_bytes',
    help: "The data volume: free bytes, the floor kept free, and the inversion cache's bytes on disk.",
    labelNames: ['kind'] as const,
    registers: [this.registry],
    collect: () => {
      if (!this.diskSource) return;
      const { freeBytes, floorBytes } = this.diskSource.disk.status();
      this.diskBytes.set({ kind: 'free' }, freeBytes);
      this.diskBytes.set({ kind: 'floor' }, floorBytes);
      this.diskBytes.set({ kind: 'inversion_cache' }, this.diskSource.cacheBytes());
    },
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'rfedit_process_' });
  }

  /** Queue depth is read from the queue each time Prometheus scrapes. */
  watchQueue(source: QueueStatsSource): void {
    this.queueSource = source;
  }

  /** Free space and cache bytes are read on every scrape. */
  watchDisk(disk: Pick<DiskSpace, 'status'>, cacheBytes: () => number): void {
    this.diskSource = { disk, cacheBytes };
  }

  observeEvent(event: JobEvent): void {
    if (event.type === 'progress') return;
    if ((event.type === 'done' || event.type === 'failed' || event.type === 'cancelled') && event.redelivery) return;
    this.jobs.inc({ event: event.type });
    if (event.type === 'started') this.startedAt.set(event.jobId, Date.now());
    if (event.type === 'failed') this.failures.inc({ code: event.code });
    if (event.type === 'done' || event.type === 'failed' || event.type === 'cancelled') {
      const started = this.startedAt.get(event.jobId);
      this.startedAt.delete(event.jobId);
      if (started !== undefined) this.jobSeconds.observe({ outcome: event.type }, (Date.now() - started) / 1000);
    }
  }

  observeEdit(result: EditResult): void {
    this.transformerCalls.inc({ phase: 'invert' }, result.transformerCalls.invert);
    this.transformerCalls.inc({ phase: 'edit' }, result.transformerCalls.edit);
    this.inversionCache.inc({ result: result.inversionCached ? 'hit' : 'miss' });
    for (const [phase, ms] of Object.entries(result.timingsMs)) {
      if (phase !== 'total' && typeof ms === 'number') this.phaseSeconds.observe({ phase }, ms / 1000);
    }
  }

  rateLimited(platform: string): void {
    this.rateLimits.inc({ platform });
  }

  /** The same engine, reporting each edit's calls, cache use and phase timings. */
  meter(engine: EditEngine): EditEngine {
    return {
      resolveParams: (request) => engine.resolveParams(request),
      edit: async (request: EditRequest, onProgress?: (progress: EditProgress) => void) => {
        const result = await engine.edit(request, onProgress);
        this.observeEdit(result);
        return result;
      },
      close: () => engine.close(),
    };
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
