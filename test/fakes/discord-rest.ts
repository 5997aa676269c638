/**
 * The REST half of the fake Discord (/api/v10): interaction callbacks and webhooks, channel messages, threads,
 * reactions, command registration, and the rules a bot can break (3 s to answer, 15 min tokens, upload limit).
 */
import {
  ChannelType,
  InteractionResponseType,
  MessageFlags,
  PermissionFlagsBits,
  RESTJSONErrorCodes,
  type APIApplicationCommand,
  type APIChannel,
  type APIMessage,
  type APIUser,
} from 'discord-api-types/v10';
import type { InteractionRegistry, FakeInteraction } from './discord-interactions.ts';
import { messageProblems, modalProblems, threadNameProblems } from './discord-limits.ts';
import { asSeenByApp } from './discord-message-content.ts';
import { isThread, permissionNames } from './discord-permissions.ts';
import { isDmChannel, LOADING_FLAG, uploadLimitForTier, type DiscordState } from './discord-state.ts';
import type { LoopbackServer, RecordedRequest, Reply } from './loopback-server.ts';

export interface DiscordRules {
  /** Discord drops an interaction that gets no initial response within this time. @default 3_000 */
  readonly initialResponseMs: number;
  /** Interaction tokens (webhook edits, follow-ups) stop working after this. @default 900_000 (15 min) */
  readonly tokenLifetimeMs: number;
  /**
   * Per-file upload limit of messages posted with the bot token in an unboosted server (tier 0–1) and in DMs;
   * boost tier 2 raises it to 50 MiB and tier 3 to 100 MiB. Interactions carry their own (`attachment_size_limit`,
   * which also counts the user's Nitro). @default 10 MiB
   */
  readonly uploadLimitBytes: number;
  /** The app holds the privileged Message Content intent (approved in the Developer Portal). @default false */
  readonly messageContentIntent: boolean;
  /** Discord closes a session with 4011 "Sharding required" when it would hold more guilds than this. @default 2500 */
  readonly maxGuildsPerShard: number;
  /** `GET /gateway/bot` recommends one shard per this many guilds. @default 1000 */
  readonly guildsPerRecommendedShard: number;
}

export type ViolatedRule =
  | 'initial_response_late'
  | 'interaction_already_acknowledged'
  | 'interaction_token_expired'
  | 'upload_too_large'
  | 'invalid_form_body'
  | 'unknown_interaction'
  | 'missing_access'
  | 'missing_permissions'
  | 'unknown_message';

export interface RuleViolation {
  readonly rule: ViolatedRule;
  readonly detail: string;
  /** `seq` of the request that broke the rule. */
  readonly requestSeq: number;
}

export interface RegisteredCommands {
  global: APIApplicationCommand[];
  readonly byGuild: Map<string, APIApplicationCommand[]>;
}

export interface DiscordRestContext {
  readonly server: LoopbackServer;
  readonly state: DiscordState;
  readonly interactions: InteractionRegistry;
  readonly rules: DiscordRules;
  readonly token: string;
  readonly applicationId: string;
  readonly botUser: APIUser;
  readonly violations: RuleViolation[];
  readonly commands: RegisteredCommands;
  readonly gatewayUrl: () => string;
}

type MessageBody = Partial<APIMessage> & {
  attachments?: Array<{ id: string | number; filename?: string; description?: string }>;
  message_reference?: { message_id?: string; channel_id?: string };
};

const API = '/api/v10';
const SNOWFLAKE = '(\\d+)';

