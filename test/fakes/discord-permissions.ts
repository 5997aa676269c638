/**
 * Effective permissions in a channel, computed the way Discord documents it (discord-api-docs, "Permissions"
 * topic, https://discord.com/developers/docs/topics/permissions): base permissions from @everyone and the
 * member's roles, Administrator and the guild owner get everything, then the channel's overwrites in order
 * (@everyone, roles, member), then the implicit denials, and threads inherit their parent's overwrites.
 */
import { ChannelType, PermissionFlagsBits, type APIChannel, type APIOverwrite } from 'discord-api-types/v10';

export const ALL_PERMISSION_BITS = (1n << 51n) - 1n;

export interface PermissionSubject {
  readonly userId: string;
  readonly roleIds: readonly string[];
}

export interface PermissionGuild {
  readonly id: string;
  readonly ownerId: string;
  readonly roles: ReadonlyArray<{ id: string; permissions: string }>;
}

/** "compute_base_permissions": owner → all; @everyone (id = guild id) | each role; Administrator → all. */
export function basePermissions(guild: PermissionGuild, subject: PermissionSubject): bigint {
  if (subject.userId === guild.ownerId) return ALL_PERMISSION_BITS;
  let bits = 0n;
  for (const role of guild.roles)
    if (role.id === guild.id || subject.roleIds.includes(role.id)) bits |= BigInt(role.permissions);
  return bits & PermissionFlagsBits.Administrator ? ALL_PERMISSION_BITS : bits;
}

/**
 * "compute_overwrites" then "Implicit Permissions" and "Inherited Permissions (Threads)". `channel` is the channel
 * whose overwrites apply: for a thread, pass its parent and `inThread: true`.
 */
export function channelPermissions(
  guild: PermissionGuild,
  subject: PermissionSubject,
  overwrites: readonly APIOverwrite[],
  inThread = false,
): bigint {
  const base = basePermissions(guild, subject);
  // "ADMINISTRATOR overrides any potential permission overwrites, so there is nothing to do here."
  if (base === ALL_PERMISSION_BITS) return base;
  let bits = base;
  const everyone = overwrites.find((o) => o.id === guild.id);
  if (everyone) bits = (bits & ~BigInt(everyone.deny)) | BigInt(everyone.allow);
  let allow = 0n;
  let deny = 0n;
  for (const o of overwrites) {
    if (o.id !== guild.id && o.type === 0 && subject.roleIds.includes(o.id)) {
      allow |= BigInt(o.allow);
      deny |= BigInt(o.deny);
    }
  }
  bits = (bits & ~deny) | allow;
  const member = overwrites.find((o) => o.type === 1 && o.id === subject.userId);
  if (member) bits = (bits & ~BigInt(member.deny)) | BigInt(member.allow);
  // "Denying VIEW_CHANNEL implicitly denies other permissions on the channel."
  if (!(bits & PermissionFlagsBits.ViewChannel)) return 0n;
  // Threads: "SEND_MESSAGES is not inherited; users must have SEND_MESSAGES_IN_THREADS to send a message in a thread".
  const sends = inThread ? PermissionFlagsBits.SendMessagesInThreads : PermissionFlagsBits.SendMessages;
  // "Denying SEND_MESSAGES implicitly denies MENTION_EVERYONE, SEND_TTS_MESSAGES, ATTACH_FILES, and EMBED_LINKS."
  if (!(bits & sends)) {
    bits &= ~(
      PermissionFlagsBits.MentionEveryone |
      PermissionFlagsBits.SendTTSMessages |
      PermissionFlagsBits.AttachFiles |
      PermissionFlagsBits.EmbedLinks
    );
  }
  return bits;
}

export function isThread(channel: APIChannel): boolean {
  return (
    channel.type === ChannelType.PublicThread ||
    channel.type === ChannelType.PrivateThread ||
    channel.type === ChannelType.AnnouncementThread
  );
}

/** Names for error details and test output, e.g. "AttachFiles". */
export function permissionNames(bits: bigint): string[] {
  return Object.entries(PermissionFlagsBits)
    .filter(([, bit]) => bits & bit)
    .map(([name]) => name);
}
