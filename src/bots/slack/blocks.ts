/**
 * Replies as Block Kit: a text section, an optional image (a Slack-hosted file), and the reply's
 * buttons. A button's action_id and value are the signed action id, so a click carries everything
 * needed to act on it, also after a restart.
 */
import type { types } from '@slack/bolt';
import { actionButton, type ActionCodec, type ReplyButton } from '../../commands/index.ts';

type KnownBlock = types.KnownBlock;
type Button = types.Button;

/** Slack's mrkdwn treats &, < and > as markup; user text must not. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Message and command text arrives with &, < and > as entities; a prompt needs the characters the user typed. */
export function unescapeSlackText(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function mention(userId: string): string {
  return `<@${userId}>`;
}

export interface MessageContent {
  /** Already mrkdwn (escape user text with escapeMrkdwn). */
  readonly mrkdwn: string;
  readonly imageFileId?: string;
  readonly imageAlt?: string;
  readonly buttons?: readonly ReplyButton[];
}

/** `text` is the notification and screen-reader fallback Slack asks for alongside blocks. */
export function messageBlocks(content: MessageContent): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: content.mrkdwn } }];
  if (content.imageFileId) {
    blocks.push({ type: 'image', slack_file: { id: content.imageFileId }, alt_text: content.imageAlt ?? 'image' });
  }
  if (content.buttons && content.buttons.length > 0) {
    blocks.push({ type: 'actions', elements: content.buttons.map(toSlackButton) });
  }
  return { text: content.mrkdwn, blocks };
}

function toSlackButton(button: ReplyButton): Button {
  // Slack buttons have two accent styles; the others render as the default.
  const style = button.style === 'primary' || button.style === 'danger' ? { style: button.style } : {};
  const label = button.emoji ? `${button.emoji} ${button.label}` : button.label;
  return { type: 'button', text: { type: 'plain_text', text: label, emoji: true }, action_id: button.actionId, value: button.actionId, ...style };
}

/** The result buttons from the commands layer, with Compare added after Remix. */
export function withCompareButton(buttons: readonly ReplyButton[], codec: ActionCodec, jobId: string): ReplyButton[] {
  const compare = actionButton(codec, 'compare', jobId);
  const remixAt = buttons.findIndex((b) => codec.decode(b.actionId)?.action === 'remix');
  const at = remixAt < 0 ? buttons.length : remixAt + 1;
  return [...buttons.slice(0, at), compare, ...buttons.slice(at)];
}

/** The job id behind a message's buttons (signed, so a message's own buttons are trusted). */
export function jobIdOfBlocks(blocks: unknown, codec: ActionCodec): { jobId: string } | null {
  if (!Array.isArray(blocks)) return null;
  for (const block of blocks as Array<{ type?: string; elements?: Array<{ action_id?: string }> }>) {
    if (block.type !== 'actions') continue;
    for (const element of block.elements ?? []) {
      const action = element.action_id ? codec.decode(element.action_id) : null;
      if (action) return { jobId: action.jobId };
    }
  }
  return null;
}

/** The Slack files shown by a message's image blocks. */
export function imageFileIds(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return [];
  return (blocks as Array<{ type?: string; slack_file?: { id?: string } }>).flatMap((b) => (b.type === 'image' && b.slack_file?.id ? [b.slack_file.id] : []));
}