export function installDiscordRest(ctx: DiscordRestContext): void {
  const { server } = ctx;
  const route = (
    method: string,
    path: string,
    handle: (req: RecordedRequest, params: string[]) => Reply | Promise<Reply>,
  ) => server.route(method, new RegExp(`^${API}${path}$`), handle);
  const authed =
    (handle: (req: RecordedRequest, params: string[]) => Reply | Promise<Reply>) =>
    (req: RecordedRequest, params: string[]) =>
      req.headers.authorization === `Bot ${ctx.token}` ? handle(req, params) : error(401, 0, '401: Unauthorized');

  route(
    'GET',
    '/gateway/bot',
    authed(() => ok(gatewayInfo(ctx))),
  );
  route('GET', '/gateway', () => ok({ url: ctx.gatewayUrl() }));
  route(
    'GET',
    '/users/@me',
    authed(() => ok(ctx.botUser)),
  );
  route(
    'GET',
    `/users/${SNOWFLAKE}`,
    authed((_, [id]) => found(ctx.state.users.get(id), RESTJSONErrorCodes.UnknownUser, 'Unknown User')),
  );
  route(
    'POST',
    '/users/@me/channels',
    authed((req) => {
      const recipient = ctx.state.users.get(String((req.json as { recipient_id: string }).recipient_id));
      return recipient
        ? ok(ctx.state.dmChannel(recipient))
        : error(404, RESTJSONErrorCodes.UnknownUser, 'Unknown User');
    }),
  );

  route('POST', `/interactions/${SNOWFLAKE}/([^/]+)/callback`, (req, [id, token]) =>
    interactionCallback(ctx, req, id, token),
  );
  route('GET', `/webhooks/${SNOWFLAKE}/([^/]+)/messages/([^/]+)`, (req, [app, token, mid]) =>
    withWebhook(ctx, req, app, token, (i) =>
      found(ctx.state.message(messageIdOf(i, mid) ?? ''), RESTJSONErrorCodes.UnknownMessage, 'Unknown Message'),
    ),
  );
  route('PATCH', `/webhooks/${SNOWFLAKE}/([^/]+)/messages/([^/]+)`, (req, [app, token, mid]) =>
    withWebhook(ctx, req, app, token, (i) => {
      if (mid === '@original') i.awaitingFirstFollowUp = false;
      return editMessage(ctx, req, messageIdOf(i, mid), i.payload.attachment_size_limit);
    }),
  );
  route('DELETE', `/webhooks/${SNOWFLAKE}/([^/]+)/messages/([^/]+)`, (req, [app, token, mid]) =>
    withWebhook(ctx, req, app, token, (i) => deleteMessage(ctx, messageIdOf(i, mid))),
  );
  route('POST', `/webhooks/${SNOWFLAKE}/([^/]+)`, (req, [app, token]) =>
    withWebhook(ctx, req, app, token, (i) => followUp(ctx, req, i)),
  );

  // Guild channel routes check the bot's permissions in that channel first (see `refusal`).
  const { ReadMessageHistory, ManageMessages, AddReactions, AttachFiles } = PermissionFlagsBits;
  route(
    'GET',
    `/channels/${SNOWFLAKE}`,
    authed(
      (req, [id]) =>
        refusal(ctx, req, id, 0n, 'see the channel') ??
        found(ctx.state.channels.get(id), RESTJSONErrorCodes.UnknownChannel, 'Unknown Channel'),
    ),
  );
  route(
    'GET',
    `/channels/${SNOWFLAKE}/messages`,
    authed((req, [cid]) => refusal(ctx, req, cid, 0n, 'list messages') ?? listMessages(ctx, req, cid)),
  );
  route(
    'POST',
    `/channels/${SNOWFLAKE}/messages`,
    authed((req, [cid]) => postChannelMessage(ctx, req, cid)),
  );
  // "Get Channel Message": "requires the current user to have the VIEW_CHANNEL and READ_MESSAGE_HISTORY permissions";
  // Discord answers a fetch without history as Missing Access.
  route(
    'GET',
    `/channels/${SNOWFLAKE}/messages/${SNOWFLAKE}`,
    authed(
      (req, [cid, mid]) =>
        refusal(ctx, req, cid, 0n, 'read a message', ReadMessageHistory) ??
        found(visibleMessage(ctx, cid, mid), RESTJSONErrorCodes.UnknownMessage, 'Unknown Message'),
    ),
  );
  route(
    'PATCH',
    `/channels/${SNOWFLAKE}/messages/${SNOWFLAKE}`,
    authed((req, [cid, mid]) => {
      const message = messageInChannel(ctx, cid, mid);
      if (!message) return refusal(ctx, req, cid, 0n, 'edit a message') ?? unknownMessage();
      // "Edit Message": content, embeds, flags and components "can be edited by the original message author".
      if (message.author.id !== ctx.botUser.id)
        return error(
          403,
          RESTJSONErrorCodes.CannotEditMessageAuthoredByAnotherUser,
          'Cannot edit a message authored by another user',
        );
      return (
        refusal(ctx, req, cid, req.files.length > 0 ? AttachFiles : 0n, 'edit its message') ??
        editMessage(ctx, req, mid, channelUploadLimit(ctx, cid))
      );
    }),
  );
  route(
    'DELETE',
    `/channels/${SNOWFLAKE}/messages/${SNOWFLAKE}`,
    authed((req, [cid, mid]) => {
      const message = messageInChannel(ctx, cid, mid);
      // "Delete Message": another user's message needs MANAGE_MESSAGES.
      const needed = message && message.author.id !== ctx.botUser.id ? ManageMessages : 0n;
      return (
        refusal(ctx, req, cid, needed, 'delete a message') ?? (message ? deleteMessage(ctx, mid) : unknownMessage())
      );
    }),
  );
  route(
    'POST',
    `/channels/${SNOWFLAKE}/messages/${SNOWFLAKE}/threads`,
    authed((req, [cid, mid]) => threadFromMessage(ctx, req, cid, mid)),
  );
  route(
    'POST',
    `/channels/${SNOWFLAKE}/threads`,
    authed((req, [cid]) => threadWithoutMessage(ctx, req, cid)),
  );

  const reactions = `/channels/${SNOWFLAKE}/messages/${SNOWFLAKE}/reactions`;
  // "Create Reaction" needs READ_MESSAGE_HISTORY, and ADD_REACTIONS for an emoji nobody used yet; removing
  // someone else's reaction needs MANAGE_MESSAGES ("Delete User Reaction", "Delete All Reactions").
  const newEmoji = (mid: string, emoji: string) =>
    !ctx.state.reactions(mid).some((r) => (r.emoji.id ? `${r.emoji.name}:${r.emoji.id}` : r.emoji.name) === emoji);
  route(
    'PUT',
    `${reactions}/([^/]+)/@me`,
    authed(
      (req, [cid, mid, emoji]) =>
        refusal(ctx, req, cid, ReadMessageHistory | (newEmoji(mid, emoji) ? AddReactions : 0n), 'react') ??
        reactionChange(ctx, cid, mid, () => ctx.state.react(mid, emoji, ctx.botUser.id)),
    ),
  );
  route(
    'DELETE',
    `${reactions}/([^/]+)/@me`,
    authed(
      (req, [cid, mid, emoji]) =>
        refusal(ctx, req, cid, 0n, 'remove its reaction') ??
        reactionChange(ctx, cid, mid, () => ctx.state.unreact(mid, emoji, ctx.botUser.id)),
    ),
  );
  route(
    'DELETE',
    `${reactions}/([^/]+)/${SNOWFLAKE}`,
    authed(
      (req, [cid, mid, emoji, uid]) =>
        refusal(ctx, req, cid, ManageMessages, 'remove a reaction') ??
        reactionChange(ctx, cid, mid, () => ctx.state.unreact(mid, emoji, uid)),
    ),
  );
  route(
    'DELETE',
    `${reactions}/([^/]+)`,
    authed(
      (req, [cid, mid, emoji]) =>
        refusal(ctx, req, cid, ManageMessages, 'remove reactions') ??
        reactionChange(ctx, cid, mid, () => ctx.state.unreact(mid, emoji, undefined)),
    ),
  );
  route(
    'DELETE',
    reactions,
    authed(
      (req, [cid, mid]) =>
        refusal(ctx, req, cid, ManageMessages, 'remove reactions') ??
        reactionChange(ctx, cid, mid, () => ctx.state.unreact(mid, undefined, undefined)),
    ),
  );
  route(
    'GET',
    `${reactions}/([^/]+)`,
    authed(
      (req, [cid, mid, emoji]) =>
        refusal(ctx, req, cid, ReadMessageHistory, 'list reactions') ?? ok(reactionUsers(ctx, mid, emoji)),
    ),
  );

  // What `rfedit doctor` reads: "Get Current Application", "Get Current User Guilds", "Get Guild", "Get Guild
  // Channels" ("Does not include threads").
  route(
    'GET',
    '/applications/@me',
    authed(() =>
      ok({ id: ctx.applicationId, name: ctx.botUser.username, bot: ctx.botUser, flags: 0, description: '' }),
    ),
  );
  route(
    'GET',
    '/users/@me/guilds',
    authed(() =>
      ok(
        [...ctx.state.guilds.values()].map((g) => ({
          id: g.id,
          name: g.name,
          icon: null,
          owner: false,
          permissions: '0',
          features: [],
        })),
      ),
    ),
  );
  route(
    'GET',
    `/guilds/${SNOWFLAKE}`,
    authed((_, [gid]) => {
      const guild = ctx.state.guilds.get(gid);
      return guild
        ? ok({
            id: guild.id,
            name: guild.name,
            owner_id: guild.ownerId,
            roles: guild.roles,
            premium_tier: guild.premiumTier,
            features: [],
          })
        : error(404, RESTJSONErrorCodes.UnknownGuild, 'Unknown Guild');
    }),
  );
  route(
    'GET',
    `/guilds/${SNOWFLAKE}/channels`,
    authed((_, [gid]) =>
      ctx.state.guilds.has(gid)
        ? ok([...ctx.state.channels.values()].filter((c) => 'guild_id' in c && c.guild_id === gid && !isThread(c)))
        : error(404, RESTJSONErrorCodes.UnknownGuild, 'Unknown Guild'),
    ),
  );
  route(
    'GET',
    `/guilds/${SNOWFLAKE}/members/${SNOWFLAKE}`,
    authed((_, [gid, uid]) =>
      found(ctx.state.guilds.get(gid)?.members.get(uid), RESTJSONErrorCodes.UnknownMember, 'Unknown Member'),
    ),
  );

  const registerCommands = (req: RecordedRequest, guildId?: string): Reply => {
    const commands = ((req.json as Array<Partial<APIApplicationCommand>>) ?? []).map((c) =>
      registeredCommand(ctx, c, guildId),
    );
    if (guildId === undefined) ctx.commands.global = commands;
    else ctx.commands.byGuild.set(guildId, commands);
    return ok(commands);
  };
  route(
    'PUT',
    `/applications/${SNOWFLAKE}/commands`,
    authed((req) => registerCommands(req)),
  );
  route(
    'PUT',
    `/applications/${SNOWFLAKE}/guilds/${SNOWFLAKE}/commands`,
    authed((req, [, gid]) => registerCommands(req, gid)),
  );
  route(
    'GET',
    `/applications/${SNOWFLAKE}/commands`,
    authed(() => ok(ctx.commands.global)),
  );
  route(
    'GET',
    `/applications/${SNOWFLAKE}/guilds/${SNOWFLAKE}/commands`,
    authed((_, [, gid]) => ok(ctx.commands.byGuild.get(gid) ?? [])),
  );
}

