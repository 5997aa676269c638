/**
 * Reactions on a job's messages, the same on every platform: 🔁 (`repeat`) asks for a variation; ❌ (`remove`)
 * cancels a job that is still waiting or running and deletes one that has finished. Adapters map their
 * platform's emoji name to a `Reaction`; what it does, and who may, is decided here.
 */
import { FINISHED_STATUSES } from '../jobs/types.ts';
import { findVisibleJob } from './job-access.ts';
import type { Command, CommandContext, CommandDeps } from './types.ts';

export const REACTION_NAMES = ['repeat', 'remove'] as const;
export type Reaction = (typeof REACTION_NAMES)[number];

/** The command a reaction stands for; refuses (job_not_found) a job the user may not see. */
export function commandForReaction(
  jobId: string,
  reaction: Reaction,
  ctx: CommandContext,
  deps: Pick<CommandDeps, 'store'>,
): Command {
  const job = findVisibleJob(jobId, ctx, deps);
  if (reaction === 'repeat') return { kind: 'variation', jobId: job.id };
  return { kind: FINISHED_STATUSES.includes(job.status) ? 'delete' : 'cancel', jobId: job.id };
}
