/**
 * Shows each Discord job's life in chat. One status message per job (the deferred interaction reply, edited
 * through the interaction token while it is fresh, then through the bot token; or a plain bot message when
 * there was no interaction: reactions, restarts). The result goes out as a new message, so the owner is
 * notified, in a thread started on the status message (plain replies in DMs).
 *
 * Edits of one job run one at a time and a waiting progress edit is replaced by a newer one, so a slow
 * Discord never builds a backlog of stale percentages.
 */
import {
  AttachmentBuilder,
  PermissionFlagsBits,
  ThreadAutoArchiveDuration,
  type PermissionsBitField,
  type ActionRowBuilder,
  type ButtonBuilder,
  type Client,
  type RepliableInteraction,
  type SendableChannels,
} from 'discord.js';
import type { BotCore, JobEvent, JobRecord, MessageRef } from '../../commands/index.ts';
import { ChatPacer } from '../../jobs/chat-pacer.ts';
import type { Logger } from '../../log.ts';
import { fitUnderBytes } from '../shared/fit-upload.ts';
import { hasPermission } from './permissions.ts';
import {
  buttonRows,
  previewAttachment,
  quotePrompt,
  resultButtonsWithCompare,
  resultText,
  statusText,
} from './render.ts';
import { botUploadLimit } from './upload-limit.ts';

export interface JobMessagesOptions {
  readonly interactionTokenLifetimeMs: number;
  readonly defaultUploadLimitBytes: number;
  readonly statusEditGapMs: number;
  readonly previewMaxSidePx: number;
  readonly now: () => number;
}

interface Session {
  readonly interaction: RepliableInteraction;
  readonly receivedAtMs: number;
  readonly uploadLimitBytes: number;
}

interface StatusPayload {
  content: string;
  components: ActionRowBuilder<ButtonBuilder>[];
  files: AttachmentBuilder[];
  /** Empty: drop the previous preview. */
  attachments: [];
}

const THREAD_NAME_CHARS = 100; // Discord's limit

export class JobMessages {
  /** Deferred interactions that started a job, by interaction id (the job's `place.messageId`). */
  private readonly sessions = new Map<string, Session>();
  private readonly pacer: ChatPacer;

  constructor(
    private readonly client: Client,
    private readonly core: BotCore,
    private readonly options: JobMessagesOptions,
    private readonly logger: Logger,
  ) {
    this.pacer = new ChatPacer({ minTimeMs: options.statusEditGapMs });
  }

  /** Call right after deferring an interaction that may start a job. */
  track(interaction: RepliableInteraction): void {
    this.sessions.set(interaction.id, {
      interaction,
      receivedAtMs: this.options.now(),
      uploadLimitBytes: interaction.attachmentSizeLimit ?? this.options.defaultUploadLimitBytes,
    });
  }

  forget(interaction: RepliableInteraction): void {
    this.sessions.delete(interaction.id);
  }

  /** The core's event listener. */
  readonly onEvent = (event: JobEvent): void => {
    if (event.place.platform !== 'discord') return;
    const show = () => this.show(event);
    const shown =
      event.type === 'progress'
        ? this.pacer.scheduleLatest(event.jobId, `${event.jobId}:progress`, show)
        : this.pacer.schedule(event.jobId, show);
    shown.catch((error) =>
      this.logger.warn({ err: error, jobId: event.jobId, event: event.type }, 'could not show a job event on Discord'),
    );
  };

  async close(): Promise<void> {
    await this.pacer.close();
  }

  private async show(event: JobEvent): Promise<void> {
    const job = this.core.getJob(event.jobId);
    if (!job || job.deleted) return;
    switch (event.type) {
      case 'queued':
      case 'started':
      case 'progress': {
        const files =
          event.type === 'progress' && event.preview
            ? [await previewAttachment(event.preview, this.options.previewMaxSidePx)]
            : [];
        const buttons = this.core.render(event).buttons ?? [];
        await this.updateStatus(event, job, {
          content: statusText(event, job.prompt, this.options.now()),
          components: buttonRows(buttons),
          files,
          attachments: [],
        });
        return;
      }
      case 'done':
        try {
          await this.postResult(event, job);
        } catch (error) {
          // Not marked delivered, so a restart tries again; meanwhile the owner learns why nothing came.
          this.logger.error({ err: error, jobId: job.id }, 'could not post a result on Discord');
          const text = `⚠️ ${quotePrompt(job.prompt)}: the edit finished, but I could not post the result here. Use /rfedit info job:${job.id} or ask an admin.`;
          await this.updateStatus(event, job, { content: text, components: [], files: [], attachments: [] });
        }
        break;
      case 'failed':
      case 'cancelled': {
        const text =
          event.type === 'failed'
            ? `⚠️ ${quotePrompt(job.prompt)}: ${event.userMessage}`
            : `✖️ ${quotePrompt(job.prompt)}: ${this.core.render(event).text}`;
        await this.updateStatus(event, job, { content: text, components: [], files: [], attachments: [] });
        this.core.markDelivered(job.id);
        break;
      }
    }
    if (event.place.messageId !== undefined) this.sessions.delete(event.place.messageId);
  }