/** "Get Gateway Bot" (events/gateway.mdx): the URL, the recommended number of shards, the session start limits. */
function gatewayInfo(ctx: DiscordRestContext) {
  return {
    url: ctx.gatewayUrl(),
    shards: Math.max(1, Math.ceil(ctx.state.guilds.size / ctx.rules.guildsPerRecommendedShard)),
    session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
  };
}

// ── interactions ─────────────────────────────────────────────────────────────────────────────────────────────

function interactionCallback(ctx: DiscordRestContext, req: RecordedRequest, id: string, token: string): Reply {
  const interaction = ctx.interactions.get(id);
  if (!interaction || interaction.token !== token) {
    violate(ctx, req, 'unknown_interaction', `callback for unknown interaction ${id}`);
    return error(404, RESTJSONErrorCodes.UnknownInteraction, 'Unknown interaction');
  }
  if (interaction.response) {
    violate(
      ctx,
      req,
      'interaction_already_acknowledged',
      `second callback (type ${bodyOf(req).type}) for interaction ${id}`,
    );
    return error(
      400,
      RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged,
      'Interaction has already been acknowledged.',
    );
  }
  const elapsedMs = ctx.state.now() - interaction.createdAtMs;
  if (elapsedMs > ctx.rules.initialResponseMs) {
    // Real Discord has already shown "The application did not respond" and forgotten the interaction.
    violate(
      ctx,
      req,
      'initial_response_late',
      `interaction ${id} answered after ${elapsedMs} ms (limit ${ctx.rules.initialResponseMs} ms)`,
    );
    return error(404, RESTJSONErrorCodes.UnknownInteraction, 'Unknown interaction');
  }
  const body = bodyOf(req) as { type: InteractionResponseType; data?: MessageBody & { flags?: number } };
  const refused =
    oversizedUpload(ctx, req, interaction.payload.attachment_size_limit) ??
    invalidForm(ctx, req, callbackProblems(body, req.files.length));
  if (refused) return refused;
  interaction.response = { type: body.type, data: body.data, atMs: ctx.state.now() };
  const message = applyCallback(ctx, req, interaction, body);
  if (req.query.get('with_response') === 'true') {
    return ok({
      interaction: {
        id,
        type: interaction.payload.type,
        response_message_id: message?.id,
        response_message_loading: body.type === InteractionResponseType.DeferredChannelMessageWithSource,
        response_message_ephemeral: Boolean((message?.flags ?? 0) & MessageFlags.Ephemeral),
      },
      ...(message ? { resource: { type: body.type, message } } : {}),
    });
  }
  // A 204 carrying a JSON content type makes @discordjs/rest parse an empty body and throw.
  return { status: 204 };
}

