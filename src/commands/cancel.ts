import { findOwnedJob, isOwner } from './job-access.ts';
import { jobOption } from './options.ts';
import type { CommandModule } from './types.ts';

export const cancelCommand: CommandModule<'cancel'> = {
  name: 'cancel',
  description: 'Stop an edit that is waiting or running',
  options: [jobOption('The edit to stop')],
  async execute(command, ctx, deps) {
    const job = findOwnedJob(command.jobId, ctx, deps, 'cancel');
    const wasRunning = deps.queue.position(job.id)?.position === 0;
    if (!(await deps.queue.cancel(job.id, { byOwner: isOwner(job, ctx) }))) {
      return { text: 'That edit has already finished, so there is nothing to cancel.', ephemeral: true, jobId: job.id };
    }
    const text = wasRunning
      ? 'Stopping your edit; it ends at the next step.'
      : 'Cancelled; the edit was taken out of the queue.';
    return { text, ephemeral: true, jobId: job.id };
  },
};