  private async postResult(event: Extract<JobEvent, { type: 'done' }>, job: JobRecord): Promise<void> {
    const image = event.images[0];
    if (!image) throw new Error(`job ${job.id} finished without an image`);
    const bytes = await this.core.readImage(image);
    const buttons = buttonRows(
      resultButtonsWithCompare(this.core.render(event).buttons ?? [], this.core.codec, job.id),
    );
    const result = async (limitBytes: number) => {
      const fitted = await fitUnderBytes(bytes, limitBytes);
      const note = fitted.reencoded ? '\n(Re-encoded as JPEG to fit this channel’s upload limit.)' : '';
      const file = new AttachmentBuilder(Buffer.from(fitted.bytes), { name: `rfedit-${job.id}.${fitted.extension}` });
      return {
        content: resultText(job, event) + note,
        files: [file],
        components: buttons,
        allowedMentions: { users: [job.owner.id] },
      };
    };
    let target: Awaited<ReturnType<JobMessages['resultTarget']>>;
    let message: Awaited<ReturnType<typeof target.channel.send>>;
    try {
      target = await this.resultTarget(event, job);
      // Posted with the bot token: the server's limit, not the interaction's (which counts the user's Nitro).
      message = await target.channel.send({
        ...(await result(botUploadLimit(target.channel, this.options.defaultUploadLimitBytes))),
        ...(target.replyTo ? { reply: { messageReference: target.replyTo, failIfNotExists: false } } : {}),
      });
    } catch (error) {
      // The bot cannot post here (no access, a private thread it is not in): the interaction's own reply still works.
      const session = this.freshSession(event);
      if (!session) throw error;
      this.logger.warn(
        { err: error, jobId: job.id },
        'could not post the result in the channel; showing it in the interaction reply',
      );
      const shown = await session.interaction.editReply({
        ...(await result(session.uploadLimitBytes)),
        attachments: [],
      });
      this.core.recordMessage(job.id, {
        role: 'result',
        platform: 'discord',
        channelId: shown.channelId,
        messageId: shown.id,
      });
      return;
    }
    this.core.recordMessage(job.id, {
      role: 'result',
      platform: 'discord',
      channelId: message.channelId,
      messageId: message.id,
      ...(target.threadId ? { threadId: target.threadId } : {}),
    });
    const where =
      target.threadId && target.threadId !== event.place.channelId ? `in the thread <#${target.threadId}>` : 'below';
    await this.updateStatus(
      event,
      job,
      {
        content: `✅ ${quotePrompt(job.prompt)}: done, the result is ${where}.`,
        components: [],
        files: [],
        attachments: [],
      },
      { postIfMissing: false },
    );
  }

  /**
   * The job's own thread in a server, or the place it was asked (a thread already, or a DM). Without the thread
   * permissions (the bot's current ones in this channel, overwrites included) it replies in the channel, and
   * without Read Message History it posts there without the reply.
   */
  private async resultTarget(
    event: JobEvent,
    job: JobRecord,
  ): Promise<{ channel: SendableChannels; threadId?: string; replyTo?: string }> {
    if (event.place.threadId !== undefined)
      return { channel: await this.sendable(event.place.threadId), threadId: event.place.threadId };
    const status = statusRefOf(job);
    const channel = await this.sendable(event.place.channelId);
    const granted = this.permissionsIn(channel);
    const canThread =
      !granted ||
      (hasPermission(granted, PermissionFlagsBits.CreatePublicThreads) &&
        hasPermission(granted, PermissionFlagsBits.SendMessagesInThreads));
    if (event.place.guildId !== undefined && status && canThread) {
      try {
        const thread = await this.threadOn(channel, status, job);
        return { channel: thread, threadId: thread.id };
      } catch (error) {
        // A channel type without threads from messages (forum, media), or permissions changed meanwhile.
        this.logger.warn(
          { err: error, jobId: job.id },
          'could not start a thread for the result; replying in the channel',
        );
      }
    }
    const canReply = !granted || hasPermission(granted, PermissionFlagsBits.ReadMessageHistory);
    return { channel, ...(status && canReply ? { replyTo: status.messageId } : {}) };
  }

