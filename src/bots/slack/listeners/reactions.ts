/**
 * Reactions on the bot's job messages: :repeat: makes a variation, :x: cancels a waiting or running job or
 * deletes a finished one (owner or admin). This file only maps the emoji names; `core.react` decides. The
 * job is read from the reacted message's own signed buttons, so this works for messages posted before a restart.
 */
import type { App } from '@slack/bolt';
import type { Reaction } from '../../../commands/index.ts';
import {
  answeringErrors,
  admitted,
  commandContext,
  deliverReply,
  type SlackAdapter,
  type SlackRequest,
} from '../adapter.ts';
import { jobIdOfBlocks, linkedFileIds } from '../blocks.ts';
import type { SlackMessageSeen } from '../messenger.ts';

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
    const job = message && (await jobOfMessage(adapter, channel, message));
    if (!message || !job) return;
    const threadTs = message.thread_ts ?? ts;
    const request: SlackRequest = {
      teamId: body.team_id,
      channelId: channel,
      userId: event.user,
      threadTs,
      messageTs: ts,
    };
    if (!(await admitted(adapter, request))) return;
    await answeringErrors(adapter, request, async () =>
      deliverReply(adapter, await adapter.core.react(job.jobId, reacted, commandContext(request)), request),
    );
  });
}

/**
 * The job behind a reacted message: its own buttons, or for a result image shared by its upload (which carries no
 * buttons), the buttons message in the thread that names that image's file.
 */
async function jobOfMessage(
  adapter: SlackAdapter,
  channel: string,
  message: SlackMessageSeen,
): Promise<{ jobId: string } | null> {
  const own = jobIdOfBlocks(message.blocks, adapter.core.codec);
  const fileIds = (message.files ?? []).flatMap((f) => (f.id ? [f.id] : []));
  if (own || fileIds.length === 0 || !message.thread_ts) return own;
  const buttons = (await adapter.messenger.thread(channel, message.thread_ts)).find((m) =>
    linkedFileIds(m.blocks).some((id) => fileIds.includes(id)),
  );
  return buttons ? jobIdOfBlocks(buttons.blocks, adapter.core.codec) : null;
}
