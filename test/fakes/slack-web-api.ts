/**
 * The Web API half of the fake Slack: `POST /api/<method>` (form-urlencoded, multipart or JSON), bearer tokens
 * checked, the file upload flow with an absolute upload URL, and `response_url` endpoints for `respond()`.
 */
import type { LoopbackServer, RecordedRequest, Reply } from './loopback-server.ts';
import { randomBytes } from 'node:crypto';
import { contentTypeFromName } from './mime.ts';
import { blocksProblems, viewProblems, type FileCheck } from './slack-limits.ts';
import { CHAT_WRITE_PUBLIC, SLACK_METHOD_SCOPES } from './slack-scopes.ts';
import type { SlackChannel, SlackFile, SlackMessage, SlackState, SlackUser } from './slack-state.ts';

export interface SlackRules {
  /** views.open refuses a trigger id older than this, as Slack does. @default 3_000 */
  readonly triggerLifetimeMs: number;
  /** An app must acknowledge a request within this, or Slack shows the user an error. @default 3_000 */
  readonly ackMs: number;
  /** A response_url works this long … @default 1_800_000 (30 min) */
  readonly responseUrlLifetimeMs: number;
  /** … and this many times. @default 5 */
  readonly responseUrlUses: number;
  /**
   * How long Slack takes to process a completed upload; until then an image block naming it is refused with
   * `invalid_blocks` / "invalid slack file" (reported against every Slack SDK, e.g. python-slack-sdk#1797). @default 0
   */
  readonly fileProcessingMs: number;
}

export const DEFAULT_SLACK_RULES: SlackRules = {
  triggerLifetimeMs: 3_000,
  ackMs: 3_000,
  responseUrlLifetimeMs: 1_800_000, // 30 min
  responseUrlUses: 5,
  fileProcessingMs: 0,
};

export interface SlackViolation {
  readonly rule:
    | 'expired_trigger_id'
    | 'invalid_trigger_id'
    | 'ack_late'
    | 'response_url_expired'
    | 'response_url_overused'
    | 'invalid_blocks'
    | 'invalid_view'
    | 'missing_scope';
  readonly detail: string;
  /** `seq` of the request that broke the rule; absent for a late ack (that is a response, not a request). */
  readonly requestSeq?: number;
}

export interface SlackApiContext {
  readonly server: LoopbackServer;
  readonly state: SlackState;
  readonly rules: SlackRules;
  readonly botToken: string;
  readonly appToken: string;
  readonly botUser: SlackUser;
  readonly botId: string;
  readonly appId: string;
  readonly violations: SlackViolation[];
  readonly socketModeUrl: () => string;
  /** The scopes the bot token was granted (reported in the X-OAuth-Scopes header of every response). */
  readonly scopes: readonly string[];
}

type Args = Record<string, unknown>;
type Method = (args: Args, req: RecordedRequest) => Args;

/** Thrown by a method to answer `{ ok: false, error }` with HTTP 200, as Slack does for most failures. */
class SlackMethodError extends Error {
  constructor(
    readonly code: string,
    readonly messages: string[] = [],
    readonly extra: Args = {},
  ) {
    super(code);
  }
}

/** Fields Slack's clients send as JSON strings inside a form body. */
const JSON_FIELDS = ['blocks', 'attachments', 'view', 'files', 'metadata'];

export function installSlackWebApi(ctx: SlackApiContext): void {
  const methods = slackMethods(ctx);
  ctx.server.route('POST', /^\/api\/([\w.]+)$/, (req, [name]) => callMethod(ctx, methods, name, req));
  ctx.server.route('POST', /^\/upload\/v1\/(\w+)$/, (req, [fileId]) => receiveUpload(ctx, req, fileId));
  ctx.server.route('POST', /^\/response\/(\w+)$/, (req, [id]) => respondVia(ctx, req, id));
}