  private async threadOn(parent: SendableChannels, status: MessageRef, job: JobRecord): Promise<SendableChannels> {
    // A thread started on a message has that message's id, so an existing one (a redelivery) is found the same way.
    const existing = this.client.channels.cache.get(status.messageId);
    if (existing?.isThread()) return existing;
    if (!('threads' in parent) || parent.isThread()) throw new Error(`channel ${status.channelId} cannot hold threads`);
    const name = `✏️ ${job.prompt.replace(/\s+/g, ' ')}`.slice(0, THREAD_NAME_CHARS);
    // Started by message id: fetching the message first would also need Read Message History.
    return parent.threads.create({
      name,
      startMessage: status.messageId,
      autoArchiveDuration: ThreadAutoArchiveDuration.OneDay,
    });
  }

  /** The bot's permissions in a server channel from the client's cache (roles and overwrites); null in DMs. */
  private permissionsIn(channel: SendableChannels): Readonly<PermissionsBitField> | null {
    if (!('permissionsFor' in channel) || !this.client.user) return null;
    return channel.permissionsFor(this.client.user);
  }

  /**
   * Edits the job's status message: through the interaction while its token is fresh, through the bot
   * token after that (or after a restart), and posts a new one when there is none yet.
   */
  private async updateStatus(
    event: JobEvent,
    job: JobRecord,
    payload: StatusPayload,
    { postIfMissing = true } = {},
  ): Promise<void> {
    const session = this.freshSession(event);
    if (session) {
      try {
        const message = await session.interaction.editReply(payload);
        this.remember(job, message.channelId, message.id);
        return;
      } catch (error) {
        this.logger.warn({ err: error, jobId: job.id }, 'editing through the interaction failed; using a bot message');
      }
    }
    const status = statusRefOf(job);
    if (status) {
      try {
        const channel = await this.sendable(status.channelId);
        if ('messages' in channel) {
          await channel.messages.edit(status.messageId, payload);
          return;
        }
      } catch (error) {
        this.logger.warn({ err: error, jobId: job.id }, 'could not edit the status message; posting a new one');
      }
    }
    if (!postIfMissing) return;
    const channel = await this.sendable(event.place.channelId);
    // For reactions, place.messageId is the message reacted on; for interactions it is no message, hence no failure.
    // A reply needs Read Message History ("Create Message").
    const granted = this.permissionsIn(channel);
    const canReply = !granted || hasPermission(granted, PermissionFlagsBits.ReadMessageHistory);
    const reply =
      event.place.messageId && canReply
        ? { reply: { messageReference: event.place.messageId, failIfNotExists: false } }
        : {};
    const message = await channel.send({ ...payload, ...reply, allowedMentions: { parse: [] } });
    this.remember(job, message.channelId, message.id);
  }

  private remember(job: JobRecord, channelId: string, messageId: string): void {
    if (job.messages.some((m) => m.role === 'status' && m.messageId === messageId)) return;
    job.messages.push({ role: 'status', platform: 'discord', channelId, messageId });
    this.core.recordMessage(job.id, { role: 'status', platform: 'discord', channelId, messageId });
  }

  private sessionOf(event: JobEvent): Session | undefined {
    return event.place.messageId === undefined ? undefined : this.sessions.get(event.place.messageId);
  }

  /** The job's interaction while its token still works (with a margin under Discord's 15 minutes). */
  private freshSession(event: JobEvent): Session | undefined {
    const session = this.sessionOf(event);
    return session && this.options.now() - session.receivedAtMs < this.options.interactionTokenLifetimeMs
      ? session
      : undefined;
  }

  private async sendable(channelId: string): Promise<SendableChannels> {
    const channel = await this.client.channels.fetch(channelId);
    if (!channel?.isSendable()) throw new Error(`cannot post in channel ${channelId}`);
    return channel;
  }
}

/** The newest status message recorded for a job. */
export function statusRefOf(job: JobRecord): MessageRef | undefined {
  return job.messages.filter((m) => m.role === 'status').at(-1);
}
