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
  /** Images shared in the message before this one that this message belongs to; kept in its first block's id. */
  readonly forFileIds?: readonly string[];
}

/** A block id that names the files a message belongs to: `rfedit-files:F1,F2` (block ids hold 255 characters). */
const FILES_BLOCK_ID = 'rfedit-files:';

/** `text` is the notification and screen-reader fallback Slack asks for alongside blocks. */
export function messageBlocks(content: MessageContent): { text: string; blocks: KnownBlock[] } {
  const blockId = content.forFileIds?.length ? { block_id: `${FILES_BLOCK_ID}${content.forFileIds.join(',')}` } : {};
  const blocks: KnownBlock[] = [{ type: 'section', ...blockId, text: { type: 'mrkdwn', text: content.mrkdwn } }];
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
  return {
    type: 'button',
    text: { type: 'plain_text', text: label, emoji: true },
    action_id: button.actionId,
    value: button.actionId,
    ...style,
  };
}

/** The text above a shared image's buttons; when Slack is slow to show the image, a link to it. */
export function buttonsLine(shared: { readonly messageTs?: string; readonly permalink?: string }): string {
  if (shared.messageTs) return 'What next for the image above?';
  return shared.permalink
    ? `Slack is still processing the image, so it may take a moment to appear above. <${shared.permalink}|Open it here.>`
    : 'Slack is still processing the image, so it may take a moment to appear above.';
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
  return (blocks as Array<{ type?: string; slack_file?: { id?: string } }>).flatMap((b) =>
    b.type === 'image' && b.slack_file?.id ? [b.slack_file.id] : [],
  );
}

/**
 * The files a message of the bot's stands for: shared with it (an upload's message), in its image blocks (a
 * preview), or named as the files it belongs to (the buttons under a shared result).
 */
export function fileIdsOfMessage(message: { blocks?: unknown; files?: Array<{ id?: string }> } | undefined): string[] {
  const shared = (message?.files ?? []).flatMap((f) => (f.id ? [f.id] : []));
  return [...new Set([...shared, ...imageFileIds(message?.blocks), ...linkedFileIds(message?.blocks)])];
}

/** The blocks with `fileIds` added to the files they stand for (on the first block's id); undefined when there are no blocks. */
export function withLinkedFiles(blocks: unknown, fileIds: readonly string[]): KnownBlock[] | undefined {
  if (!Array.isArray(blocks) || blocks.length === 0) return undefined;
  const all = [...new Set([...linkedFileIds(blocks), ...fileIds])];
  const [first, ...rest] = blocks as KnownBlock[];
  return [{ ...first!, block_id: `${FILES_BLOCK_ID}${all.join(',')}` }, ...rest];
}

/** The files a message belongs to (see MessageContent.forFileIds). */
export function linkedFileIds(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return [];
  const block = (blocks as Array<{ block_id?: string }>).find((b) => b.block_id?.startsWith(FILES_BLOCK_ID));
  return block?.block_id?.slice(FILES_BLOCK_ID.length).split(',').filter(Boolean) ?? [];
}
