/**
 * A job's life in the request's thread: one status message (queue place, progress with a small
 * preview, Cancel) that is posted once and then edited, and the result as a new message (so the
 * owner is notified) with the image and its buttons. Events of one job are shown in order; progress
 * that piles up behind a slow call is coalesced to the newest.
 */
import type { BotCore, JobEvent, MessageRef } from '../../commands/index.ts';
import { quote } from '../../commands/format.ts';
import { buttonsLine, escapeMrkdwn, mention, withCompareButton, type MessageContent } from './blocks.ts';
import type { SlackMessenger, Where } from './messenger.ts';
import type { SlackBotLogger } from './options.ts';

interface Preview {
  fileId: string;
  uploadedAt: number;
}

const EXTENSION = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif' } as const;

export class JobThreads {
  private readonly pending = new Map<string, JobEvent[]>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly previews = new Map<string, Preview>();

  constructor(
    private readonly core: BotCore,
    private readonly messenger: SlackMessenger,
    private readonly previewIntervalMs: number,
    private readonly logger: SlackBotLogger,
  ) {}

  /** Queues an event of a Slack job for display; events of other platforms are not ours. */
  handle(event: JobEvent): void {
    if (event.place.platform !== 'slack') return;
    const queue = this.pending.get(event.jobId) ?? [];
    const last = queue.at(-1);
    if (event.type === 'progress' && last?.type === 'progress') queue[queue.length - 1] = event;
    else queue.push(event);
    this.pending.set(event.jobId, queue);
    if (!this.running.has(event.jobId)) this.running.set(event.jobId, this.drain(event.jobId));
  }

  /** Resolves once every event received so far is shown. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  private async drain(jobId: string): Promise<void> {
    const queue = this.pending.get(jobId)!;
    for (let event = queue.shift(); event; event = queue.shift()) {
      try {
        await this.show(event);
      } catch (error) {
        this.logger.error({ err: error, jobId, event: event.type }, 'could not show a job event in Slack');
      }
    }
    this.pending.delete(jobId);
    this.running.delete(jobId);
  }

  private async show(event: JobEvent): Promise<void> {
    const where: Where = { channelId: event.place.channelId, threadTs: event.place.threadId };
    const reply = this.core.render(event);
    const line = `${mention(event.owner.id)} ${escapeMrkdwn(reply.text)}`;
    switch (event.type) {
      case 'queued':
      case 'started':
      case 'progress': {
        const { preview, replaced } =
          event.type === 'progress'
            ? await this.previewFor(event.jobId, event.preview)
            : { preview: this.previews.get(event.jobId) };
        await this.showStatus(event.jobId, where, {
          mrkdwn: line,
          buttons: reply.buttons,
          imageFileId: preview?.fileId,
          imageAlt: 'preview',
        });
        if (replaced) await this.messenger.deleteFile(replaced);
        return;
      }
      case 'done':
        await this.showResult(event, where, reply.text);
        await this.updateStatusIfShown(event.jobId, {
          mrkdwn: `${escapeMrkdwn(firstLine(reply.text))} The result is below.`,
        });
        await this.dropPreview(event.jobId);
        return;
      case 'failed':
        // A new message, so the owner is notified; the status message loses its Cancel button.
        await this.messenger.post(where, { mrkdwn: line });
        await this.updateStatusIfShown(event.jobId, { mrkdwn: escapeMrkdwn(reply.text) });
        await this.dropPreview(event.jobId);
        this.core.markDelivered(event.jobId);
        return;
      case 'cancelled':
        await this.showStatus(event.jobId, where, { mrkdwn: line });
        await this.dropPreview(event.jobId);
        this.core.markDelivered(event.jobId);
        return;
    }
  }

  /** Edits the job's status message, or posts it the first time (also after a restart, the stored ref finds it). */
  private async showStatus(jobId: string, where: Where, content: MessageContent): Promise<void> {
    const status = this.statusMessage(jobId);
    if (status) return this.messenger.update(status.channelId, status.messageId, content);
    const ts = await this.messenger.post(where, content);
    this.core.recordMessage(jobId, {
      role: 'status',
      platform: 'slack',
      channelId: where.channelId,
      ...threadOf(where),
      messageId: ts,
    });
  }

  /** Final outcomes get their own message; the status message, if there is one, just loses its buttons and preview. */
  private async updateStatusIfShown(jobId: string, content: MessageContent): Promise<void> {
    const status = this.statusMessage(jobId);
    if (status) await this.messenger.update(status.channelId, status.messageId, content);
  }

  /**
   * "@ana Done (seed 5). “prompt”", then any further lines of the core's text (a working-size note). The result
   * image is shared into the thread by its upload (so everyone there sees it, whenever Slack finishes processing
   * it) with that text; its buttons follow in the next message. The buttons message is the job's recorded result
   * and names the file, so Delete removes both messages and the file.
   */
  private async showResult(event: Extract<JobEvent, { type: 'done' }>, where: Where, text: string): Promise<void> {
    const image = event.images[0];
    const reply = this.core.render(event);
    const prompt = this.core.getJob(event.jobId)?.prompt ?? '';
    const [first, ...more] = text.split('\n');
    const mrkdwn = [
      `${mention(event.owner.id)} ${escapeMrkdwn(first)} ${escapeMrkdwn(quote(prompt))}`,
      ...more.map(escapeMrkdwn),
    ].join('\n');
    const buttons = withCompareButton(reply.buttons ?? [], this.core.codec, event.jobId);
    const record = (ts: string) =>
      this.core.recordMessage(event.jobId, {
        role: 'result',
        platform: 'slack',
        channelId: where.channelId,
        ...threadOf(where),
        messageId: ts,
      });
    if (!image) return record(await this.messenger.post(where, { mrkdwn, buttons }));
    const bytes = await this.core.readImage(image);
    const shared = await this.messenger.shareImage(
      where,
      bytes,
      `rfedit-${event.jobId}.${EXTENSION[image.mime]}`,
      prompt || 'edited photo',
      mrkdwn,
    );
    record(await this.messenger.post(where, { mrkdwn: buttonsLine(shared), buttons, forFileIds: [shared.fileId] }));
  }

  private statusMessage(jobId: string): MessageRef | undefined {
    return this.core.getJob(jobId)?.messages.find((m) => m.role === 'status' && m.platform === 'slack');
  }

  /** A fresh preview at most every previewIntervalMs (each is a file upload); in between the last one stays. */
  /** `replaced` is the previous preview's file, to delete once the message shows the new one. */
  private async previewFor(
    jobId: string,
    bytes: Uint8Array | undefined,
  ): Promise<{ preview?: Preview; replaced?: string }> {
    const current = this.previews.get(jobId);
    if (!bytes || this.previewIntervalMs === 0) return { preview: current };
    if (current && Date.now() - current.uploadedAt < this.previewIntervalMs) return { preview: current };
    const preview = {
      fileId: await this.messenger.uploadImage(bytes, `rfedit-${jobId}-preview.png`, 'preview of the edit in progress'),
      uploadedAt: Date.now(),
    };
    this.previews.set(jobId, preview);
    return { preview, replaced: current?.fileId };
  }

  private async dropPreview(jobId: string): Promise<void> {
    const preview = this.previews.get(jobId);
    this.previews.delete(jobId);
    if (preview) await this.messenger.deleteFile(preview.fileId);
  }
}

function threadOf(where: Where): { threadId?: string } {
  return where.threadTs ? { threadId: where.threadTs } : {};
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0];
}
