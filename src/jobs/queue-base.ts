/**
 * What every JobQueue shares, whatever holds its line: resolved options, the event hub, the ETA, the idle
 * waiters, and the re-sending of outcomes an earlier process finished but no adapter confirmed.
 */
import { EtaEstimator, etaJob } from './eta.ts';
import { JobEventHub } from './event-hub.ts';
import { IdleWaiters } from './idle-waiters.ts';
import { finalEvent, type JobOutcome } from './outcome.ts';
import { resolveQueueOptions, type QueueOptions } from './queue.ts';
import type { JobStore } from './store.ts';
import type { JobEvent, JobEventListener, JobRecord } from './types.ts';

export type QueueErrorSink = (error: unknown, context: { jobId?: string; where: string }) => void;

export abstract class QueueBase {
  protected readonly options: Required<QueueOptions>;
  /** Replaceable by a subclass (the Redis queue summarises connection errors). */
  protected onError: QueueErrorSink;
  protected readonly eta: EtaEstimator;
  protected readonly idle: IdleWaiters;
  private readonly hub: JobEventHub;
  /** Outcomes finished before this queue started and never confirmed; read before it ends any job itself. */
  private readonly unconfirmed: JobRecord[];

  constructor(deps: { store: JobStore; options?: QueueOptions; onError?: QueueErrorSink }, isIdle: () => boolean) {
    this.options = resolveQueueOptions(deps.options);
    this.onError = deps.onError ?? (() => {});
    this.hub = new JobEventHub((error, event) => this.onError(error, { jobId: event.jobId, where: 'event listener' }));
    this.eta = new EtaEstimator(this.options.initialMsPerStep);
    this.idle = new IdleWaiters(isIdle);
    this.unconfirmed = deps.store.listUndelivered(this.options.now() - this.options.redeliverWindowMs);
  }

  onEvent(listener: JobEventListener): () => void {
    return this.hub.onEvent(listener);
  }

  subscribe(jobId: string, listener: JobEventListener): () => void {
    return this.hub.subscribe(jobId, listener);
  }

  onIdle(): Promise<void> {
    return this.idle.wait();
  }

  /** Sends once more, marked as redelivery, the outcomes nobody confirmed before the restart. */
  protected redeliverUnconfirmed(): void {
    for (const job of this.unconfirmed.splice(0)) {
      const event = finalEvent(job, true);
      if (event) this.emit(event);
    }
  }

  /** A finished edit teaches the ETA this model's pace at this size (failed or cancelled runs say little). */
  protected learnPace(job: JobRecord, outcome: JobOutcome): void {
    if (outcome.status !== 'done') return;
    const { width, height } = outcome.result;
    this.eta.record({
      ...etaJob(job),
      durationMs: outcome.finishedAt - outcome.startedAt,
      pixels: width * height,
      calls: outcome.calls,
    });
  }

  protected emit(event: JobEvent): void {
    this.hub.emit(event);
  }
}