/** respond(): ephemeral by default, `in_channel` posts, `replace_original` / `delete_original` change the source message. */
function respondVia(ctx: SlackApiContext, req: RecordedRequest, id: string): Reply {
  const { state } = ctx;
  const target = state.responseUrls.get(id);
  if (!target) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'no_service' };
  const ageMs = state.now() - target.issuedAtMs;
  if (ageMs > ctx.rules.responseUrlLifetimeMs) {
    ctx.violations.push({
      rule: 'response_url_expired',
      detail: `response_url used after ${ageMs} ms`,
      requestSeq: req.seq,
    });
    return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'expired_url' };
  }
  if (++target.uses > ctx.rules.responseUrlUses) {
    ctx.violations.push({
      rule: 'response_url_overused',
      detail: `response_url used ${target.uses} times`,
      requestSeq: req.seq,
    });
    return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'used_url' };
  }
  const args = argsOf(req);
  const source = target.messageTs === undefined ? undefined : state.message(target.channel, target.messageTs);
  if (args.delete_original === true && source) state.deleteMessage(source.channel, source.ts);
  else if (args.replace_original === true && source) {
    if (args.text !== undefined) source.text = String(args.text);
    if (args.blocks !== undefined) source.blocks = blocksOf(args).blocks;
  } else if (args.response_type === 'in_channel') {
    state.addMessage({
      channel: target.channel,
      text: String(args.text ?? ''),
      ...blocksOf(args),
      user: ctx.botUser.id,
      bot_id: ctx.botId,
      ...threadOf(args),
    });
  } else {
    state.ephemerals.push({
      channel: target.channel,
      user: target.user,
      text: args.text as string | undefined,
      ...blocksOf(args),
      ...threadOf(args),
      message_ts: state.ts(),
    });
  }
  return { status: 200, headers: { 'content-type': 'text/html' }, body: 'ok' };
}

