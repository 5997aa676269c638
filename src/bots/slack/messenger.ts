/**
 * The Web API calls the adapter makes, in one place: posting, editing and deleting messages (paced
 * per channel), ephemeral notes, and private image uploads shown through image blocks. web-api
 * itself retries a 429 after its Retry-After.
 */
import type { webApi } from '@slack/bolt';
import type { ChatPacer } from '../../jobs/chat-pacer.ts';
import { imageFileIds, messageBlocks, type MessageContent } from './blocks.ts';
import type { SlackBotLogger } from './options.ts';

type WebClient = webApi.WebClient;

/** Waits before posting an image block again after `invalid_blocks`; the last attempt's error is final. */
const IMAGE_NOT_READY_RETRY_MS = [1_000, 3_000];

export interface Where {
  readonly channelId: string;
  readonly threadTs?: string;
}

export class SlackMessenger {
  constructor(
    private readonly client: WebClient,
    private readonly pacer: ChatPacer,
    private readonly logger: SlackBotLogger,
  ) {}

  /** A new message (in a thread when `threadTs` is set); returns its ts. */
  async post(where: Where, content: MessageContent): Promise<string> {
    const send = () => this.pacer.schedule(where.channelId, () => this.client.chat.postMessage({ channel: where.channelId, ...threadArg(where), ...messageBlocks(content) }));
    for (const delayMs of content.imageFileId ? IMAGE_NOT_READY_RETRY_MS : []) {
      try {
        return (await send()).ts!;
      } catch (error) {
        // Slack may refuse an image block for a file it is still processing; the same blocks pass a moment later.
        if (slackErrorCode(error) !== 'invalid_blocks') throw error;
        this.logger.debug({ fileId: content.imageFileId, delayMs }, 'image not ready yet; posting again shortly');
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
    return (await send()).ts!;
  }

  /** Replaces a message's content; when edits pile up only the newest is sent. */
  async update(channelId: string, ts: string, content: MessageContent): Promise<void> {
    await this.pacer.scheduleLatest(channelId, `${channelId}/${ts}`, () => this.client.chat.update({ channel: channelId, ts, ...messageBlocks(content) }));
  }

  /** Deletes one of the bot's messages and the images it uploaded for it (they are private files of the bot). */
  async delete(channelId: string, ts: string): Promise<void> {
    // Without the message (already gone, or unreadable) there are no file ids; the message is still deleted.
    const message = await this.read(channelId, ts).catch(() => undefined);
    try {
      await this.pacer.schedule(channelId, () => this.client.chat.delete({ channel: channelId, ts }));
    } catch (error) {
      // Already gone (deleted by hand, or by an earlier click) is what the user wanted.
      if (slackErrorCode(error) !== 'message_not_found') throw error;
    }
    for (const fileId of imageFileIds(message?.blocks)) await this.deleteFile(fileId);
  }

  /** One message by channel and ts. The bot's job messages are thread replies, which conversations.replies finds by their own ts. */
  async read(channelId: string, ts: string): Promise<{ blocks?: unknown; thread_ts?: string } | undefined> {
    const response = await this.client.conversations.replies({ channel: channelId, ts, latest: ts, oldest: ts, inclusive: true, limit: 2 });
    return response.messages?.find((m) => m.ts === ts);
  }

  /** mrkdwn only the user sees (escape user text with escapeMrkdwn); Slack does not let anyone edit it later. */
  async ephemeral(where: Where, userId: string, mrkdwn: string): Promise<void> {
    try {
      await this.client.chat.postEphemeral({ channel: where.channelId, user: userId, text: mrkdwn, ...threadArg(where) });
    } catch (error) {
      // The bot may not be in the channel (a shortcut used elsewhere); nothing else can reach the user privately.
      this.logger.warn({ err: error, channel: where.channelId, user: userId }, 'could not send an ephemeral message');
    }
  }

  /**
   * Uploads without sharing (the file stays private to the bot) and returns the file id for an
   * image block: one message then carries the image and its buttons, and its ts is known.
   */
  async uploadImage(bytes: Uint8Array, filename: string, altText: string): Promise<string> {
    const response = await this.client.filesUploadV2({ file: Buffer.from(bytes), filename, alt_text: altText });
    const completed = (response.files as Array<{ files?: Array<{ id?: string }> }>)[0]?.files?.[0]?.id;
    if (!completed) throw new Error('files.completeUploadExternal returned no file id');
    return completed;
  }

  /** Best effort: a file left behind is private to the bot and shown nowhere. */
  async deleteFile(fileId: string): Promise<void> {
    try {
      await this.client.files.delete({ file: fileId });
    } catch (error) {
      this.logger.debug({ err: error, fileId }, 'could not delete a file');
    }
  }
}

function threadArg(where: Where): { thread_ts?: string } {
  return where.threadTs ? { thread_ts: where.threadTs } : {};
}

export function slackErrorCode(error: unknown): string | undefined {
  return (error as { data?: { error?: string } } | undefined)?.data?.error;
}
