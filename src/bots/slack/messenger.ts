/**
 * The Web API calls the adapter makes, in one place: posting, editing and deleting messages (paced
 * per channel), private notes, and image uploads shared into the job's thread. web-api itself
 * retries a 429 after its Retry-After.
 */
import type { webApi } from '@slack/bolt';
import type { ChatPacer } from '../../jobs/chat-pacer.ts';
import { fileIdsOfMessage, linkedFileIds, messageBlocks, withLinkedFiles, type MessageContent } from './blocks.ts';
import type { SlackBotLogger } from './options.ts';

type WebClient = webApi.WebClient;

/** An image shared into a conversation by its upload. */
export interface SharedImage {
  readonly fileId: string;
  /** The message that shows it, once Slack has finished sharing it (undefined if it took too long). */
  readonly messageTs?: string;
  /** A link to the file, for a message that cannot wait for the share. */
  readonly permalink?: string;
}

/** Errors that mean the bot cannot post where it was asked to (not a member, or a conversation it cannot see). */
const CANNOT_POST_HERE = new Set([
  'not_in_channel',
  'channel_not_found',
  'user_not_in_channel',
  'no_permission',
  'is_archived',
]);

export interface Where {
  readonly channelId: string;
  readonly threadTs?: string;
}

export class SlackMessenger {
  constructor(
    private readonly client: WebClient,
    private readonly pacer: ChatPacer,
    private readonly logger: SlackBotLogger,
    /** Waits between files.info checks while an upload is being shared (bounded: then the result links the file). */
    private readonly shareWaitsMs: readonly number[],
  ) {}

  /**
   * A new message (in a thread when `threadTs` is set); returns its ts. An image block Slack refuses (a preview
   * it is still processing) is left out rather than losing the message.
   */
  async post(where: Where, content: MessageContent): Promise<string> {
    const send = (c: MessageContent) =>
      this.pacer.schedule(where.channelId, () =>
        this.client.chat.postMessage({ channel: where.channelId, ...threadArg(where), ...messageBlocks(c) }),
      );
    return (await this.withoutRefusedImage(content, send)).ts!;
  }

  /** Replaces a message's content; when edits pile up only the newest is sent. */
  async update(channelId: string, ts: string, content: MessageContent): Promise<void> {
    const send = (c: MessageContent) =>
      this.pacer.scheduleLatest(channelId, `${channelId}/${ts}`, () =>
        this.client.chat.update({ channel: channelId, ts, ...messageBlocks(c) }),
      );
    await this.withoutRefusedImage(content, send);
  }

  /** Slack refuses an image block for a file it has not finished processing ("invalid slack file"); the text still goes. */
  private async withoutRefusedImage<T>(
    content: MessageContent,
    send: (content: MessageContent) => Promise<T>,
  ): Promise<T> {
    try {
      return await send(content);
    } catch (error) {
      if (!content.imageFileId || slackErrorCode(error) !== 'invalid_blocks') throw error;
      this.logger.debug(
        { fileId: content.imageFileId },
        'Slack refused the image block (file still processing); sending without it',
      );
      return send({ ...content, imageFileId: undefined });
    }
  }

  /**
   * Deletes one of the bot's messages, the images it stands for, and the bot's messages in the thread that share
   * those images (a result's buttons stand for the result and its comparisons, shared by their uploads).
   */
  async delete(channelId: string, ts: string): Promise<void> {
    // Without the message (already gone, or unreadable) there are no file ids; the message is still deleted.
    const message = await this.read(channelId, ts).catch(() => undefined);
    const fileIds = fileIdsOfMessage(message);
    const linked = linkedFileIds(message?.blocks);
    if (linked.length > 0 && message?.thread_ts) {
      const thread = await this.thread(channelId, message.thread_ts).catch(() => []);
      const shares = thread.filter((m) => m.ts !== ts && m.files?.some((f) => f.id && linked.includes(f.id)));
      for (const share of shares) await this.deleteMessage(channelId, share.ts!);
    }
    await this.deleteMessage(channelId, ts);
    for (const fileId of fileIds) await this.deleteFile(fileId);
  }