/** What a call carried, whatever its encoding, with JSON-string fields parsed. */
export function argsOf(req: RecordedRequest): Args {
  const args: Args = { ...(req.json as Args | undefined), ...req.fields };
  for (const field of JSON_FIELDS) {
    const value = args[field];
    if (typeof value === 'string' && /^[[{]/.test(value)) args[field] = JSON.parse(value);
  }
  return args;
}

function callMethod(ctx: SlackApiContext, methods: Record<string, Method>, name: string, req: RecordedRequest): Reply {
  const args = argsOf(req);
  const token = req.headers.authorization?.replace(/^Bearer /, '') ?? (args.token as string | undefined);
  const isAppMethod = name === 'apps.connections.open';
  const expected = isAppMethod ? ctx.appToken : ctx.botToken;
  if (!token) return failed('not_authed');
  if (token !== expected)
    return failed(isAppMethod ? 'invalid_auth' : token.startsWith('xapp-') ? 'not_allowed_token_type' : 'invalid_auth');
  const method = methods[name];
  if (!method) return failed('unknown_method');
  // Every Web API response names the token's scopes and the ones the method accepts
  // (docs.slack.dev/authentication/tokens … "X-OAuth-Scopes" / "X-Accepted-OAuth-Scopes"; web-api reads them into response_metadata.scopes).
  const granted = isAppMethod ? ['connections:write'] : ctx.scopes;
  const needed = neededScope(ctx, name, args);
  const headers = { 'x-oauth-scopes': granted.join(','), 'x-accepted-oauth-scopes': needed ?? '' };
  if (needed && !granted.includes(needed)) {
    ctx.violations.push({ rule: 'missing_scope', detail: `${name} needs ${needed}`, requestSeq: req.seq });
    return { ...failed('missing_scope', [], { needed, provided: granted.join(',') }), headers };
  }
  try {
    return { status: 200, headers, body: { ok: true, ...method(args, req) } };
  } catch (error) {
    if (error instanceof SlackMethodError) return { ...failed(error.code, error.messages, error.extra), headers };
    throw error;
  }
}

/** The scope `name` needs from a bot token (slack-scopes.ts); per conversation kind for conversations.*. */
function neededScope(ctx: SlackApiContext, name: string, args: Args): string | null {
  const rule = SLACK_METHOD_SCOPES[name]?.scope ?? null;
  if (typeof rule !== 'function') return rule;
  const channel = ctx.state.channels.get(String(args.channel ?? ''));
  return channel ? rule(ctx.state.kindOf(channel)) : null;
}

/** Slack's error shape; validation problems also go in `errors` and as "[ERROR] …" lines in response_metadata.messages. */
function failed(code: string, messages: string[] = [], extra: Args = {}): Reply {
  const details =
    messages.length > 0
      ? { errors: messages, response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } }
      : {};
  return { status: 200, body: { ok: false, error: code, ...extra, ...details } };
}

/**
 * An image block's `slack_file` must name a file "the user posting these blocks" can access
 * (docs.slack.dev/reference/block-kit/composition-objects/slack-file-object), and one Slack has finished processing.
 * A file still processing is Slack's timing, not the bot's mistake, so it is refused without a violation.
 */
function fileCheck(ctx: SlackApiContext): FileCheck {
  return (id) => {
    if (!ctx.state.fileVisibleTo(id, ctx.botUser.id)) return 'refused';
    return ctx.state.fileProcessing(id) ? 'processing' : 'ok';
  };
}

/** Refuses blocks Slack would refuse, recording the violation so a test can see what broke. */
function checkBlocks(ctx: SlackApiContext, req: RecordedRequest, args: Args): void {
  const { problems, processing } = blocksProblems(args.blocks, 50, fileCheck(ctx));
  if (problems.length === 0) return;
  if (!processing) ctx.violations.push({ rule: 'invalid_blocks', detail: problems.join('; '), requestSeq: req.seq });
  throw new SlackMethodError('invalid_blocks', problems);
}

function checkView(ctx: SlackApiContext, req: RecordedRequest, view: unknown): void {
  const problems = viewProblems(view, fileCheck(ctx));
  if (problems.length === 0) return;
  ctx.violations.push({ rule: 'invalid_view', detail: problems.join('; '), requestSeq: req.seq });
  throw new SlackMethodError('invalid_arguments', problems);
}

function slackMethods(ctx: SlackApiContext): Record<string, Method> {
  const { state } = ctx;
  const channelOf = (args: Args, field = 'channel'): string => {
    const id = String(args[field] ?? '');
    if (!state.channels.has(id)) throw new SlackMethodError('channel_not_found');
    return id;
  };
  const messageOf = (args: Args, tsField = 'ts'): SlackMessage => {
    const message = state.message(channelOf(args), String(args[tsField] ?? ''));
    if (!message) throw new SlackMethodError('message_not_found');
    return message;
  };
  const bot = { user: ctx.botUser.id, bot_id: ctx.botId };
  const conversation = (args: Args): SlackChannel => state.channels.get(channelOf(args))!;
  /**
   * The bot posts in conversations it is a member of, and in public channels it has not joined only with
   * chat:write.public (docs.slack.dev/reference/scopes/chat.write.public). Elsewhere chat.postMessage answers
   * `not_in_channel` (public) or `channel_not_found`, because a private channel or a DM the bot is not in
   * does not exist for it (docs.slack.dev/reference/methods/chat.postMessage, Errors).
   */
  const mayPost = (channel: SlackChannel, publicWithoutJoining: boolean): void => {
    if (state.isMember(channel.id, ctx.botUser.id)) return;
    if (channel.is_private) throw new SlackMethodError('channel_not_found');
    if (!publicWithoutJoining || !ctx.scopes.includes(CHAT_WRITE_PUBLIC)) throw new SlackMethodError('not_in_channel');
  };
  /** Reading a conversation's messages needs membership too (docs.slack.dev/reference/methods/conversations.history, not_in_channel). */
  const mayRead = (channel: SlackChannel): void => {
    if (state.isMember(channel.id, ctx.botUser.id)) return;
    throw new SlackMethodError(channel.is_private ? 'channel_not_found' : 'not_in_channel');
  };

  return {
    'auth.test': () => ({
      url: 'https://fake.slack.com/',
      team: 'Fake Team',
      user: ctx.botUser.name,
      team_id: state.teamId,
      user_id: ctx.botUser.id,
      bot_id: ctx.botId,
      is_enterprise_install: false,
    }),
    'apps.connections.open': () => ({ url: ctx.socketModeUrl() }),

    'chat.postMessage': (args, req) => {
      // A user id as channel posts to the bot's DM with that user, as Slack allows.
      const dmUser = state.users.get(String(args.channel ?? ''));
      const channel = dmUser ? state.dmWith(dmUser).id : channelOf(args);
      mayPost(state.channels.get(channel)!, true);
      requireContent(args);
      checkBlocks(ctx, req, args);
      const message = state.addMessage({
        channel,
        text: String(args.text ?? ''),
        ...blocksOf(args),
        ...bot,
        ...threadOf(args),
      });
      return { channel, ts: message.ts, message };
    },
    'chat.update': (args, req) => {
      const message = messageOf(args);
      if (message.user !== ctx.botUser.id) throw new SlackMethodError('cant_update_message');
      checkBlocks(ctx, req, args);
      if (args.text !== undefined) message.text = String(args.text);
      if (args.blocks !== undefined) message.blocks = blocksOf(args).blocks;
      message.edited = { user: ctx.botUser.id, ts: state.ts() };
      return { channel: message.channel, ts: message.ts, text: message.text, message };
    },
    'chat.delete': (args) => {
      const message = messageOf(args);
      if (message.user !== ctx.botUser.id) throw new SlackMethodError('cant_delete_message');
      state.deleteMessage(message.channel, message.ts);
      return { channel: message.channel, ts: message.ts };
    },
    'chat.postEphemeral': (args, req) => {
      const channel = channelOf(args);
      // Both the bot and the recipient must be in the conversation: "user_not_in_channel: Intended recipient is not
      // in the specified channel"; for the bot "not_in_channel" / "no_permission … make sure your app is a member"
      // (docs.slack.dev/reference/methods/chat.postEphemeral, Errors). chat:write.public does not cover it.
      mayPost(state.channels.get(channel)!, false);
      requireContent(args);
      checkBlocks(ctx, req, args);
      if (!state.users.has(String(args.user))) throw new SlackMethodError('user_not_found');
      if (!state.isMember(channel, String(args.user))) throw new SlackMethodError('user_not_in_channel');
      const message_ts = state.ts();
      state.ephemerals.push({
        channel,
        user: String(args.user),
        text: args.text as string | undefined,
        ...blocksOf(args),
        ...threadOf(args),
        message_ts,
      });
      return { message_ts };
    },

    'views.open': (args, req) => {
      checkTrigger(ctx, req, String(args.trigger_id ?? ''));
      checkView(ctx, req, args.view);
      return { view: storeView(ctx, req, args.view as Args, String(args.trigger_id)) };
    },
    'views.push': (args, req) => {
      checkTrigger(ctx, req, String(args.trigger_id ?? ''));
      checkView(ctx, req, args.view);
      return { view: storeView(ctx, req, args.view as Args, String(args.trigger_id)) };
    },
    'views.update': (args, req) => {
      checkView(ctx, req, args.view);
      const stored = [...state.views.values()].find(
        (v) => v.id === args.view_id || (args.external_id !== undefined && v.view.external_id === args.external_id),
      );
      if (!stored) throw new SlackMethodError('not_found');
      stored.view = { ...stored.view, ...(args.view as Args) };
      return { view: stored.view };
    },

    'files.getUploadURLExternal': (args) => {
      if (!args.filename || !args.length) throw new SlackMethodError('invalid_arguments');
      const fileId = state.id('F');
      ctx.state.pendingUploads.set(fileId, {
        filename: String(args.filename),
        length: Number(args.length),
        alt_text: args.alt_text as string | undefined,
      });
      return { upload_url: `${ctx.server.origin}/upload/v1/${fileId}`, file_id: fileId };
    },
    'files.completeUploadExternal': (args, req) => {
      // Sharing a file is not posting a message: chat:write.public does not cover it, the bot must be a member
      // (the stricter reading; files.upload answered not_in_channel the same way, docs.slack.dev/reference/methods/files.upload).
      const shareTo = state.channels.get(String(args.channel_id ?? ''));
      if (shareTo) mayPost(shareTo, false);
      checkBlocks(ctx, req, args);
      return completeUploads(ctx, args);
    },
    'files.delete': (args) => {
      const file = state.file(String(args.file));
      if (!file) throw new SlackMethodError('file_not_found');
      if (file.user !== ctx.botUser.id) throw new SlackMethodError('cant_delete_file');
      state.deleteFile(file.id);
      return {};
    },
    'files.info': (args) => {
      const file = state.file(String(args.file));
      // A file the bot cannot see does not exist for it (docs.slack.dev/reference/methods/files.info, file_not_found).
      if (!file || !state.fileVisibleTo(file.id, ctx.botUser.id)) throw new SlackMethodError('file_not_found');
      return { file: { ...file, ...sharesOf(state, file.id) } };
    },

    'conversations.info': (args) => {
      const channel = conversation(args);
      const isMember = state.isMember(channel.id, ctx.botUser.id);
      if (channel.is_private && !isMember) throw new SlackMethodError('channel_not_found');
      return {
        channel: {
          ...channel,
          is_channel: !channel.is_im && !channel.is_mpim,
          is_group: channel.is_private && !channel.is_im && !channel.is_mpim,
          is_member: isMember,
          is_archived: false,
        },
      };
    },
    'conversations.history': (args) => {
      mayRead(conversation(args));
      const channel = channelOf(args);
      const inRange = (m: SlackMessage) => m.channel === channel && (!m.thread_ts || m.thread_ts === m.ts);
      return { messages: window(state.messages.filter(inRange), args).reverse(), has_more: false };
    },
    'conversations.replies': (args) => {
      mayRead(conversation(args));
      const channel = channelOf(args);
      const thread = String(args.ts);
      const inThread = (m: SlackMessage) => m.channel === channel && (m.ts === thread || m.thread_ts === thread);
      return { messages: window(state.messages.filter(inThread), args), has_more: false };
    },

    'reactions.add': (args) => {
      const message = messageOf(args, 'timestamp');
      const name = String(args.name);
      const reaction = message.reactions?.find((r) => r.name === name);
      if (reaction?.users.includes(ctx.botUser.id)) throw new SlackMethodError('already_reacted');
      if (reaction) {
        reaction.users.push(ctx.botUser.id);
        reaction.count++;
      } else message.reactions = [...(message.reactions ?? []), { name, users: [ctx.botUser.id], count: 1 }];
      return {};
    },
    'reactions.remove': (args) => {
      const message = messageOf(args, 'timestamp');
      const reaction = message.reactions?.find((r) => r.name === args.name && r.users.includes(ctx.botUser.id));
      if (!reaction) throw new SlackMethodError('no_reaction');
      reaction.users = reaction.users.filter((u) => u !== ctx.botUser.id);
      reaction.count--;
      message.reactions = message.reactions?.filter((r) => r.count > 0);
      return {};
    },

    // Public channels only; a private one needs an invitation (docs.slack.dev/reference/methods/conversations.join,
    // method_not_supported_for_channel_type).
    'conversations.join': (args) => {
      const channel = conversation(args);
      if (channel.is_private)
        throw new SlackMethodError(
          channel.is_im || channel.is_mpim || state.isMember(channel.id, ctx.botUser.id)
            ? 'method_not_supported_for_channel_type'
            : 'channel_not_found',
        );
      state.members.get(channel.id)!.add(ctx.botUser.id);
      return { channel: { ...channel, is_member: true } };
    },
    'conversations.open': (args) => {
      const userId = String(args.users ?? '').split(',')[0] ?? '';
      const user = state.users.get(userId);
      if (!user) throw new SlackMethodError('user_not_found');
      return { channel: { id: state.dmWith(user).id } };
    },
    'chat.getPermalink': (args) => {
      const message = messageOf(args, 'message_ts');
      return {
        channel: message.channel,
        permalink: `https://fake.slack.com/archives/${message.channel}/p${message.ts.replace('.', '')}`,
      };
    },

    'users.info': (args) => {
      const user = state.users.get(String(args.user));
      if (!user) throw new SlackMethodError('user_not_found');
      return {
        user: {
          ...user,
          real_name: user.name,
          deleted: false,
          profile: { display_name: user.name, real_name: user.name },
        },
      };
    },
  };
}

function receiveUpload(ctx: SlackApiContext, req: RecordedRequest, fileId: string): Reply {
  const pending = ctx.state.pendingUploads.get(fileId);
  if (!pending) return { status: 404, body: 'unknown upload' };
  // web-api sends one multipart part named "body"; curl-style uploads send the raw bytes.
  pending.data = req.files[0]?.data ?? req.rawBody;
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: `OK - ${pending.data.length}` };
}

