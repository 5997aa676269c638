/**
 * What the fake Discord knows: users, guilds, channels, messages with their uploaded bytes, reactions.
 * REST handlers and gateway injectors both read and write this one world, so a message the bot posted over REST
 * is the same object a later button click carries.
 */
import {
  ChannelType,
  MessageFlags,
  PermissionFlagsBits,
  MessageType,
  type APIAttachment,
  type APIChannel,
  type APIGuildMember,
  type APIMessage,
  type APIOverwrite,
  type APIRole,
  type APIUser,
} from 'discord-api-types/v10';
import type { LoopbackServer, UploadedFile } from './loopback-server.ts';
import { contentTypeFromName } from './mime.ts';
import { channelPermissions, isThread, ALL_PERMISSION_BITS } from './discord-permissions.ts';

const DISCORD_EPOCH_MS = 1_420_070_400_000n;
/** Discord's default @everyone permissions (view, send, attach, embed, react, threads, use commands …). */
export const EVERYONE_PERMISSIONS = '1071698660929';

export interface FakeGuild {
  readonly id: string;
  readonly name: string;
  readonly ownerId: string;
  readonly roles: APIRole[];
  readonly members: Map<string, APIGuildMember>;
  readonly joinedAt: string;
  /** Server boost tier 0–3; it sets the upload limit of messages posted with a bot token. */
  premiumTier: number;
}

/**
 * Per-file upload limit by boost tier for what a bot posts with its token (discord-api-docs reference.mdx,
 * "Uploading Files": 10 MiB by default, higher by the server's Boost Tier; Discord's "Server Boosting FAQ":
 * 50 MiB at tier 2, 100 MiB at tier 3).
 */
export function uploadLimitForTier(tier: number): number {
  const MiB = 1024 * 1024;
  return tier >= 3 ? 100 * MiB : tier === 2 ? 50 * MiB : 10 * MiB;
}

export interface StoredReaction {
  readonly emoji: { id: string | null; name: string };
  readonly userIds: Set<string>;
}

interface StoredMessage {
  message: APIMessage;
  reactions: StoredReaction[];
}

export interface NewUpload {
  readonly filename: string;
  readonly contentType: string;
  readonly data: Buffer;
  readonly width?: number;
  readonly height?: number;
  /** The CDN sends half the bytes and then stalls (for download time limits). */
  readonly stall?: boolean;
}

export class DiscordState {
  readonly users = new Map<string, APIUser>();
  readonly guilds = new Map<string, FakeGuild>();
  readonly channels = new Map<string, APIChannel>();
  /** Private threads' members (discord-api-docs, "Threads": "You must be invited to the thread to be able to view or participate in it"). */
  readonly threadMembers = new Map<string, Set<string>>();
  private readonly messages = new Map<string, StoredMessage>();
  private readonly attachmentBytes = new Map<string, Buffer>();
  private snowflakeCounter = 0;

  constructor(
    private readonly server: LoopbackServer,
    readonly now: () => number,
  ) {}

  /** Real snowflakes carry their creation time, which discord.js reads back as `createdTimestamp`. */
  snowflake(): string {
    const counter = BigInt(this.snowflakeCounter++ & 0xfff);
    return (((BigInt(this.now()) - DISCORD_EPOCH_MS) << 22n) | counter).toString();
  }

  /** A snowflake whose guild would land on `shard` of `count` (`(id >> 22) % count`, events/gateway.mdx "Sharding"). */
  snowflakeOnShard(shard: number, count: number): string {
    let ms = BigInt(this.now()) - DISCORD_EPOCH_MS;
    while (ms % BigInt(count) !== BigInt(shard)) ms++;
    return ((ms << 22n) | BigInt(this.snowflakeCounter++ & 0xfff)).toString();
  }

  addUser(username: string, bot = false): APIUser {
    const user: APIUser = {
      id: this.snowflake(),
      username,
      discriminator: '0',
      global_name: username,
      avatar: null,
      bot,
    };
    this.users.set(user.id, user);
    return user;
  }

  /** `id` lets a test place the guild on a chosen shard (see `snowflakeOnShard`). */
  addGuild(name: string, ownerId: string, id = this.snowflake()): FakeGuild {
    // Discord's @everyone role shares the guild's id; discord.js looks it up that way.
    const everyone = role(id, '@everyone', EVERYONE_PERMISSIONS, 0);
    const guild: FakeGuild = {
      id,
      name,
      ownerId,
      roles: [everyone],
      members: new Map(),
      joinedAt: new Date(this.now()).toISOString(),
      premiumTier: 0,
    };
    this.guilds.set(id, guild);
    return guild;
  }

  addRole(guild: FakeGuild, name: string, permissions = '0'): APIRole {
    const added = role(this.snowflake(), name, permissions, guild.roles.length);
    guild.roles.push(added);
    return added;
  }

