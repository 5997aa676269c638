/**
 * Reactions on the bot's job messages: :repeat: makes a variation, :x: cancels a waiting or running job or
 * deletes a finished one (owner or admin). This file only maps the emoji names; `core.react` decides. The
 * job is read from the reacted message's own signed buttons, so this works for messages posted before a restart.
 */
import type { App } from '@slack/bolt';
import type { Reaction } from '../../../commands/index.ts';
import { answeringErrors, admitted, commandContext, deliverReply, type SlackAdapter, type SlackRequest } from '../adapter.ts';
import { jobIdOfBlocks } from '../blocks.ts';

export const REACTIONS = { variation: 'repeat', remove: 'x' } as const;
const REACTION_OF = new Map<string, Reaction>([
  [REACTIONS.variation, 'repeat'],
  [REACTIONS.remove, 'remove'],
]);

export function registerReactions(app: App, adapter: SlackAdapter): void {
  app.event('reaction_added', async ({ event, body, context }) => {
    const reacted = REACTION_OF.get(event.reaction);
    if (reacted === undefined) return;
    if (event.item.type !== 'message' || event.item_user !== context.botUserId) return;
    const { channel, ts } = event.item;
    const message = await adapter.messenger.read(channel, ts);
    const job = message && jobIdOfBlocks(message.blocks, adapter.core.codec);
    if (!message || !job) return;
    const threadTs = message.thread_ts ?? ts;
    const request: SlackRequest = { teamId: body.team_id, channelId: channel, userId: event.user, threadTs, messageTs: ts };
    if (!(await admitted(adapter, request))) return;
    await answeringErrors(adapter, request, async () => deliverReply(adapter, await adapter.core.react(job.jobId, reacted, commandContext(request)), request));
  });
}