  private async deleteMessage(channelId: string, ts: string): Promise<void> {
    try {
      await this.pacer.schedule(channelId, () => this.client.chat.delete({ channel: channelId, ts }));
    } catch (error) {
      // Already gone (deleted by hand, or by an earlier click) is what the user wanted.
      if (slackErrorCode(error) !== 'message_not_found') throw error;
    }
  }

  /** Adds files to those a message of the bot's stands for (a comparison joins its result's buttons), so Delete removes them too. */
  async linkFiles(channelId: string, ts: string, fileIds: readonly string[]): Promise<void> {
    const message = await this.read(channelId, ts);
    const blocks = withLinkedFiles(message?.blocks, fileIds);
    if (!message || !blocks) return;
    await this.pacer.schedule(channelId, () =>
      this.client.chat.update({ channel: channelId, ts, text: message.text ?? '', blocks }),
    );
  }

  /** One message by channel and ts. The bot's job messages are thread replies, which conversations.replies finds by their own ts. */
  async read(channelId: string, ts: string): Promise<SlackMessageSeen | undefined> {
    const response = await this.client.conversations.replies({
      channel: channelId,
      ts,
      latest: ts,
      oldest: ts,
      inclusive: true,
      limit: 2,
    });
    return response.messages?.find((m) => m.ts === ts) as SlackMessageSeen | undefined;
  }

  /** The messages of a thread, the parent first (up to 200: a job's thread is short). */
  async thread(channelId: string, threadTs: string): Promise<SlackMessageSeen[]> {
    const response = await this.client.conversations.replies({ channel: channelId, ts: threadTs, limit: 200 });
    return (response.messages ?? []) as SlackMessageSeen[];
  }

  /**
   * mrkdwn only the user sees (escape user text with escapeMrkdwn); Slack does not let anyone edit it later.
   * chat.postEphemeral needs both the bot and the user in the conversation; where that fails, the request's
   * response_url (slash commands, shortcuts, buttons) still reaches the user privately, and otherwise the
   * bot's DM with the user does.
   */
  async ephemeral(where: Where, userId: string, mrkdwn: string, responseUrl?: string): Promise<void> {
    try {
      await this.client.chat.postEphemeral({
        channel: where.channelId,
        user: userId,
        text: mrkdwn,
        ...threadArg(where),
      });
      return;
    } catch (error) {
      if (!CANNOT_POST_HERE.has(slackErrorCode(error) ?? ''))
        return this.logger.warn(
          { err: error, channel: where.channelId, user: userId },
          'could not send an ephemeral message',
        );
      this.logger.debug(
        { channel: where.channelId, error: slackErrorCode(error) },
        'ephemeral message refused here; answering another way',
      );
    }
    try {
      if (responseUrl) return await respondPrivately(responseUrl, mrkdwn);
      // A user id as channel posts in the bot's DM with that user (docs.slack.dev/reference/methods/chat.postMessage, channel).
      await this.client.chat.postMessage({ channel: userId, text: mrkdwn });
    } catch (error) {
      this.logger.warn({ err: error, channel: where.channelId, user: userId }, 'could not reach the user privately');
    }
  }

  /** Uploads without sharing: the file stays private to the bot, which shows it in an image block (previews). */
  async uploadImage(bytes: Uint8Array, filename: string, altText: string): Promise<string> {
    return fileIdOf(await this.client.filesUploadV2({ file: Buffer.from(bytes), filename, alt_text: altText }));
  }