function callbackProblems(
  body: { type: InteractionResponseType; data?: Record<string, unknown> },
  fileCount: number,
): string[] {
  if (body.type === InteractionResponseType.Modal) return modalProblems(body.data ?? {});
  const carriesMessage =
    body.type === InteractionResponseType.ChannelMessageWithSource ||
    body.type === InteractionResponseType.UpdateMessage;
  return carriesMessage ? messageProblems(body.data ?? {}, fileCount) : [];
}

function applyCallback(
  ctx: DiscordRestContext,
  req: RecordedRequest,
  interaction: FakeInteraction,
  body: { type: InteractionResponseType; data?: MessageBody & { flags?: number } },
): APIMessage | undefined {
  const data = body.data ?? {};
  switch (body.type) {
    case InteractionResponseType.ChannelMessageWithSource:
    case InteractionResponseType.DeferredChannelMessageWithSource: {
      const loading = body.type === InteractionResponseType.DeferredChannelMessageWithSource ? LOADING_FLAG : 0;
      const message = interactionMessage(ctx, req, interaction, data, {
        flags: (data.flags ?? 0) | loading,
        interaction_metadata: {
          id: interaction.id,
          type: interaction.payload.type,
          user: userOf(interaction),
          authorizing_integration_owners: interaction.payload.authorizing_integration_owners,
        } as APIMessage['interaction_metadata'],
      });
      interaction.originalMessageId = message.id;
      if (body.type === InteractionResponseType.DeferredChannelMessageWithSource)
        interaction.awaitingFirstFollowUp = true;
      return message;
    }
    case InteractionResponseType.UpdateMessage: {
      const id = interaction.originalMessageId;
      const existing = id === undefined ? undefined : ctx.state.message(id);
      if (!existing || id === undefined) return undefined;
      return ctx.state.editMessage(id, {
        ...messageFields(data),
        attachments: ctx.state.attachmentsFor(existing.attachments, data.attachments, req.files),
      });
    }
    case InteractionResponseType.Modal:
      interaction.modal = data;
      return undefined;
    default:
      return undefined;
  }
}

