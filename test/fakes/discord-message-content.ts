/**
 * The privileged Message Content intent (discord-api-docs, events/gateway.mdx, "Message Content Intent",
 * https://discord.com/developers/docs/events/gateway#message-content-intent): "Apps without the intent will
 * receive empty values in fields that contain user-inputted content" — `content`, `embeds`, `attachments`,
 * `components` and `poll` — except in messages the app sends, DMs with the app, messages that mention the app,
 * and the message a message context-menu command is used on (that one arrives whole in `resolved.messages`).
 */
import type { APIMessage } from 'discord-api-types/v10';

export interface ContentViewer {
  readonly botUserId: string;
  /** The app holds the intent (approved in the Developer Portal; on the gateway also asked for in IDENTIFY). */
  readonly hasIntent: boolean;
  readonly isDm: boolean;
}

export function asSeenByApp(message: APIMessage, viewer: ContentViewer): APIMessage {
  if (viewer.hasIntent || viewer.isDm || message.author.id === viewer.botUserId) return message;
  const mentioned =
    message.mentions.some((u) => u.id === viewer.botUserId) || message.content.includes(`<@${viewer.botUserId}>`);
  if (mentioned) return message;
  const { poll: _poll, ...rest } = message;
  return { ...rest, content: '', embeds: [], attachments: [], components: [] };
}