function completeUploads(ctx: SlackApiContext, args: Args): Args {
  const { state } = ctx;
  const entries = (args.files as Array<{ id: string; title?: string }> | undefined) ?? [];
  if (entries.length === 0) throw new SlackMethodError('invalid_arguments');
  const files: SlackFile[] = entries.map(({ id, title }) => {
    const pending = state.pendingUploads.get(id);
    if (!pending?.data) throw new SlackMethodError('file_not_found');
    state.pendingUploads.delete(id);
    const mimetype = contentTypeFromName(pending.filename);
    const readyAtMs = state.now() + ctx.rules.fileProcessingMs;
    return state.addFile(
      pending.data,
      {
        name: pending.filename,
        title: title ?? pending.filename,
        mimetype,
        user: ctx.botUser.id,
        alt_txt: pending.alt_text,
        readyAtMs,
      },
      id,
    );
  });
  const channel = (args.channel_id as string | undefined) ?? (args.channels as string | undefined)?.split(',')[0];
  if (channel !== undefined) {
    if (!state.channels.has(channel)) throw new SlackMethodError('channel_not_found');
    // Sharing a file into a conversation is a message from the bot carrying the files. The response does not name
    // that message (docs.slack.dev/reference/methods/files.completeUploadExternal, response example: files only).
    state.addMessage({
      channel,
      text: String(args.initial_comment ?? ''),
      ...blocksOf(args),
      user: ctx.botUser.id,
      bot_id: ctx.botId,
      files,
      ...threadOf(args),
    });
  }
  return { files };
}