/** Webhook calls authenticate by the interaction token in the URL, not by the bot token. */
function withWebhook(
  ctx: DiscordRestContext,
  req: RecordedRequest,
  applicationId: string,
  token: string,
  handle: (i: FakeInteraction) => Reply,
): Reply {
  if (applicationId !== ctx.applicationId) return error(404, RESTJSONErrorCodes.UnknownWebhook, 'Unknown Webhook');
  const interaction = ctx.interactions.byWebhookToken(token);
  if (!interaction) return error(401, RESTJSONErrorCodes.InvalidWebhookToken, 'Invalid Webhook Token');
  const ageMs = ctx.state.now() - interaction.createdAtMs;
  if (ageMs > ctx.rules.tokenLifetimeMs) {
    violate(
      ctx,
      req,
      'interaction_token_expired',
      `${req.method} ${req.path} with a token ${ageMs} ms old (limit ${ctx.rules.tokenLifetimeMs} ms)`,
    );
    return error(401, RESTJSONErrorCodes.InvalidWebhookToken, 'Invalid Webhook Token');
  }
  if (!interaction.response) return error(404, RESTJSONErrorCodes.UnknownWebhook, 'Unknown Webhook');
  return handle(interaction);
}

function messageIdOf(interaction: FakeInteraction, pathId: string): string | undefined {
  return pathId === '@original' ? interaction.originalMessageId : pathId;
}

function followUp(ctx: DiscordRestContext, req: RecordedRequest, interaction: FakeInteraction): Reply {
  if (interaction.awaitingFirstFollowUp) {
    // "Create Followup Message": directly after a DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE it "will function as Edit
    // Original Interaction Response … no new message will be created … The ephemeral flag will be ignored". So a
    // follow-up after deleting the deferred reply edits a message that is gone: Unknown Message.
    interaction.awaitingFirstFollowUp = false;
    const original =
      interaction.originalMessageId === undefined ? undefined : ctx.state.message(interaction.originalMessageId);
    if (!original) {
      violate(
        ctx,
        req,
        'unknown_message',
        `first follow-up after a defer edits the deleted original of interaction ${interaction.id}`,
      );
      return unknownMessage();
    }
    return editMessage(ctx, req, original.id, interaction.payload.attachment_size_limit);
  }
  const refused =
    oversizedUpload(ctx, req, interaction.payload.attachment_size_limit) ??
    invalidForm(ctx, req, messageProblems(bodyOf(req), req.files.length));
  if (refused) return refused;
  return ok(interactionMessage(ctx, req, interaction, bodyOf(req) as MessageBody));
}

/** A message the bot sends through an interaction: posted by the application's webhook in the interaction's channel. */
function interactionMessage(
  ctx: DiscordRestContext,
  req: RecordedRequest,
  interaction: FakeInteraction,
  data: MessageBody,
  extra: Partial<APIMessage> = {},
): APIMessage {
  return ctx.state.createMessage({
    ...messageFields(data),
    channel_id: interaction.payload.channel?.id ?? '',
    author: ctx.botUser,
    webhook_id: ctx.applicationId,
    application_id: ctx.applicationId,
    attachments: ctx.state.attachmentsFor([], data.attachments, req.files),
    ...extra,
  });
}

// ── messages ─────────────────────────────────────────────────────────────────────────────────────────────────

