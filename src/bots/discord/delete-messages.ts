/** Removes a deleted job's messages (status and result). One that is already gone is not an error. */
import { RESTJSONErrorCodes, DiscordAPIError } from 'discord.js';
import type { MessageRef } from '../../commands/index.ts';
import type { Adapter } from './adapter.ts';

export async function deleteMessages(refs: readonly MessageRef[], adapter: Adapter): Promise<void> {
  for (const ref of refs.filter((r) => r.platform === 'discord')) {
    try {
      const channel = await adapter.client.channels.fetch(ref.channelId);
      if (channel && 'messages' in channel) await channel.messages.delete(ref.messageId);
    } catch (error) {
      if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownMessage) continue;
      adapter.logger.warn({ err: error, messageId: ref.messageId }, 'could not delete a message of a deleted edit');
    }
  }
}
