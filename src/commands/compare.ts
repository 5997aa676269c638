import { UserInputError } from '../errors.ts';
import { findVisibleJob } from './job-access.ts';
import { jobOption } from './options.ts';
import type { CommandModule } from './types.ts';

/** Changes nothing, so anyone who may see the job may compare it (the same rule as `info`). */
export const compareCommand: CommandModule<'compare'> = {
  name: 'compare',
  description: 'The photo and the result side by side',
  options: [jobOption('The edit to compare with its photo')],
  async execute(command, ctx, deps) {
    const job = findVisibleJob(command.jobId, ctx, deps);
    if (!job.result)
      throw new UserInputError('compare_no_result', 'That edit has no result yet, so there is nothing to compare.');
    if (!(await deps.images.has(job.sourceHash))) {
      throw new UserInputError(
        'image_expired',
        'The photo behind that edit is no longer stored (old images are cleaned up), so there is nothing to compare.',
      );
    }
    return {
      text: 'Before ↔ after',
      ephemeral: true,
      jobId: job.id,
      comparison: { before: { hash: job.sourceHash }, after: job.result },
    };
  },
};