function postChannelMessage(ctx: DiscordRestContext, req: RecordedRequest, channelId: string): Reply {
  const channel = ctx.state.channels.get(channelId);
  if (!channel) return error(404, RESTJSONErrorCodes.UnknownChannel, 'Unknown Channel');
  const data = bodyOf(req) as MessageBody;
  const reference = data.message_reference?.message_id;
  // "Create Message" limitations: SEND_MESSAGES (SEND_MESSAGES_IN_THREADS in a thread, "Inherited Permissions"),
  // ATTACH_FILES for files, READ_MESSAGE_HISTORY for a reply.
  const { SendMessages, SendMessagesInThreads, AttachFiles, ReadMessageHistory } = PermissionFlagsBits;
  const needed =
    (isThread(channel) ? SendMessagesInThreads : SendMessages) |
    (req.files.length > 0 ? AttachFiles : 0n) |
    (reference ? ReadMessageHistory : 0n);
  const refused =
    refusal(ctx, req, channelId, needed, 'post a message') ??
    oversizedUpload(ctx, req, channelUploadLimit(ctx, channelId)) ??
    invalidForm(ctx, req, messageProblems(bodyOf(req), req.files.length));
  if (refused) return refused;
  return ok(
    ctx.state.createMessage({
      ...messageFields(data),
      channel_id: channelId,
      author: ctx.botUser,
      attachments: ctx.state.attachmentsFor([], data.attachments, req.files),
      ...(reference ? { type: 19, message_reference: { type: 0, message_id: reference, channel_id: channelId } } : {}),
    }),
  );
}

function editMessage(
  ctx: DiscordRestContext,
  req: RecordedRequest,
  messageId: string | undefined,
  uploadLimitBytes: number,
): Reply {
  const existing = messageId === undefined ? undefined : ctx.state.message(messageId);
  if (!existing || messageId === undefined) return unknownMessage();
  const refused =
    oversizedUpload(ctx, req, uploadLimitBytes) ??
    invalidForm(ctx, req, messageProblems(bodyOf(req), req.files.length));
  if (refused) return refused;
  const data = bodyOf(req) as MessageBody;
  // An edit ends the "thinking" state; "an existing message's ephemeral state cannot be changed" (either way), and
  // Components V2 cannot be undone.
  const kept = (existing.flags ?? 0) & ~LOADING_FLAG;
  const sticky = kept & (MessageFlags.Ephemeral | MessageFlags.IsComponentsV2);
  const flags = data.flags === undefined ? kept : (data.flags & ~(LOADING_FLAG | MessageFlags.Ephemeral)) | sticky;
  return ok(
    ctx.state.editMessage(messageId, {
      ...messageFields(data),
      flags,
      attachments: ctx.state.attachmentsFor(existing.attachments, data.attachments, req.files),
    }),
  );
}

function deleteMessage(ctx: DiscordRestContext, messageId: string | undefined): Reply {
  return messageId !== undefined && ctx.state.deleteMessage(messageId) ? { status: 204 } : unknownMessage();
}

function listMessages(ctx: DiscordRestContext, req: RecordedRequest, channelId: string): Reply {
  if (!ctx.state.channels.has(channelId)) return error(404, RESTJSONErrorCodes.UnknownChannel, 'Unknown Channel');
  // "Get Channel Messages": "If the current user is missing the READ_MESSAGE_HISTORY permission in the channel,
  // then no messages will be returned."
  if (!(ctx.state.permissionsIn(channelId, ctx.botUser.id) & PermissionFlagsBits.ReadMessageHistory)) return ok([]);
  const limit = Number(req.query.get('limit') ?? 50);
  // Discord lists newest first.
  return ok(
    ctx.state
      .messagesIn(channelId)
      .flatMap((m) => visibleMessage(ctx, channelId, m.id) ?? [])
      .reverse()
      .slice(0, limit),
  );
}

/** A message as the app receives it over REST: Message Content rules applied. */
function visibleMessage(ctx: DiscordRestContext, channelId: string, messageId: string): APIMessage | undefined {
  const message = messageInChannel(ctx, channelId, messageId);
  const channel = ctx.state.channels.get(channelId);
  if (!message || !channel) return undefined;
  return asSeenByApp(message, {
    botUserId: ctx.botUser.id,
    hasIntent: ctx.rules.messageContentIntent,
    isDm: isDmChannel(channel),
  });
}

/**
 * Discord's JSON errors for a bot-token call in a guild channel (opcodes-and-status-codes.mdx, "JSON Error Codes"):
 * 403 50001 Missing Access when the bot cannot see the channel (no VIEW_CHANNEL, or a private thread it is not a
 * member of), 403 50013 Missing Permissions when it sees it but lacks another permission the call needs.
 * `accessBits` are further permissions whose absence Discord also reports as Missing Access.
 */
