import { formatAge, quote } from './format.ts';
import type { CommandModule } from './types.ts';

export const historyCommand: CommandModule<'history'> = {
  name: 'history',
  description: 'Your recent edits',
  options: [{ name: 'limit', type: 'integer', description: 'How many', min: 1, max: 25 }],
  async execute(command, ctx, deps) {
    const limit = Math.min(Math.max(1, Math.floor(command.limit ?? deps.limits.historyLimit)), 25);
    const jobs = deps.store.listByOwner(ctx.user, limit);
    if (jobs.length === 0) return { text: 'You have no edits yet.', ephemeral: true };
    const now = deps.now();
    const lines = jobs.map(
      (job) =>
        `• ${job.id} ${job.kind} ${quote(job.prompt, 60)}: ${job.status}, ${formatAge(now - job.timings.createdAt)}`,
    );
    return { text: `Your recent edits:\n${lines.join('\n')}`, ephemeral: true };
  },
};
