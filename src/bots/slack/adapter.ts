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
import { downloadSlackImage, imageFiles, type SlackFileRef } from './download.ts';
import { slackErrorCode, type SlackMessenger, type Where } from './messenger.ts';
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
  /** Slash commands, shortcuts and buttons carry one: it reaches the user privately where the bot cannot post. */
  readonly responseUrl?: string;
}

/** A submitted form's request: who submitted it, and where the form's metadata says it was opened. */
export function formRequest(
  view: { team_id: string },
  body: { team?: { id: string } | null; user: { id: string; name: string } },
  meta: { channelId: string; responseUrl?: string },
  where: Pick<SlackRequest, 'threadTs' | 'messageTs'> = {},
): SlackRequest {
  return {
    teamId: body.team?.id ?? view.team_id,
    channelId: meta.channelId,
    userId: body.user.id,
    userName: body.user.name,
    ...where,
    responseUrl: meta.responseUrl,
  };
}

/** A private note to the requester, by whichever way reaches them (see SlackMessenger.ephemeral). */
export function tellPrivately(adapter: SlackAdapter, request: SlackRequest, mrkdwn: string): Promise<void> {
  return adapter.messenger.ephemeral(whereOf(request), request.userId, mrkdwn, request.responseUrl);
}

export function whereOf(request: SlackRequest): Where {
  return { channelId: request.channelId, ...(request.threadTs ? { threadTs: request.threadTs } : {}) };
}

/** null when allowed, else the refusal to show. */
export function refusalFor(adapter: SlackAdapter, request: SlackRequest): string | null {
  return accessRefusal(adapter.options, {
    teamId: request.teamId,
    channelId: request.channelId,
    userId: request.userId,
  });
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
  if (reply.ephemeral) return tellPrivately(adapter, request, escapeMrkdwn(reply.text));
  if (reply.jobId === undefined) await adapter.messenger.post(whereOf(request), { mrkdwn: escapeMrkdwn(reply.text) });
}

/** Runs a listener's work; any error reaches the user as an ephemeral message, unknown ones with a reference id. */
export async function answeringErrors(
  adapter: SlackAdapter,
  request: SlackRequest,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (cannotPostHere(error)) return tellPrivately(adapter, request, CANNOT_POST_HERE_MESSAGE);
    const failure = userFailure(error, {
      report: (err, referenceId) => adapter.options.logger.error({ err, referenceId }, 'Slack request failed'),
    });
    await tellPrivately(adapter, request, escapeMrkdwn(failure.userMessage));
  }
}

/** Refuses the request ephemerally when the allowlists say no; true when it may go on. */
export async function admitted(adapter: SlackAdapter, request: SlackRequest): Promise<boolean> {
  const refusal = refusalFor(adapter, request);
  if (refusal !== null) await tellPrivately(adapter, request, refusal);
  return refusal === null;
}

/** Opens a modal (within 3 s of the trigger); if Slack refuses, the user hears why instead of nothing. */
export async function openModal(
  adapter: SlackAdapter,
  request: SlackRequest,
  triggerId: string,
  view: types.ModalView,
): Promise<void> {
  try {
    await adapter.client.views.open({ trigger_id: triggerId, view });
  } catch (error) {
    adapter.options.logger.warn({ err: error, callbackId: view.callback_id }, 'views.open failed');
    await tellPrivately(
      adapter,
      request,
      'Slack would not open the form (it may have taken too long). Please try again.',
    );
  }
}

/** The shared end of all three entry points: photo from Slack, text with inline flags, one edit command. */
export async function runEdit(
  adapter: SlackAdapter,
  request: SlackRequest,
  edit: { file: SlackFileRef; text: string; strength?: number },
): Promise<void> {
  const { prompt, options } = parseEditText(edit.text);
  // Message payloads sometimes carry a file without its URLs; files.info has them.
  const file = needsFileInfo(edit.file) ? await withFileInfo(adapter, edit.file) : edit.file;
  const image = await downloadSlackImage(file, adapter.options);
  const reply = await adapter.core.dispatch(
    {
      kind: 'edit',
      image,
      prompt,
      options: { ...options, ...(edit.strength === undefined ? {} : { strength: edit.strength }) },
    },
    commandContext(request),
  );
  await deliverReply(adapter, reply, request);
}

/**
 * The image files among a message's files. Slack Connect files arrive as `file_access: "check_file_info"` with
 * no mimetype or URLs (docs.slack.dev/reference/events/message/file_share), so those are completed with
 * files.info before anything is filtered on their type.
 */
export async function imageFilesOf(
  adapter: SlackAdapter,
  files: readonly SlackFileRef[] | undefined,
): Promise<SlackFileRef[]> {
  const complete = await Promise.all(
    (files ?? []).map((file) => (needsFileInfo(file) ? withFileInfo(adapter, file) : file)),
  );
  return imageFiles(complete);
}

function needsFileInfo(file: SlackFileRef & { file_access?: string }): boolean {
  return (
    file.file_access === 'check_file_info' ||
    file.mimetype === undefined ||
    !(file.url_private || file.url_private_download)
  );
}

async function withFileInfo(adapter: SlackAdapter, file: SlackFileRef): Promise<SlackFileRef> {
  if (!file.id) return file;
  return (await adapter.messenger.fileInfo(file.id)) ?? file;
}

/** Slack answers not_in_channel / channel_not_found where the bot is not a member; the user hears what to do. */
const CANNOT_POST_HERE_MESSAGE =
  'I cannot post in this conversation because I am not a member of it. Invite me with `/invite @rfedit` (or ask a channel member to), or use me in a channel I am in.';

function cannotPostHere(error: unknown): boolean {
  const code = slackErrorCode(error);
  return code === 'not_in_channel' || code === 'channel_not_found';
}
