/**
 * Fan-out of JobEvents: listeners for everything and listeners for one job. A listener that throws
 * is isolated (reported through `onListenerError`) so one broken renderer cannot stall the queue.
 */
import type { JobEvent, JobEventListener } from './types.ts';

export class JobEventHub {
  private readonly all = new Set<JobEventListener>();
  private readonly byJob = new Map<string, Set<JobEventListener>>();

  constructor(private readonly onListenerError: (error: unknown, event: JobEvent) => void = () => {}) {}

  onEvent(listener: JobEventListener): () => void {
    this.all.add(listener);
    return () => this.all.delete(listener);
  }

  subscribe(jobId: string, listener: JobEventListener): () => void {
    let listeners = this.byJob.get(jobId);
    if (!listeners) this.byJob.set(jobId, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.byJob.delete(jobId);
    };
  }

  emit(event: JobEvent): void {
    for (const listener of [...this.all, ...(this.byJob.get(event.jobId) ?? [])]) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
    // A final event ends the job's story; per-job listeners are not needed after it.
    if (event.type === 'done' || event.type === 'failed' || event.type === 'cancelled') this.byJob.delete(event.jobId);
  }
}
