/**
 * Who may see and who may change a job. Anyone in the same server or workspace may see a job and
 * build on it (variation, info); only its owner and admins may cancel or delete it.
 */
import { UserInputError } from '../errors.ts';
import type { JobRecord } from '../jobs/types.ts';
import type { CommandContext, CommandDeps } from './types.ts';

export function isOwner(job: JobRecord, ctx: CommandContext): boolean {
  return job.owner.platform === ctx.user.platform && job.owner.id === ctx.user.id;
}

function mayView(job: JobRecord, ctx: CommandContext): boolean {
  if (isOwner(job, ctx) || ctx.isAdmin) return true;
  const place = job.place;
  // Without a server (DMs, the web page) a job is private to its owner.
  return place.guildId !== undefined && place.platform === ctx.place.platform && place.guildId === ctx.place.guildId;
}

/** The job, if it exists, is not deleted and the user may see it; otherwise one message for all cases, so ids cannot be probed. */
export function findVisibleJob(jobId: string, ctx: CommandContext, deps: Pick<CommandDeps, 'store'>): JobRecord {
  const job = visibleJob(jobId, ctx, deps);
  if (!job) throw jobNotFound(jobId);
  return job;
}

/** The one answer for a job that is missing, deleted or not the asker's to see. */
export function jobNotFound(jobId: string): UserInputError {
  return new UserInputError('job_not_found', 'I cannot find that edit. It may have been deleted or expired.', {
    details: { jobId },
  });
}

/** The job, if it exists, is not deleted and the user may see it; else null. Reads only: nothing is audited. */
export function visibleJob(jobId: string, ctx: CommandContext, deps: Pick<CommandDeps, 'store'>): JobRecord | null {
  const job = deps.store.get(jobId);
  return job && !job.deleted && mayView(job, ctx) ? job : null;
}

/** For destructive actions (cancel, delete): the job, if the user owns it or is an admin. */
export function findOwnedJob(
  jobId: string,
  ctx: CommandContext,
  deps: Pick<CommandDeps, 'store'>,
  verb: string,
): JobRecord {
  const job = findVisibleJob(jobId, ctx, deps);
  if (!isOwner(job, ctx) && !ctx.isAdmin) {
    throw new UserInputError('not_owner', `Only the person who started this edit (or an admin) can ${verb} it.`, {
      details: { jobId },
    });
  }
  return job;
}