  /**
   * Uploads an image and shares it into the conversation (and thread) by the upload itself, so everyone there
   * can see it; a file uploaded without a channel stays private to the bot. Slack shares it once it has processed
   * the file, so this waits (bounded, with backoff) for files.info to show the share and its message.
   */
  async shareImage(
    where: Where,
    bytes: Uint8Array,
    filename: string,
    altText: string,
    comment: string,
  ): Promise<SharedImage> {
    const destination = where.threadTs
      ? { channel_id: where.channelId, thread_ts: where.threadTs }
      : { channel_id: where.channelId };
    const upload = () =>
      this.client.filesUploadV2({
        file: Buffer.from(bytes),
        filename,
        alt_text: altText,
        ...destination,
        initial_comment: comment,
      });
    const fileId = fileIdOf(
      await this.pacer.schedule(where.channelId, upload).catch(async (error: unknown) => {
        // /edit in a public channel the bot has not joined: chat:write.public posted the status, but sharing a file
        // needs membership. The user asked for the bot there, so it joins and shares again.
        if (slackErrorCode(error) !== 'not_in_channel') throw error;
        await this.client.conversations.join({ channel: where.channelId });
        return this.pacer.schedule(where.channelId, upload);
      }),
    );
    let permalink: string | undefined;
    for (const waitMs of [0, ...this.shareWaitsMs]) {
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      const file = await this.fileInfo(fileId);
      permalink = file?.permalink ?? permalink;
      const messageTs = shareOf(file, where);
      if (messageTs) return { fileId, messageTs, permalink };
    }
    this.logger.warn({ fileId, channel: where.channelId }, 'Slack has not shared the image yet; linking it instead');
    return { fileId, ...(permalink ? { permalink } : {}) };
  }

  /** files.info, or undefined when Slack does not answer it (the share is then waited for again). */
  async fileInfo(fileId: string): Promise<SlackFileInfo | undefined> {
    try {
      return (await this.client.files.info({ file: fileId })).file as SlackFileInfo | undefined;
    } catch (error) {
      this.logger.debug({ err: error, fileId }, 'files.info failed');
      return undefined;
    }
  }

  /** Best effort: a preview left behind is private to the bot; a shared image left behind stays in its thread. */
  async deleteFile(fileId: string): Promise<void> {
    try {
      await this.client.files.delete({ file: fileId });
    } catch (error) {
      this.logger.debug({ err: error, fileId }, 'could not delete a file');
    }
  }
}

/** The file id filesUploadV2 reports (one completeUploadExternal per file). */
function fileIdOf(response: webApi.WebAPICallResult & { files?: unknown }): string {
  const fileId = (response.files as Array<{ files?: Array<{ id?: string }> }> | undefined)?.[0]?.files?.[0]?.id;
  if (!fileId) throw new Error('files.completeUploadExternal returned no file id');
  return fileId;
}

/** A message as conversations.replies returns it (the fields the adapter reads). */
export interface SlackMessageSeen {
  readonly ts?: string;
  readonly thread_ts?: string;
  readonly user?: string;
  readonly text?: string;
  readonly blocks?: unknown;
  readonly files?: Array<{ id?: string; user?: string }>;
}

/** The fields of files.info's file the adapter reads. */
export interface SlackFileInfo {
  readonly id?: string;
  readonly permalink?: string;
  readonly shares?: {
    public?: Record<string, Array<{ ts?: string; thread_ts?: string }>>;
    private?: Record<string, Array<{ ts?: string; thread_ts?: string }>>;
  };
}

/** The ts of the message that shares the file in `where` (the right thread), once Slack reports it. */
function shareOf(file: SlackFileInfo | undefined, where: Where): string | undefined {
  const shares = [
    ...(file?.shares?.public?.[where.channelId] ?? []),
    ...(file?.shares?.private?.[where.channelId] ?? []),
  ];
  return (
    shares.find((s) => (s.thread_ts ?? undefined) === where.threadTs)?.ts ??
    (where.threadTs ? undefined : shares[0]?.ts)
  );
}

/** Posts to a response_url: ephemeral, a new message (not replacing the one whose button was clicked). */
async function respondPrivately(responseUrl: string, mrkdwn: string): Promise<void> {
  const response = await fetch(responseUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text: mrkdwn }),
  });
  if (!response.ok) throw new Error(`response_url answered ${response.status}: ${await response.text()}`);
}

function threadArg(where: Where): { thread_ts?: string } {
  return where.threadTs ? { thread_ts: where.threadTs } : {};
}

export function slackErrorCode(error: unknown): string | undefined {
  return (error as { data?: { error?: string } } | undefined)?.data?.error;
}
