/**
 * Reactions on the bot's job messages: :repeat: makes a variation, :x: deletes a result (or cancels
 * a running job) and is for the owner. The job is read from the reacted message's own signed
 * buttons, so this works for messages posted before a restart.
 */
import type { App } from '@slack/bolt';
import type { Command } from '../../../commands/index.ts';
import { answeringErrors, admitted, commandContext, deliverReply, type SlackAdapter, type SlackRequest } from '../adapter.ts';
import { jobIdOfBlocks } from '../blocks.ts';

export const REACTIONS = { variation: 'repeat', remove: 'x' } as const;

export function registerReactions(app: App, adapter: SlackAdapter): void {
  app.event('reaction_added', async ({ event, body, context }) => {
    if (event.reaction !== REACTIONS.variation && event.reaction !== REACTIONS.remove) return;
    if (event.item.type !== 'message' || event.item_user !== context.botUserId) return;
    const { channel, ts } = event.item;
    const message = await adapter.messenger.read(channel, ts);
    const job = message && jobIdOfBlocks(message.blocks, adapter.core.codec);
    if (!message || !job) return;
    const threadTs = message.thread_ts ?? ts;
    const request: SlackRequest = { teamId: body.team_id, channelId: channel, userId: event.user, threadTs, messageTs: ts };
    if (!(await admitted(adapter, request))) return;
    const command = commandFor(event.reaction, job.jobId, job.actions);
    if (!command) return;
    await answeringErrors(adapter, request, async () => deliverReply(adapter, await adapter.core.dispatch(command, commandContext(request)), request));
  });
}

function commandFor(reaction: string, jobId: string, actions: Set<string>): Command | null {
  if (reaction === REACTIONS.variation) return actions.has('variation') ? { kind: 'variation', jobId } : null;
  if (actions.has('delete')) return { kind: 'delete', jobId };
  if (actions.has('cancel')) return { kind: 'cancel', jobId };
  return null;
}
