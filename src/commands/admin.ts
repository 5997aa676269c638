/** Admin commands: pause and resume the queue (e.g. to update the model), and read the audit log. */
import { UserInputError } from '../errors.ts';
import { quote } from './format.ts';
import type { CommandContext, CommandModule } from './types.ts';

function requireAdmin(ctx: CommandContext, what: string): void {
  if (ctx.isAdmin) return;
  // The web chat has no server roles: whoever runs the bot names its admins in the config.
  const how =
    ctx.user.platform === 'web'
      ? `Whoever runs this bot can make you one: add "web:${ctx.user.id}" to moderation.admins in config/local.yaml and restart it.`
      : 'Ask an admin of this server.';
  throw new UserInputError('not_admin', `Only admins can ${what}. ${how}`);
}

export const pauseCommand: CommandModule<'pause'> = {
  name: 'pause',
  description: 'Admins: stop starting new edits (running ones finish; new ones wait)',
  options: [],
  async execute(_command, ctx, deps) {
    requireAdmin(ctx, 'pause the queue');
    await deps.queue.pause();
    const { queued, running } = deps.queue.stats();
    return {
      text: `The queue is paused. ${running} edit(s) running will finish; ${queued} waiting will stay in line, and new edits are accepted and wait. Resume with the resume command.`,
      ephemeral: true,
    };
  },
};

export const resumeCommand: CommandModule<'resume'> = {
  name: 'resume',
  description: 'Admins: start running edits again',
  options: [],
  async execute(_command, ctx, deps) {
    requireAdmin(ctx, 'resume the queue');
    const waiting = deps.queue.stats().queued; // counted first: resuming starts the next one at once
    await deps.queue.resume();
    return { text: `The queue is running again (${waiting} edit(s) waiting).`, ephemeral: true };
  },
};

export const auditCommand: CommandModule<'audit'> = {
  name: 'audit',
  description: 'Admins: who asked for what, most recent first',
  options: [{ name: 'limit', type: 'integer', description: 'How many lines', min: 1, max: 50 }],
  async execute(command, ctx, deps) {
    requireAdmin(ctx, 'read the audit log');
    const entries = deps.store.listAudit(Math.min(Math.max(1, Math.floor(command.limit ?? 20)), 50));
    if (entries.length === 0) return { text: 'The audit log is empty.', ephemeral: true };
    const lines = entries.map(
      (e) =>
        `• ${new Date(e.at).toISOString().slice(0, 16).replace('T', ' ')} ${e.user.platform}:${e.user.name ?? e.user.id} ${e.command}` +
        `${e.jobId ? ` ${e.jobId}` : ''}${e.detail ? ` ${quote(e.detail, 60)}` : ''}${e.outcome === 'ok' ? '' : ` → refused (${e.outcome})`}`,
    );
    return { text: `Audit log:\n${lines.join('\n')}`, ephemeral: true };
  },
};
