/** The queue's refusals and stop messages, worded once for every queue implementation. */
import { isDiskFull } from '../disk-space.ts';
import { QuotaError, RfeditError } from '../errors.ts';

export function queueFullError(total: number, maxQueued: number): QuotaError {
  return new QuotaError(
    'queue_full',
    `The queue is full (${total} edits waiting or running). Please try again in a few minutes.`,
    {
      details: { total, maxQueued },
    },
  );
}

export function userQueueFullError(mine: number, perUserQueued: number): QuotaError {
  return new QuotaError(
    'user_queue_full',
    `You already have ${mine} edits waiting or running (the limit is ${perUserQueued}). Wait for one to finish, or cancel one.`,
    { details: { mine, perUserQueued } },
  );
}

export function jobTimeoutMessage(jobTimeoutMs: number): string {
  const minutes = Math.max(1, Math.round(jobTimeoutMs / 60_000));
  return `The edit took longer than the ${minutes}-minute limit and was stopped. Try fewer steps or a smaller image.`;
}

/** A full disk while saving a result: the user learns why, and that nothing of theirs was lost. */
export function storageFailure(error: unknown): RfeditError | null {
  if (!isDiskFull(error)) return null;
  return new RfeditError(
    'disk_full',
    'The server ran out of disk space while saving your result. Your photo and request are kept: try again later (the operators have been told).',
    { cause: error },
  );
}

/** The disk filled up so far that even the job's outcome could not be written down. */
export function diskFullWhileRecording(): RfeditError {
  return new RfeditError(
    'disk_full',
    'The server ran out of disk space while finishing your edit. Your photo and request are kept and the edit runs again once there is room (the operators have been told).',
  );
}

/** Submissions while the bot stops. */
export function shuttingDownError(): RfeditError {
  return new RfeditError('shutting_down', 'The bot is restarting; please try again in a minute.');
}
