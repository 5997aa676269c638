import { findOwnedJob, isOwner } from './job-access.ts';
import { jobOption } from './options.ts';
import type { CommandModule } from './types.ts';

export const deleteCommand: CommandModule<'delete'> = {
  name: 'delete',
  description: 'Delete an edit and its result',
  options: [jobOption('The edit to delete')],
  async execute(command, ctx, deps) {
    const job = findOwnedJob(command.jobId, ctx, deps, 'delete');
    await deps.queue.cancel(job.id, { byOwner: isOwner(job, ctx) });
    deps.store.markDeleted(job.id);
    // The source stays while any job uses it (variations of this edit still work); the result goes now if nothing else made the same bytes.
    // A grid's full-size cells go with it.
    const referenced = deps.store.referencedHashes();
    for (const image of job.result ? [job.result, ...(job.result.cells ?? [])] : []) {
      if (!referenced.has(image.hash)) await deps.images.remove(image.hash);
    }
    return { text: 'Deleted.', ephemeral: true, jobId: job.id, deleteMessages: job.messages };
  },
};