  addMember(guild: FakeGuild, user: APIUser, roleIds: string[] = []): APIGuildMember {
    const member: APIGuildMember = {
      user,
      roles: roleIds,
      joined_at: guild.joinedAt,
      deaf: false,
      mute: false,
      flags: 0 as APIGuildMember['flags'],
      nick: null,
      avatar: null,
      premium_since: null,
      pending: false,
    };
    guild.members.set(user.id, member);
    return member;
  }

  /**
   * What `userId` may do in a channel (discord-api-docs "Permissions": base permissions, overwrites, implicit
   * denials; threads use their parent's overwrites). DMs: everything a bot can do there.
   */
  permissionsIn(channelId: string, userId: string, roleIdsNow?: readonly string[]): bigint {
    const channel = this.channels.get(channelId);
    if (!channel || isDmChannel(channel)) return ALL_PERMISSION_BITS;
    const thread = isThread(channel);
    const source = thread ? this.channels.get((channel as { parent_id?: string }).parent_id ?? '') : channel;
    const guild = this.guilds.get((channel as { guild_id?: string }).guild_id ?? '');
    if (!guild || !source) return 0n;
    const roleIds = roleIdsNow ?? guild.members.get(userId)?.roles ?? [];
    const overwrites = (source as { permission_overwrites?: APIOverwrite[] }).permission_overwrites ?? [];
    return channelPermissions(guild, { userId, roleIds }, overwrites, thread);
  }

  /** A private thread is invisible to a non-member without Manage Threads. */
  isPrivateThreadOutsider(channelId: string, userId: string): boolean {
    const channel = this.channels.get(channelId);
    if (channel?.type !== ChannelType.PrivateThread) return false;
    if (this.threadMembers.get(channelId)?.has(userId)) return false;
    return (this.permissionsIn(channelId, userId) & PermissionFlagsBits.ManageThreads) === 0n;
  }

  /** Adds or replaces the overwrite for one role (type 0) or member (type 1) on a channel. */
  setOverwrite(channelId: string, overwrite: APIOverwrite): void {
    const channel = this.channels.get(channelId) as { permission_overwrites?: APIOverwrite[] } | undefined;
    if (!channel) throw new Error(`fake discord: no channel ${channelId}`);
    channel.permission_overwrites = [
      ...(channel.permission_overwrites ?? []).filter((o) => o.id !== overwrite.id),
      overwrite,
    ];
  }

  /** A thread in `parent`; a thread started from a message gets that message's id. */
  addThread(
    parent: APIChannel,
    thread: { id: string; type: number; name: string; ownerId: string; autoArchiveMinutes?: number },
  ): APIChannel {
    const now = new Date(this.now()).toISOString();
    return this.addChannel({
      id: thread.id,
      type: thread.type,
      name: thread.name,
      guild_id: 'guild_id' in parent ? parent.guild_id : undefined,
      parent_id: parent.id,
      owner_id: thread.ownerId,
      last_message_id: null,
      rate_limit_per_user: 0,
      message_count: 0,
      member_count: 1,
      total_message_sent: 0,
      flags: 0,
      thread_metadata: {
        archived: false,
        auto_archive_duration: thread.autoArchiveMinutes ?? 1440,
        archive_timestamp: now,
        locked: false,
        create_timestamp: now,
      },
    } as unknown as APIChannel);
  }

