/**
 * The server log's account of jobs: one line per outcome at info (who, prompt, how long, what came
 * of it), so a person reading the terminal sees each edit once; the steps in between (queued,
 * started) at debug.
 */
import { formatDuration, quote } from './commands/format.ts';
import type { JobEvent, JobRecord } from './jobs/types.ts';
import type { Logger } from './log.ts';

/** "done: web:ada “as a pencil sketch” in 2.1 s → 613×424, seed 5"; null for events that are no outcome. */
export function outcomeLine(event: JobEvent, job: JobRecord | null): string | null {
  if (event.type !== 'done' && event.type !== 'failed' && event.type !== 'cancelled') return null;
  const who = `${event.owner.platform}:${event.owner.name ?? event.owner.id}`;
  const what = job ? ` ${job.kind === 'edit' ? '' : `${job.kind} `}${quote(job.prompt, 60)}` : '';
  const { startedAt, finishedAt } = job?.timings ?? { startedAt: null, finishedAt: null };
  const took = startedAt !== null && finishedAt !== null ? ` in ${formatDuration(finishedAt - startedAt)}` : '';
  const again = event.redelivery ? ' (sent again after a restart)' : '';
  switch (event.type) {
    case 'done': {
      const image = event.images[0];
      return `done: ${who}${what}${took} → ${image ? `${image.width}×${image.height}, ` : ''}seed ${event.params.seed}${again}`;
    }
    case 'failed':
      return `failed: ${who}${what}${took} → ${event.code}: ${event.userMessage}${again}`;
    case 'cancelled':
      return `cancelled: ${who}${what}${took}${event.byOwner ? '' : ' by an admin'}${again}`;
  }
}

export function logJobEvents(
  events: { onEvent(listener: (event: JobEvent) => void): () => void },
  getJob: (jobId: string) => JobRecord | null,
  logger: Logger,
): () => void {
  return events.onEvent((event) => {
    if (event.type === 'progress') return;
    const fields = { jobId: event.jobId };
    const line = outcomeLine(event, getJob(event.jobId));
    if (line === null)
      logger.debug(
        { ...fields, user: `${event.owner.platform}:${event.owner.id}`, channel: event.place.channelId },
        `job ${event.type}`,
      );
    else if (event.type === 'failed') logger.warn(fields, `job ${line}`);
    else logger.info(fields, `job ${line}`);
  });
}