function refusal(
  ctx: DiscordRestContext,
  req: RecordedRequest,
  channelId: string,
  needed: bigint,
  doing: string,
  accessBits = 0n,
): Reply | undefined {
  const channel = ctx.state.channels.get(channelId);
  if (!channel || isDmChannel(channel)) return undefined;
  const bits = ctx.state.permissionsIn(channelId, ctx.botUser.id);
  const noAccess = (PermissionFlagsBits.ViewChannel | accessBits) & ~bits;
  if (noAccess || ctx.state.isPrivateThreadOutsider(channelId, ctx.botUser.id)) {
    const why = noAccess ? `lacks ${permissionNames(noAccess).join(', ')}` : 'is not a member of the private thread';
    violate(ctx, req, 'missing_access', `to ${doing} in ${channelId} the bot ${why}`);
    return error(403, RESTJSONErrorCodes.MissingAccess, 'Missing Access');
  }
  const missing = needed & ~bits;
  if (!missing) return undefined;
  violate(
    ctx,
    req,
    'missing_permissions',
    `to ${doing} in ${channelId} the bot lacks ${permissionNames(missing).join(', ')}`,
  );
  return error(403, RESTJSONErrorCodes.MissingPermissions, 'Missing Permissions');
}

/** A bot-token upload is limited by the server's boost tier, not by anyone's Nitro (reference.mdx "Uploading Files"). */
function channelUploadLimit(ctx: DiscordRestContext, channelId: string): number {
  const channel = ctx.state.channels.get(channelId);
  const guild =
    channel && 'guild_id' in channel && channel.guild_id ? ctx.state.guilds.get(channel.guild_id) : undefined;
  const tier = guild?.premiumTier ?? 0;
  return tier >= 2 ? uploadLimitForTier(tier) : ctx.rules.uploadLimitBytes;
}

