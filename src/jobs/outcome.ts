/**
 * A job's life in the store and in events, once for every queue: the record a submit creates, the
 * store transition an outcome makes, and the event that announces it (again after a restart, when
 * nobody confirmed it). The store is written before the event goes out, so a crash in between
 * leaves a record a restart can act on.
 */
import type { EditParams } from '../engine/types.ts';
import { type ErrorCode, userFailure } from '../errors.ts';
import { newJobId } from './ids.ts';
import { isDiskFull } from '../disk-space.ts';
import { diskFullWhileRecording } from './refusals.ts';
import type { JobStore } from './store.ts';
import type { ImageRef, JobEvent, JobRecord, JobSpec } from './types.ts';

/** How a job ended, as a runner reports it (also what a Redis worker returns to BullMQ). */
export type JobOutcome =
  | {
      status: 'done';
      result: ImageRef;
      params: EditParams;
      engineMs: Record<string, number>;
      startedAt: number;
      finishedAt: number;
      calls?: number;
    }
  | { status: 'failed'; code: ErrorCode; userMessage: string }
  | { status: 'cancelled'; byOwner: boolean };

/** The fields every event of a job carries. */
export function eventBase(job: Pick<JobRecord, 'id' | 'owner' | 'place'>) {
  return { jobId: job.id, owner: job.owner, place: job.place };
}

/** A new job as first stored: queued, nothing run yet. */
export function newJobRecord(spec: JobSpec, createdAt: number): JobRecord {
  return {
    ...spec,
    id: newJobId(),
    status: 'queued',
    attempts: 0,
    result: null,
    error: null,
    timings: { createdAt, startedAt: null, finishedAt: null, engineMs: null },
    messages: [],
    deliveredAt: null,
    deleted: false,
  };
}

/** The event that announces an outcome. */
export function outcomeEvent(
  job: Pick<JobRecord, 'id' | 'owner' | 'place'>,
  outcome: JobOutcome,
  redelivery: boolean,
): JobEvent {
  const base = eventBase(job);
  switch (outcome.status) {
    case 'done':
      return { ...base, type: 'done', images: [outcome.result], params: outcome.params, redelivery };
    case 'failed':
      return { ...base, type: 'failed', code: outcome.code, userMessage: outcome.userMessage, redelivery };
    case 'cancelled':
      return { ...base, type: 'cancelled', byOwner: outcome.byOwner, redelivery };
  }
}

/** The outcome event of a finished job, for redelivery after a restart. */
export function finalEvent(job: JobRecord, redelivery: boolean): JobEvent | null {
  switch (job.status) {
    case 'done':
      if (!job.result) return null;
      return outcomeEvent(
        job,
        { status: 'done', result: job.result, params: job.params, engineMs: {}, startedAt: 0, finishedAt: 0 },
        redelivery,
      );
    case 'failed':
      return outcomeEvent(
        job,
        { status: 'failed', code: job.error?.code ?? 'internal', userMessage: job.error?.userMessage ?? '' },
        redelivery,
      );
    case 'cancelled':
      return outcomeEvent(job, { status: 'cancelled', byOwner: true }, redelivery);
    default:
      return null;
  }
}

/**
 * Moves the stored job to its outcome and returns the event to announce, or null when the store had
 * already ended the job (nothing ends twice). A store that cannot record it even with its disk reserve
 * freed still gets the owner a `failed` event: the record stays unfinished and a restart runs the job
 * again, but nobody is left looking at a job that will never move.
 */
export function recordOutcome(
  store: JobStore,
  job: JobRecord,
  outcome: JobOutcome,
  now: number,
  onError: (error: unknown, context: { jobId?: string; where: string }) => void,
): JobEvent | null {
  try {
    return store.recordOutcome(job.id, outcome, now) ? outcomeEvent(job, outcome, false) : null;
  } catch (error) {
    onError(error, { jobId: job.id, where: 'recording the outcome' });
    const failure = isDiskFull(error) ? diskFullWhileRecording() : userFailure(error, { referenceId: job.id });
    return outcomeEvent(job, { status: 'failed', code: failure.code, userMessage: failure.userMessage }, false);
  }
}