/**
 * files.info's `channels` / `groups` / `ims` and `shares` ({ public | private: { channel: [{ ts, thread_ts }] } }).
 * While Slack is still processing an upload they are empty: the share is not done yet
 * (node-slack-sdk#1620: files.info right after completeUploadExternal shows no shares).
 */
function sharesOf(state: SlackState, fileId: string): Args {
  const lists = { channels: [] as string[], groups: [] as string[], ims: [] as string[] };
  const shares: { public: Args; private: Args } = { public: {}, private: {} };
  if (state.fileProcessing(fileId)) return { ...lists, shares };
  for (const [id, messages] of state.sharesOf(fileId)) {
    const channel = state.channels.get(id);
    if (!channel) continue;
    lists[channel.is_im ? 'ims' : channel.is_private ? 'groups' : 'channels'].push(id);
    shares[channel.is_private ? 'private' : 'public'][id] = messages.map((m) => ({
      ...m,
      channel_name: channel.name,
      team_id: state.teamId,
    }));
  }
  return { ...lists, shares };
}

function storeView(ctx: SlackApiContext, req: RecordedRequest, view: Args, trigger: string): Args {
  const id = ctx.state.id('V');
  const full = {
    ...view,
    id,
    team_id: ctx.state.teamId,
    app_id: ctx.appId,
    bot_id: ctx.botId,
    hash: `${Date.now()}.${id}`,
    state: { values: {} },
    previous_view_id: null,
    root_view_id: id,
  };
  ctx.state.views.set(id, { id, trigger_id: trigger, view: full, opened_by_call: req.seq });
  return full;
}

