/**
 * What every listener shares: the bot core, the options, the Web API calls, and the steps from a
 * Slack request to a command and back (who is asking, where the answer goes, how a reply is shown,
 * how errors reach the user).
 */
import type { types, webApi } from '@slack/bolt';
import { parseEditText, type BotCore, type CommandContext, type Reply } from '../../commands/index.ts';
import { userFailure } from '../../errors.ts';
import { accessRefusal } from './access.ts';
import { escapeMrkdwn } from './blocks.ts';
import { downloadSlackImage, type SlackFileRef } from './download.ts';
import type { SlackMessenger, Where } from './messenger.ts';
import type { ResolvedSlackBotOptions } from './options.ts';

export interface SlackAdapter {
  readonly core: BotCore;
  readonly options: ResolvedSlackBotOptions;
  readonly messenger: SlackMessenger;
  readonly client: webApi.WebClient;
}

/** Who is asking, from where; `threadTs` is where the job's messages go. */
export interface SlackRequest {
  readonly teamId: string | undefined;
  readonly channelId: string;
  readonly userId: string;
  readonly userName?: string;
  readonly threadTs?: string;
  /** The message that carried the request (mention, shortcut target, clicked message). */
  readonly messageTs?: string;
}

export function whereOf(request: SlackRequest): Where {
  return { channelId: request.channelId, ...(request.threadTs ? { threadTs: request.threadTs } : {}) };
}

/** null when allowed, else the refusal to show. */
export function refusalFor(adapter: SlackAdapter, request: SlackRequest): string | null {
  return accessRefusal(adapter.options, { teamId: request.teamId, channelId: request.channelId, userId: request.userId });
}

export function commandContext(request: SlackRequest): CommandContext {
  return {
    user: { platform: 'slack', id: request.userId, ...(request.userName ? { name: request.userName } : {}) },
    place: {
      platform: 'slack',
      ...(request.teamId ? { guildId: request.teamId } : {}),
      channelId: request.channelId,
      ...(request.threadTs ? { threadId: request.threadTs } : {}),
      ...(request.messageTs ? { messageId: request.messageTs } : {}),
    },
    // Slack sends no per-request admin flag; admins come from the config (moderation.admins) through the core.
    isAdmin: false,
  };
}

/**
 * Shows a command's reply. A queued job is shown by its events (the status message in the thread),
 * so its reply text is not posted a second time.
 */
export async function deliverReply(adapter: SlackAdapter, reply: Reply, request: SlackRequest): Promise<void> {
  for (const message of reply.deleteMessages ?? []) {
    if (message.platform === 'slack') await adapter.messenger.delete(message.channelId, message.messageId);
  }
  if (reply.ephemeral) return adapter.messenger.ephemeral(whereOf(request), request.userId, escapeMrkdwn(reply.text));
  if (reply.jobId === undefined) await adapter.messenger.post(whereOf(request), { mrkdwn: escapeMrkdwn(reply.text) });
}

/** Runs a listener's work; any error reaches the user as an ephemeral message, unknown ones with a reference id. */
export async function answeringErrors(adapter: SlackAdapter, request: SlackRequest, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    const failure = userFailure(error, { report: (err, referenceId) => adapter.options.logger.error({ err, referenceId }, 'Slack request failed') });
    await adapter.messenger.ephemeral(whereOf(request), request.userId, escapeMrkdwn(failure.userMessage));
  }
}

/** Refuses the request ephemerally when the allowlists say no; true when it may go on. */
export async function admitted(adapter: SlackAdapter, request: SlackRequest): Promise<boolean> {
  const refusal = refusalFor(adapter, request);
  if (refusal !== null) await adapter.messenger.ephemeral(whereOf(request), request.userId, refusal);
  return refusal === null;
}

/** Opens a modal (within 3 s of the trigger); if Slack refuses, the user hears why instead of nothing. */
export async function openModal(adapter: SlackAdapter, request: SlackRequest, triggerId: string, view: types.ModalView): Promise<void> {
  try {
    await adapter.client.views.open({ trigger_id: triggerId, view });
  } catch (error) {
    adapter.options.logger.warn({ err: error, callbackId: view.callback_id }, 'views.open failed');
    await adapter.messenger.ephemeral(whereOf(request), request.userId, 'Slack would not open the form (it may have taken too long). Please try again.');
  }
}

/** The shared end of all three entry points: photo from Slack, text with inline flags, one edit command. */
export async function runEdit(adapter: SlackAdapter, request: SlackRequest, edit: { file: SlackFileRef; text: string; strength?: number }): Promise<void> {
  const { prompt, options } = parseEditText(edit.text);
  const file = await withDownloadUrl(adapter, edit.file);
  const image = await downloadSlackImage(file, adapter.options);
  const reply = await adapter.core.dispatch(
    { kind: 'edit', image, prompt, options: { ...options, ...(edit.strength === undefined ? {} : { strength: edit.strength }) } },
    commandContext(request),
  );
  await deliverReply(adapter, reply, request);
}

/** Message payloads sometimes carry a file without its URLs; files.info has them. */
async function withDownloadUrl(adapter: SlackAdapter, file: SlackFileRef): Promise<SlackFileRef> {
  if (file.url_private || file.url_private_download || !file.id) return file;
  const info = await adapter.client.files.info({ file: file.id });
  return (info.file as SlackFileRef | undefined) ?? file;
}
