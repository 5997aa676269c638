/**
 * A fake Discord on 127.0.0.1 for running the real discord.js client in tests: REST under /api/v10, a gateway,
 * and a CDN for attachments, all on one port. See docs/fakes.md for the API and an example.
 *
 *   const discord = await FakeDiscord.start();
 *   const client = new Client({ intents, ...discord.clientOptions });
 *   await client.login(discord.token);
 */
import {
  ChannelType,
  GatewayDispatchEvents,
  GatewayIntentBits,
  type APIAttachment,
  type APIChannel,
  type APIGuildMember,
  type APIMessage,
  type APIOverwrite,
  type APIRole,
  type APIUser,
} from 'discord-api-types/v10';
import { FakeGateway, GATEWAY_PATH, type DropMode } from './discord-gateway.ts';
import { asSeenByApp } from './discord-message-content.ts';
import { isThread } from './discord-permissions.ts';
import {
  InteractionRegistry,
  type FakeInteraction,
  type ModalFieldValue,
  type ModalLayout,
  type SlashOptionValue,
} from './discord-interactions.ts';
import {
  error,
  installDiscordRest,
  type DiscordRules,
  type RegisteredCommands,
  type RuleViolation,
} from './discord-rest.ts';
import { DiscordState, EVERYONE_PERMISSIONS, isDmChannel, type FakeGuild, type NewUpload } from './discord-state.ts';
import { LoopbackServer, type RecordedRequest } from './loopback-server.ts';
import type { WaitOptions } from './recorder.ts';

export type { FakeInteraction, ModalFieldValue, ModalLayout, SlashOptionValue } from './discord-interactions.ts';
export type { RuleViolation, DiscordRules } from './discord-rest.ts';
export type { FakeGuild } from './discord-state.ts';
export { shardOf } from './discord-gateway.ts';
export type { RecordedRequest } from './loopback-server.ts';

export interface FakeDiscordOptions {
  /** The bot token the fake accepts (REST `Authorization: Bot …` and gateway IDENTIFY). */
  readonly token?: string;
  readonly rules?: Partial<DiscordRules>;
  /** The clock behind the 3 s / 15 min rules and snowflakes; pass a hand-driven one to test expiry. @default Date.now */
  readonly now?: () => number;
  /** HELLO's heartbeat interval. @default 41_250 */
  readonly heartbeatIntervalMs?: number;
  /**
   * Permissions of the bot's own role in each guild (what the invite link asked for). The bot is not an
   * administrator unless a test says so ('8'). @default '0' (only what @everyone has)
   */
  readonly botPermissions?: string;
  /** Permissions of @everyone in each guild. @default Discord's defaults for a new server (EVERYONE_PERMISSIONS) */
  readonly everyonePermissions?: string;
  /** Boost tier (0–3) of the first guild. @default 0 */
  readonly premiumTier?: number;
}

/** A guild's built-in parts: the bot's role and a text channel "general". */
export interface GuildWorld {
  readonly guild: FakeGuild;
  readonly botRole: APIRole;
  readonly channel: APIChannel;
}

/** One channel overwrite, for a role or a member (discord-api-docs "Permission Overwrites"). */
export interface Overwrite {
  readonly allow?: bigint;
  readonly deny?: bigint;
}

/** Who acts and where; every field defaults to the fake's built-in user and text channel. */
export interface Actor {
  readonly user?: APIUser;
  readonly channel?: APIChannel;
  /** Role ids the acting member holds (guild channels only). */
  readonly roleIds?: string[];
  /** The `attachment_size_limit` the interaction carries. @default rules.uploadLimitBytes */
  readonly attachmentSizeLimit?: number;
}

export interface RateLimitFault {
  /** Seconds, as Discord's `Retry-After` header and `retry_after` body field give them. @default 0.05 */
  readonly retryAfterS?: number;
  readonly global?: boolean;
  readonly times?: number;
}

export const DEFAULT_RULES: DiscordRules = {
  initialResponseMs: 3_000,
  tokenLifetimeMs: 900_000, // 15 min
  uploadLimitBytes: 10 * 1024 * 1024,
  messageContentIntent: false,
  maxGuildsPerShard: 2_500,
  guildsPerRecommendedShard: 1_000,
};