function checkTrigger(ctx: SlackApiContext, req: RecordedRequest, trigger: string): void {
  const issuedAt = ctx.state.triggerIssuedAt(trigger);
  if (issuedAt === undefined) {
    ctx.violations.push({
      rule: 'invalid_trigger_id',
      detail: `views call with trigger ${trigger || '(none)'}`,
      requestSeq: req.seq,
    });
    throw new SlackMethodError('invalid_trigger_id');
  }
  const ageMs = ctx.state.now() - issuedAt;
  if (ageMs > ctx.rules.triggerLifetimeMs) {
    ctx.violations.push({
      rule: 'expired_trigger_id',
      detail: `trigger used after ${ageMs} ms (limit ${ctx.rules.triggerLifetimeMs} ms)`,
      requestSeq: req.seq,
    });
    throw new SlackMethodError('expired_trigger_id');
  }
}

function requireContent(args: Args): void {
  if (args.text === undefined && args.blocks === undefined && args.attachments === undefined)
    throw new SlackMethodError('no_text');
}

/** Slack gives every stored block a block_id, and block_actions payloads carry it back. */
function blocksOf(args: Args): { blocks?: unknown[] } {
  if (!Array.isArray(args.blocks)) return {};
  return {
    blocks: args.blocks.map((block: Args, i: number) => ({
      ...block,
      block_id: block.block_id ?? `b${i}-${randomBytes(3).toString('hex')}`,
    })),
  };
}

function threadOf(args: Args): { thread_ts?: string } {
  return args.thread_ts === undefined || args.thread_ts === '' ? {} : { thread_ts: String(args.thread_ts) };
}

function window(messages: SlackMessage[], args: Args): SlackMessage[] {
  const inclusive = args.inclusive === true || args.inclusive === 'true' || args.inclusive === '1';
  const latest = args.latest === undefined ? undefined : String(args.latest);
  const oldest = args.oldest === undefined ? undefined : String(args.oldest);
  const limit = Number(args.limit ?? 100);
  return messages
    .filter((m) => latest === undefined || (inclusive ? m.ts <= latest : m.ts < latest))
    .filter((m) => oldest === undefined || (inclusive ? m.ts >= oldest : m.ts > oldest))
    .slice(0, limit);
}
