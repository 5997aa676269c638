/**
 * Reactions on the bot's job messages: 🔁 makes a variation, ❌ cancels a waiting or running job or deletes a
 * finished one (owner or admin). This file only maps the emoji; `core.react` decides what it does. Works on messages posted before the bot started: partials are
 * fetched, and the job id comes from the message's own signed buttons, not from memory.
 */
import {
  PermissionFlagsBits,
  type Message,
  type MessageReaction,
  type PartialMessageReaction,
  type PartialUser,
  type User,
} from 'discord.js';
import type { Action, CommandContext, Reaction } from '../../commands/index.ts';
import { accessRefusal } from './access.ts';
import type { Adapter } from './adapter.ts';
import { deleteMessages } from './delete-messages.ts';

export const REACTIONS = { variation: '🔁', remove: '❌' } as const;
const REACTION_OF = new Map<string | null, Reaction>([
  [REACTIONS.variation, 'repeat'],
  [REACTIONS.remove, 'remove'],
]);

export async function handleReaction(
  partialReaction: MessageReaction | PartialMessageReaction,
  user: User | PartialUser,
  adapter: Adapter,
): Promise<void> {
  const { client, core } = adapter;
  const reacted = REACTION_OF.get(partialReaction.emoji.name);
  if (reacted === undefined || user.id === client.user?.id) return;
  const reaction = partialReaction.partial ? await partialReaction.fetch() : partialReaction;
  const message = reaction.message.partial ? await reaction.message.fetch() : reaction.message;
  if (message.author.id !== client.user?.id) return;
  const jobId = actionsOn(message, adapter)[0]?.jobId;
  if (jobId === undefined) return;

  const member = message.guild ? await message.guild.members.fetch(user.id).catch(() => null) : null;
  const channel = message.channel;
  const refusal = accessRefusal(adapter.options, {
    ...(message.guildId ? { guildId: message.guildId } : {}),
    channelId: message.channelId,
    ...(channel.isThread() && channel.parentId ? { parentChannelId: channel.parentId } : {}),
    roleIds: member ? [...member.roles.cache.keys()] : [],
  });
  if (refusal) return withdraw(reaction, user, adapter, refusal);

  const ctx: CommandContext = {
    user: { platform: 'discord', id: user.id, ...(user.username ? { name: user.username } : {}) },
    place: {
      platform: 'discord',
      ...(message.guildId ? { guildId: message.guildId } : {}),
      channelId: message.channelId,
      ...(channel.isThread() ? { threadId: message.channelId } : {}),
      // The new job's status message answers the message that was reacted on.
      messageId: message.id,
    },
    isAdmin: member?.permissions.has(PermissionFlagsBits.ManageGuild) ?? false,
  };
  const reply = await core.react(jobId, reacted, ctx);
  if (reply.code !== undefined) return withdraw(reaction, user, adapter, reply.text);
  if (reply.deleteMessages) await deleteMessages(reply.deleteMessages, adapter);
}

/** The signed actions on a message's buttons; another bot's or a forged id decodes to nothing. */
function actionsOn(message: Message, adapter: Adapter): Action[] {
  return message.components.flatMap((row) =>
    'components' in row
      ? row.components.flatMap((component) => {
          const customId = 'customId' in component ? component.customId : null;
          const action = customId ? adapter.core.codec.decode(customId) : null;
          return action ? [action] : [];
        })
      : [],
  );
}

/**
 * A reaction cannot be answered privately, so a refused one is taken back: the user sees it disappear, and
 * the channel is not filled with refusals. The reason goes to the log.
 */
async function withdraw(
  reaction: MessageReaction,
  user: User | PartialUser,
  adapter: Adapter,
  reason: string,
): Promise<void> {
  adapter.logger.info({ userId: user.id, messageId: reaction.message.id, reason }, 'reaction refused');
  await reaction.users
    .remove(user.id)
    .catch((error: unknown) => adapter.logger.warn({ err: error }, 'could not remove a refused reaction'));
}