  addChannel(channel: APIChannel): APIChannel {
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** The DM channel between the bot and a user, made on first use as Discord does. */
  dmChannel(user: APIUser): APIChannel {
    const existing = [...this.channels.values()].find(
      (c) => c.type === ChannelType.DM && c.recipients?.some((r) => r.id === user.id),
    );
    const fresh = { id: this.snowflake(), type: ChannelType.DM, recipients: [user], last_message_id: null, flags: 0 };
    return existing ?? this.addChannel(fresh as unknown as APIChannel);
  }

  /** Stores bytes where the fake's "CDN" serves them and returns the attachment object Discord would send. */
  upload(upload: NewUpload, id = this.snowflake()): APIAttachment {
    const served = this.server.serve(upload.data, {
      contentType: upload.contentType,
      filename: upload.filename,
      stall: upload.stall,
    });
    this.attachmentBytes.set(id, upload.data);
    return {
      id,
      filename: upload.filename,
      size: upload.data.length,
      url: served.url,
      proxy_url: served.url,
      content_type: upload.contentType,
      ...(upload.width === undefined ? {} : { width: upload.width, height: upload.height ?? upload.width }),
    };
  }

  attachmentData(attachmentId: string): Buffer | undefined {
    return this.attachmentBytes.get(attachmentId);
  }

  createMessage(fields: Partial<APIMessage> & Pick<APIMessage, 'channel_id' | 'author'>): APIMessage {
    const message: APIMessage = {
      id: this.snowflake(),
      content: '',
      timestamp: new Date(this.now()).toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      components: [],
      pinned: false,
      type: MessageType.Default,
      flags: 0 as MessageFlags,
      ...fields,
    };
    this.messages.set(message.id, { message, reactions: [] });
    return message;
  }

  message(id: string): APIMessage | undefined {
    const stored = this.messages.get(id);
    return stored && this.withReactions(stored);
  }

  messagesIn(channelId: string): APIMessage[] {
    return [...this.messages.values()]
      .filter((s) => s.message.channel_id === channelId)
      .map((s) => this.withReactions(s));
  }

  allMessages(): APIMessage[] {
    return [...this.messages.values()].map((s) => this.withReactions(s));
  }

  editMessage(id: string, changes: Partial<APIMessage>): APIMessage | undefined {
    const stored = this.messages.get(id);
    if (!stored) return undefined;
    stored.message = { ...stored.message, ...changes, edited_timestamp: new Date(this.now()).toISOString() };
    return this.withReactions(stored);
  }

  deleteMessage(id: string): boolean {
    return this.messages.delete(id);
  }

  reactions(messageId: string): StoredReaction[] {
    return this.messages.get(messageId)?.reactions ?? [];
  }

  /** `emoji` as it appears in a reaction route: a unicode emoji or `name:id` for a custom one. */
  react(messageId: string, emoji: string, userId: string): boolean {
    const stored = this.messages.get(messageId);
    if (!stored) return false;
    const parsed = parseEmoji(emoji);
    let reaction = stored.reactions.find((r) => sameEmoji(r.emoji, parsed));
    if (!reaction) stored.reactions.push((reaction = { emoji: parsed, userIds: new Set() }));
    reaction.userIds.add(userId);
    return true;
  }

  unreact(messageId: string, emoji: string | undefined, userId: string | undefined): boolean {
    const stored = this.messages.get(messageId);
    if (!stored) return false;
    const parsed = emoji === undefined ? undefined : parseEmoji(emoji);
    for (const reaction of stored.reactions) {
      if (parsed && !sameEmoji(reaction.emoji, parsed)) continue;
      if (userId === undefined) reaction.userIds.clear();
      else reaction.userIds.delete(userId);
    }
    stored.reactions = stored.reactions.filter((r) => r.userIds.size > 0);
    return true;
  }

  /** Files from a multipart body merged with the `attachments` array of its payload_json, as Discord does. */
  attachmentsFor(
    existing: APIAttachment[],
    listed: Array<{ id: string | number; filename?: string; description?: string }> | undefined,
    files: readonly UploadedFile[],
  ): APIAttachment[] {
    const uploads = new Map<string, UploadedFile>();
    for (const file of files) {
      const index = /^files\[(\d+)\]$/.exec(file.field)?.[1] ?? file.field;
      uploads.set(index, file);
    }
    const fromUpload = (file: UploadedFile, filename?: string, description?: string): APIAttachment => ({
      ...this.upload({
        filename: filename ?? file.filename,
        contentType: contentTypeFromName(filename ?? file.filename, file.contentType),
        data: file.data,
      }),
      ...(description === undefined ? {} : { description }),
    });
    if (listed === undefined) return [...existing, ...[...uploads.values()].map((f) => fromUpload(f))];
    const result: APIAttachment[] = [];
    for (const entry of listed) {
      const id = String(entry.id);
      const kept = existing.find((a) => a.id === id);
      const upload = uploads.get(id);
      if (kept) result.push(kept);
      else if (upload) {
        result.push(fromUpload(upload, entry.filename, entry.description));
        uploads.delete(id);
      }
    }
    return [...result, ...[...uploads.values()].map((f) => fromUpload(f))];
  }

  private withReactions(stored: StoredMessage): APIMessage {
    if (stored.reactions.length === 0) return stored.message;
    const botIds = new Set([...this.users.values()].filter((u) => u.bot).map((u) => u.id));
    return {
      ...stored.message,
      reactions: stored.reactions.map((r) => ({
        emoji: r.emoji,
        count: r.userIds.size,
        count_details: { burst: 0, normal: r.userIds.size },
        me: [...r.userIds].some((id) => botIds.has(id)),
        me_burst: false,
        burst_colors: [],
      })),
    };
  }
}

function role(id: string, name: string, permissions: string, position: number): APIRole {
  return {
    id,
    name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position,
    permissions,
    managed: false,
    mentionable: false,
    flags: 0 as APIRole['flags'],
  };
}

function parseEmoji(emoji: string): { id: string | null; name: string } {
  const custom = /^(?:a:)?([^:]+):(\d+)$/.exec(emoji);
  return custom ? { id: custom[2], name: custom[1] } : { id: null, name: emoji };
}

function sameEmoji(a: { id: string | null; name: string }, b: { id: string | null; name: string }): boolean {
  return a.id !== null || b.id !== null ? a.id === b.id : a.name === b.name;
}

export function isDmChannel(channel: APIChannel): boolean {
  return channel.type === ChannelType.DM || channel.type === ChannelType.GroupDM;
}

export const LOADING_FLAG = MessageFlags.Loading;