/** Ephemeral messages exist only for their interaction's webhook; channel routes cannot see them. */
function messageInChannel(ctx: DiscordRestContext, channelId: string, messageId: string): APIMessage | undefined {
  const message = ctx.state.message(messageId);
  const ephemeral = ((message?.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
  return message?.channel_id === channelId && !ephemeral ? message : undefined;
}

/** Only the fields a bot may set; everything else (id, author, timestamps) stays the fake's. */
function messageFields(data: MessageBody): Partial<APIMessage> {
  const fields: Partial<APIMessage> = {};
  if (data.content !== undefined) fields.content = data.content ?? '';
  if (data.embeds !== undefined) fields.embeds = data.embeds ?? [];
  if (data.components !== undefined) fields.components = data.components ?? [];
  if (data.flags !== undefined) fields.flags = data.flags;
  return fields;
}

// ── threads, reactions, DMs, commands ────────────────────────────────────────────────────────────────────────

function threadFromMessage(ctx: DiscordRestContext, req: RecordedRequest, channelId: string, messageId: string): Reply {
  const parent = ctx.state.channels.get(channelId);
  const message = messageInChannel(ctx, channelId, messageId);
  if (!parent) return error(404, RESTJSONErrorCodes.UnknownChannel, 'Unknown Channel');
  // "Start Thread from Message": "Does not work on a GUILD_FORUM or a GUILD_MEDIA channel"; nor in DMs or threads.
  if (
    isDmChannel(parent) ||
    isThread(parent) ||
    parent.type === ChannelType.GuildForum ||
    parent.type === ChannelType.GuildMedia
  ) {
    return error(
      400,
      RESTJSONErrorCodes.CannotExecuteActionOnThisChannelType,
      'Cannot execute action on this channel type',
    );
  }
  const refused = refusal(ctx, req, channelId, PermissionFlagsBits.CreatePublicThreads, 'start a thread');
  if (refused) return refused;
  if (!message) return unknownMessage();
  if (ctx.state.channels.has(messageId))
    return error(
      400,
      RESTJSONErrorCodes.ThreadAlreadyCreatedForMessage,
      'A thread has already been created for this message',
    );
  const badName = invalidForm(ctx, req, threadNameProblems((req.json as { name?: string } | undefined)?.name));
  if (badName) return badName;
  // Discord gives a thread started from a message that message's id.
  const thread = newThread(
    ctx,
    parent,
    messageId,
    req.json as { name: string; auto_archive_duration?: number },
    ChannelType.PublicThread,
  );
  ctx.state.editMessage(messageId, { thread, flags: (message.flags ?? 0) | MessageFlags.HasThread });
  return { status: 201, body: thread };
}

function threadWithoutMessage(ctx: DiscordRestContext, req: RecordedRequest, channelId: string): Reply {
  const parent = ctx.state.channels.get(channelId);
  if (!parent) return error(404, RESTJSONErrorCodes.UnknownChannel, 'Unknown Channel');
  if (isDmChannel(parent))
    return error(
      400,
      RESTJSONErrorCodes.CannotExecuteActionOnThisChannelType,
      'Cannot execute action on this channel type',
    );
  const body = req.json as { name: string; type?: number; auto_archive_duration?: number };
  const type = body.type ?? ChannelType.PrivateThread;
  const needed =
    type === ChannelType.PrivateThread
      ? PermissionFlagsBits.CreatePrivateThreads
      : PermissionFlagsBits.CreatePublicThreads;
  const refused =
    refusal(ctx, req, channelId, needed, 'start a thread') ?? invalidForm(ctx, req, threadNameProblems(body?.name));
  if (refused) return refused;
  const thread = newThread(ctx, parent, ctx.state.snowflake(), body, type);
  // The creator is the private thread's first member.
  if (type === ChannelType.PrivateThread) ctx.state.threadMembers.set(thread.id, new Set([ctx.botUser.id]));
  return { status: 201, body: thread };
}

function newThread(
  ctx: DiscordRestContext,
  parent: APIChannel,
  id: string,
  body: { name: string; auto_archive_duration?: number },
  type: number,
): APIChannel {
  return ctx.state.addThread(parent, {
    id,
    type,
    name: body.name,
    ownerId: ctx.botUser.id,
    ...(body.auto_archive_duration ? { autoArchiveMinutes: body.auto_archive_duration } : {}),
  });
}

function reactionChange(ctx: DiscordRestContext, channelId: string, messageId: string, change: () => boolean): Reply {
  if (!messageInChannel(ctx, channelId, messageId)) return unknownMessage();
  change();
  return { status: 204 };
}

function reactionUsers(ctx: DiscordRestContext, messageId: string, emoji: string): APIUser[] {
  const reaction = ctx.state
    .reactions(messageId)
    .find((r) => (r.emoji.id ? `${r.emoji.name}:${r.emoji.id}` : r.emoji.name) === emoji);
  return [...(reaction?.userIds ?? [])].flatMap((id) => ctx.state.users.get(id) ?? []);
}

function registeredCommand(
  ctx: DiscordRestContext,
  command: Partial<APIApplicationCommand>,
  guildId?: string,
): APIApplicationCommand {
  return {
    type: 1,
    description: '',
    default_member_permissions: null,
    ...command,
    id: ctx.state.snowflake(),
    application_id: ctx.applicationId,
    version: ctx.state.snowflake(),
    ...(guildId === undefined ? {} : { guild_id: guildId }),
  } as APIApplicationCommand;
}

// ── shared helpers ───────────────────────────────────────────────────────────────────────────────────────────

/** JSON body, or payload_json of a multipart body (discord.js sends files that way). */
function bodyOf(req: RecordedRequest): Record<string, unknown> {
  if (req.json !== undefined) return req.json as Record<string, unknown>;
  const payload = req.fields.payload_json;
  return payload === undefined ? {} : (JSON.parse(payload) as Record<string, unknown>);
}

function oversizedUpload(ctx: DiscordRestContext, req: RecordedRequest, limitBytes: number): Reply | undefined {
  const big = req.files.find((f) => f.data.length > limitBytes);
  if (!big) return undefined;
  violate(ctx, req, 'upload_too_large', `${big.filename} is ${big.data.length} bytes (limit ${limitBytes})`);
  return error(413, RESTJSONErrorCodes.RequestEntityTooLarge, 'Request entity too large');
}

/** Discord answers 50035 with the problems under `errors`; the fake lists them readably. */
function invalidForm(ctx: DiscordRestContext, req: RecordedRequest, problems: string[]): Reply | undefined {
  if (problems.length === 0) return undefined;
  violate(ctx, req, 'invalid_form_body', problems.join('; '));
  return {
    status: 400,
    body: {
      code: RESTJSONErrorCodes.InvalidFormBodyOrContentType,
      message: `Invalid Form Body: ${problems.join('; ')}`,
      errors: { _errors: problems.map((message) => ({ code: 'INVALID', message })) },
    },
  };
}

function userOf(interaction: FakeInteraction): APIUser | undefined {
  return interaction.payload.member?.user ?? interaction.payload.user;
}

function violate(ctx: DiscordRestContext, req: RecordedRequest, rule: ViolatedRule, detail: string): void {
  ctx.violations.push({ rule, detail, requestSeq: req.seq });
}

function ok(body: unknown): Reply {
  return { status: 200, body };
}

function found(body: unknown, code: number, message: string): Reply {
  return body === undefined ? error(404, code, message) : ok(body);
}

function unknownMessage(): Reply {
  return error(404, RESTJSONErrorCodes.UnknownMessage, 'Unknown Message');
}

/** Discord's JSON error body (opcodes-and-status-codes.mdx, "JSON Error Codes"): `{ code, message }`; only 50035 adds `errors`. */
export function error(status: number, code: number, message: string): Reply {
  return { status, body: { code, message } };
}