export class FakeDiscord {
  readonly token: string;
  readonly applicationId: string;
  readonly botUser: APIUser;
  /** A human user, member of `guild`, used when an injector is given no user. */
  readonly user: APIUser;
  /** Who owns every guild: the owner holds every permission ("compute_base_permissions"), so it is not alice. */
  readonly owner: APIUser;
  readonly guild: FakeGuild;
  /** The bot's role in `guild` (managed by the integration on Discord). */
  readonly botRole: APIRole;
  /** A text channel in `guild`. */
  readonly channel: APIChannel;
  readonly rules: DiscordRules;
  readonly violations: RuleViolation[] = [];
  readonly commands: RegisteredCommands = { global: [], byGuild: new Map() };
  readonly gateway: FakeGateway;
  private readonly server: LoopbackServer;
  private readonly state: DiscordState;
  private readonly interactions: InteractionRegistry;
  private readonly botPermissions: string;
  private readonly everyonePermissions: string;

  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
    await fake.server.listen();
    return fake;
  }

  private constructor(options: FakeDiscordOptions) {
    this.token = options.token ?? 'fake-bot-token';
    this.rules = { ...DEFAULT_RULES, ...options.rules };
    this.server = new LoopbackServer('fake discord');
    this.state = new DiscordState(this.server, options.now ?? Date.now);
    this.botUser = this.state.addUser('rfedit', true);
    this.applicationId = this.botUser.id;
    this.user = this.state.addUser('alice');
    this.owner = this.state.addUser('server-owner');
    this.botPermissions = options.botPermissions ?? '0';
    this.everyonePermissions = options.everyonePermissions ?? EVERYONE_PERMISSIONS;
    this.interactions = new InteractionRegistry(this.state, this.applicationId, this.botUser.id);
    const first = this.buildGuild('Test Guild', this.state.snowflake());
    first.guild.premiumTier = options.premiumTier ?? 0;
    this.guild = first.guild;
    this.botRole = first.botRole;
    this.channel = first.channel;
    this.gateway = new FakeGateway({
      token: this.token,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
      url: () => `${this.server.wsOrigin}${GATEWAY_PATH}`,
      readyData: (owns) => ({
        user: this.botUser,
        guilds: [...this.state.guilds.values()].filter((g) => owns(g.id)).map((g) => ({ id: g.id, unavailable: true })),
        application: { id: this.applicationId, flags: 0 },
      }),
      guildCreates: (owns) => [...this.state.guilds.values()].filter((g) => owns(g.id)).map((g) => this.guildCreate(g)),
      guildIds: () => [...this.state.guilds.keys()],
      maxGuildsPerShard: () => this.rules.maxGuildsPerShard,
    });
    this.gateway.attach(this.server);
    installDiscordRest({
      server: this.server,
      state: this.state,
      interactions: this.interactions,
      rules: this.rules,
      token: this.token,
      applicationId: this.applicationId,
      botUser: this.botUser,
      violations: this.violations,
      commands: this.commands,
      gatewayUrl: () => `${this.server.wsOrigin}${GATEWAY_PATH}`,
    });
  }

  /** Spread into `new Client({ intents, ...fake.clientOptions })` so REST (and through it the gateway) is local. */
  get clientOptions(): { rest: { api: string } } {
    return { rest: { api: `${this.server.origin}/api` } };
  }

  get origin(): string {
    return this.server.origin;
  }

  get requests() {
    return this.server.requests;
  }

  /** Resolves with the first (or nth) request that matches, whether it already came or comes later. */
  waitFor(predicate: (req: RecordedRequest) => boolean, options?: WaitOptions): Promise<RecordedRequest> {
    return this.server.requests.waitFor(predicate, options);
  }

  async close(): Promise<void> {
    await this.gateway.close();
    await this.server.close();
  }

  // ── world ──────────────────────────────────────────────────────────────────────────────────────────────────

  addUser(username: string): APIUser {
    const user = this.state.addUser(username);
    this.state.addMember(this.guild, user);
    return user;
  }

  /** After login, the client also hears of it (GUILD_ROLE_CREATE), as it would from Discord. */
  addRole(name: string, permissions = '0', guild: FakeGuild = this.guild): APIRole {
    const role = this.state.addRole(guild, name, permissions);
    if (this.gateway.hasSession)
      this.gateway.dispatch(GatewayDispatchEvents.GuildRoleCreate, { guild_id: guild.id, role });
    return role;
  }

  /** Changes a role's guild-wide permissions (GUILD_ROLE_UPDATE after login). */
  setRolePermissions(role: APIRole, permissions: bigint, guild: FakeGuild = this.guild): void {
    const stored = guild.roles.find((r) => r.id === role.id);
    if (!stored) throw new Error(`fake discord: no role ${role.id}`);
    stored.permissions = permissions.toString();
    if (this.gateway.hasSession)
      this.gateway.dispatch(GatewayDispatchEvents.GuildRoleUpdate, { guild_id: guild.id, role: stored });
  }

  /**
   * Another server with the bot in it (its role, alice, a "general" channel). `shard: [id, count]` picks a guild id
   * that lands on that shard. Before login only: a guild the bot joins later would need GUILD_CREATE.
   */
  addGuild(name: string, options: { shard?: readonly [number, number]; premiumTier?: number } = {}): GuildWorld {
    const id = options.shard ? this.state.snowflakeOnShard(options.shard[0], options.shard[1]) : this.state.snowflake();
    const world = this.buildGuild(name, id);
    world.guild.premiumTier = options.premiumTier ?? 0;
    return world;
  }

  /** A channel overwrite for a role or a member (CHANNEL_UPDATE after login). */
  setOverwrite(channel: APIChannel, target: APIRole | APIUser, overwrite: Overwrite): void {
    const isRole = 'permissions' in target;
    const entry: APIOverwrite = {
      id: target.id,
      type: isRole ? 0 : 1,
      allow: String(overwrite.allow ?? 0n),
      deny: String(overwrite.deny ?? 0n),
    };
    this.state.setOverwrite(channel.id, entry);
    if (this.gateway.hasSession)
      this.gateway.dispatch(GatewayDispatchEvents.ChannelUpdate, this.state.channels.get(channel.id));
  }

  /** Takes permissions from the bot in one channel: a deny overwrite on its role, as a server admin would set. */
  denyBot(channel: APIChannel, permissions: bigint): void {
    this.setOverwrite(channel, this.botRole, { deny: permissions });
  }

  /** The bot's effective permissions in a channel, as the fake computes them. */
  botPermissionsIn(channel: APIChannel | string): bigint {
    return this.state.permissionsIn(typeof channel === 'string' ? channel : channel.id, this.botUser.id);
  }

  member(userId: string): APIGuildMember | undefined {
    return this.guild.members.get(userId);
  }

  /**
   * After login, the client also hears of it (CHANNEL_CREATE), as it would from Discord. `type` may be a forum or
   * media channel, which hold only threads.
   */
  addTextChannel(
    name: string,
    options: { guild?: FakeGuild; type?: ChannelType.GuildText | ChannelType.GuildForum | ChannelType.GuildMedia } = {},
  ): APIChannel {
    const guild = options.guild ?? this.guild;
    const channel = this.state.addChannel({
      id: this.state.snowflake(),
      type: options.type ?? ChannelType.GuildText,
      name,
      guild_id: guild.id,
      position: this.state.channels.size,
      permission_overwrites: [],
      parent_id: null,
      nsfw: false,
      topic: null,
      last_message_id: null,
      rate_limit_per_user: 0,
      flags: 0,
    } as unknown as APIChannel);
    if (this.gateway?.hasSession) this.gateway.dispatch(GatewayDispatchEvents.ChannelCreate, channel);
    return channel;
  }

  /**
   * A thread in `parent` made by a user. A private one the bot was not invited to stays invisible to it
   * (discord-api-docs "Threads": "You must be invited to the thread to be able to view or participate in it").
   */
  addThread(parent: APIChannel, options: { name?: string; private?: boolean; botIsMember?: boolean } = {}): APIChannel {
    const type = options.private ? ChannelType.PrivateThread : ChannelType.PublicThread;
    const thread = this.state.addThread(parent, {
      id: this.state.snowflake(),
      type,
      name: options.name ?? 'a thread',
      ownerId: this.user.id,
    });
    const members = new Set([this.user.id, ...((options.botIsMember ?? !options.private) ? [this.botUser.id] : [])]);
    if (options.private) this.state.threadMembers.set(thread.id, members);
    return thread;
  }

  /**
   * A user's message arriving on the gateway (MESSAGE_CREATE), with the Message Content rules applied for the
   * receiving session: it needs GUILD_MESSAGES (DIRECT_MESSAGES in DMs), and content only with MESSAGE_CONTENT
   * in IDENTIFY and the intent approved (events/gateway.mdx, "Gateway Intents", "Message Content Intent").
   * The message is stored too, so it can be fetched later.
   */
  userMessage(fields: Partial<APIMessage> & { channel_id?: string; author?: APIUser } = {}): APIMessage {
    const message = this.seedMessage(fields);
    const channel = this.channelOf(message);
    const guildId = 'guild_id' in channel ? channel.guild_id : undefined;
    const needed = guildId === undefined ? GatewayIntentBits.DirectMessages : GatewayIntentBits.GuildMessages;
    this.gateway.dispatchWith(GatewayDispatchEvents.MessageCreate, guildId, (session) => {
      if (!(session.intents & needed)) return undefined;
      const hasIntent = this.rules.messageContentIntent && (session.intents & GatewayIntentBits.MessageContent) !== 0;
      return {
        ...asSeenByApp(message, { botUserId: this.botUser.id, hasIntent, isDm: isDmChannel(channel) }),
        ...(guildId ? { guild_id: guildId } : {}),
      };
    });
    return message;
  }

  /** A DM channel between the bot and `user`. */
  dmChannel(user: APIUser = this.user): APIChannel {
    return this.state.dmChannel(user);
  }

  channelById(id: string): APIChannel | undefined {
    return this.state.channels.get(id);
  }

  /** Puts bytes on the fake CDN and returns the attachment object to hand to an injector or a seeded message. */
  attachment(upload: NewUpload): APIAttachment {
    return this.state.upload(upload);
  }

  /** The bytes behind an attachment the bot uploaded (or the test served). */
  attachmentData(attachment: APIAttachment | string): Buffer {
    const id = typeof attachment === 'string' ? attachment : attachment.id;
    const data = this.state.attachmentData(id);
    if (!data) throw new Error(`fake discord: no bytes for attachment ${id}`);
    return data;
  }

  /** A message that exists before the test acts: a user's photo, or a bot result posted before a restart. */
  seedMessage(fields: Partial<APIMessage> & { channel_id?: string; author?: APIUser } = {}): APIMessage {
    return this.state.createMessage({
      ...fields,
      channel_id: fields.channel_id ?? this.channel.id,
      author: fields.author ?? this.user,
    });
  }

  message(id: string): APIMessage | undefined {
    return this.state.message(id);
  }

  messagesIn(channelId: string): APIMessage[] {
    return this.state.messagesIn(channelId);
  }

  allMessages(): APIMessage[] {
    return this.state.allMessages();
  }

  interaction(id: string): FakeInteraction | undefined {
    return this.interactions.get(id);
  }

  // ── gateway injection ──────────────────────────────────────────────────────────────────────────────────────

  slashCommand(
    name: string,
    options: Record<string, SlashOptionValue> = {},
    actor: Actor & { subcommand?: string } = {},
  ): FakeInteraction {
    return this.send(this.interactions.slashCommand(this.place(actor), name, options, actor.subcommand));
  }

  /** A message context-menu command ("Edit image") used on `target`. */
  messageCommand(name: string, target: APIMessage, actor: Actor = {}): FakeInteraction {
    return this.send(
      this.interactions.messageCommand(this.place({ channel: this.channelOf(target), ...actor }), name, target),
    );
  }

  /** A click on a button of a stored message (the bot's own, or a seeded one). */
  clickButton(customId: string, message: APIMessage | string, actor: Actor = {}): FakeInteraction {
    const stored = this.requireMessage(message);
    return this.send(
      this.interactions.buttonClick(this.place({ channel: this.channelOf(stored), ...actor }), customId, stored),
    );
  }

  /**
   * Submits a modal: `{ fieldCustomId: text }`, or a list of attachments for a file upload field (label layout).
   * `layout` is how the bot built the modal: 'rows' (action rows, the default) or 'labels' (LabelBuilder).
   * Pass the message when the modal came from a button.
   */
  submitModal(
    customId: string,
    fields: Record<string, ModalFieldValue>,
    actor: Actor & { message?: APIMessage | string; layout?: ModalLayout } = {},
  ): FakeInteraction {
    const message = actor.message === undefined ? undefined : this.requireMessage(actor.message);
    const place = this.place({ ...(message ? { channel: this.channelOf(message) } : {}), ...actor });
    const layout = actor.layout ?? (Object.values(fields).some((v) => typeof v !== 'string') ? 'labels' : 'rows');
    return this.send(this.interactions.modalSubmit(place, customId, fields, layout, message));
  }

  /** MESSAGE_REACTION_ADD; works for any message id, cached by the client or not. */
  addReaction(message: APIMessage | string, emoji: string, user: APIUser = this.user): void {
    const stored = typeof message === 'string' ? this.state.message(message) : message;
    const channel = stored ? this.channelOf(stored) : this.channel;
    const messageId = typeof message === 'string' ? message : message.id;
    this.state.react(messageId, emoji, user.id);
    const custom = /^([^:]+):(\d+)$/.exec(emoji);
    const guildId = 'guild_id' in channel ? channel.guild_id : undefined;
    const member = guildId === undefined ? undefined : this.state.guilds.get(guildId)?.members.get(user.id);
    this.gateway.dispatch(GatewayDispatchEvents.MessageReactionAdd, {
      user_id: user.id,
      channel_id: channel.id,
      message_id: messageId,
      ...(guildId === undefined ? {} : { guild_id: guildId, member: { ...member, user } }),
      ...(stored ? { message_author_id: stored.author.id } : {}),
      emoji: custom ? { id: custom[2], name: custom[1], animated: false } : { id: null, name: emoji },
      burst: false,
      burst_colors: [],
      type: 0,
    });
  }

  /** Any other dispatch, for events the helpers above do not cover. */
  dispatch(event: string, data: unknown): number {
    return this.gateway.dispatch(event, data);
  }

  dropGateway(mode: DropMode = 'resume'): void {
    this.gateway.drop(mode);
  }

  // ── faults ─────────────────────────────────────────────────────────────────────────────────────────────────

  /** The next matching REST call(s) get 429 with Retry-After, the way Discord rate-limits a bucket. */
  rateLimitNext(matches: (req: RecordedRequest) => boolean, fault: RateLimitFault = {}): void {
    const retryAfterS = fault.retryAfterS ?? 0.05;
    const headers: Record<string, string> = {
      'retry-after': String(retryAfterS),
      'x-ratelimit-scope': fault.global ? 'global' : 'user',
    };
    if (fault.global) headers['x-ratelimit-global'] = 'true';
    const body = { message: 'You are being rate limited.', retry_after: retryAfterS, global: fault.global ?? false };
    this.server.injectFault(matches, { status: 429, headers, body }, fault.times ?? 1);
  }

  /** The next matching REST call(s) fail with an arbitrary Discord error. */
  failNext(matches: (req: RecordedRequest) => boolean, status: number, code: number, message: string, times = 1): void {
    this.server.injectFault(matches, error(status, code, message), times);
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────────────────────

  private send(interaction: FakeInteraction): FakeInteraction {
    this.gateway.dispatch(GatewayDispatchEvents.InteractionCreate, interaction.payload);
    return interaction;
  }

  private place(actor: Actor) {
    return {
      user: actor.user ?? this.user,
      channel: actor.channel ?? this.channel,
      roleIds: actor.roleIds,
      attachmentSizeLimit: actor.attachmentSizeLimit ?? this.rules.uploadLimitBytes,
    };
  }

  private requireMessage(message: APIMessage | string): APIMessage {
    const id = typeof message === 'string' ? message : message.id;
    const stored = this.state.message(id);
    if (!stored) throw new Error(`fake discord: no message ${id}`);
    return stored;
  }

  private channelOf(message: APIMessage): APIChannel {
    const channel = this.state.channels.get(message.channel_id);
    if (!channel) throw new Error(`fake discord: message ${message.id} is in unknown channel ${message.channel_id}`);
    return channel;
  }

  private buildGuild(name: string, id: string): GuildWorld {
    const guild = this.state.addGuild(name, this.owner.id, id);
    guild.roles[0]!.permissions = this.everyonePermissions;
    const botRole = this.state.addRole(guild, 'rfedit', this.botPermissions);
    this.state.addMember(guild, this.botUser, [botRole.id]);
    this.state.addMember(guild, this.user);
    this.state.addMember(guild, this.owner);
    const channel = this.addTextChannel('general', { guild });
    return { guild, botRole, channel };
  }

  private guildCreate(guild: FakeGuild): Record<string, unknown> {
    // "Private threads are only synced to you if you are a member or a moderator" ("Threads").
    const channels = [...this.state.channels.values()].filter(
      (c) => 'guild_id' in c && c.guild_id === guild.id && !this.state.isPrivateThreadOutsider(c.id, this.botUser.id),
    );
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: guild.ownerId,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      mfa_level: 0,
      nsfw_level: 0,
      premium_tier: guild.premiumTier,
      premium_subscription_count: 0,
      premium_progress_bar_enabled: false,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      preferred_locale: 'en-US',
      vanity_url_code: null,
      application_id: null,
      max_members: 500_000,
      max_video_channel_users: 25,
      features: [],
      emojis: [],
      stickers: [],
      roles: guild.roles,
      joined_at: guild.joinedAt,
      large: false,
      unavailable: false,
      member_count: guild.members.size,
      members: [...guild.members.values()],
      // Discord sends active threads here, so threads made before a reconnect stay known to the client.
      channels: channels.filter((c) => !isThread(c)),
      threads: channels.filter(isThread),
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      incidents_data: null,
      hub_type: null,
      lazy: true,
    };
  }
}
