/**
 * The channel permissions the bot needs, in one list: the README's invite link, the check before a job starts,
 * the delivery fallbacks and `rfedit doctor` all read it. A permission is `required` when without it no result
 * can be posted in the channel; the others only change where or how (a thread, a reply, taking back reactions).
 */
import { PermissionFlagsBits, type PermissionsBitField } from 'discord.js';

export interface NeededPermission {
  readonly flag: bigint;
  /** As Discord's settings name it. */
  readonly name: string;
  /** What the bot does with it, for the user and for doctor's fix. */
  readonly why: string;
  readonly required: boolean;
}

export const DISCORD_PERMISSIONS: readonly NeededPermission[] = [
  { flag: PermissionFlagsBits.ViewChannel, name: 'View Channels', why: 'to see the channel at all', required: true },
  {
    flag: PermissionFlagsBits.SendMessages,
    name: 'Send Messages',
    why: 'to post results and status messages',
    required: true,
  },
  { flag: PermissionFlagsBits.AttachFiles, name: 'Attach Files', why: 'to post the edited image', required: true },
  {
    flag: PermissionFlagsBits.SendMessagesInThreads,
    name: 'Send Messages in Threads',
    why: 'to post results in a thread',
    required: false,
  },
  {
    flag: PermissionFlagsBits.CreatePublicThreads,
    name: 'Create Public Threads',
    why: 'to start a thread for each edit',
    required: false,
  },
  {
    flag: PermissionFlagsBits.ReadMessageHistory,
    name: 'Read Message History',
    why: 'to reply to the status message and see reactions on older messages',
    required: false,
  },
  {
    flag: PermissionFlagsBits.ManageMessages,
    name: 'Manage Messages',
    why: 'to take back refused reactions',
    required: false,
  },
];

/** The `permissions=` of the invite link: every permission above. */
export const INVITE_PERMISSIONS: bigint = DISCORD_PERMISSIONS.reduce((bits, p) => bits | p.flag, 0n);

/** In a thread, Send Messages in Threads stands in for Send Messages (discord-api-docs "Permissions", threads). */
export function requiredPermissions(inThread: boolean): NeededPermission[] {
  const required = DISCORD_PERMISSIONS.filter((p) => p.required);
  if (!inThread) return required;
  const inThreads = DISCORD_PERMISSIONS.find((p) => p.flag === PermissionFlagsBits.SendMessagesInThreads)!;
  return required.map((p) => (p.flag === PermissionFlagsBits.SendMessages ? inThreads : p));
}

/** The required permissions `granted` lacks for posting results here. */
export function missingToPost(granted: bigint | Readonly<PermissionsBitField>, inThread: boolean): NeededPermission[] {
  const bits = typeof granted === 'bigint' ? granted : granted.bitfield;
  return requiredPermissions(inThread).filter((p) => (bits & p.flag) === 0n);
}

export function hasPermission(granted: bigint | Readonly<PermissionsBitField>, flag: bigint): boolean {
  return ((typeof granted === 'bigint' ? granted : granted.bitfield) & flag) === flag;
}

/** Plain words for a person who can fix it: which permissions, where to grant them. */
export function grantAdvice(missing: readonly NeededPermission[], where: string): string {
  const names = missing.map((p) => p.name).join(', ');
  return `give the bot's role ${names} in ${where} (Server Settings → Roles → the bot's role, or the channel's Edit Channel → Permissions)`;
}

/** What the REST API tells about a member's permissions in one channel (Get Guild, Get Guild Member, the channel). */
export interface PermissionSources {
  readonly guildId: string;
  readonly ownerId: string;
  readonly roles: ReadonlyArray<{ id: string; permissions: string }>;
  readonly userId: string;
  readonly memberRoleIds: readonly string[];
  readonly overwrites: ReadonlyArray<{ id: string; type: number; allow: string; deny: string }>;
}

const EVERY_PERMISSION = (1n << 64n) - 1n;
const MEMBER_OVERWRITE = 1;

/**
 * A member's permissions in a server channel, as discord-api-docs "Permissions" computes them: the owner and
 * Administrator hold everything; otherwise @everyone's and the member's roles, then the channel's @everyone,
 * role and member overwrites in that order; no View Channels means nothing, no Send Messages means no files.
 */
export function channelPermissionsOf(sources: PermissionSources): bigint {
  const { guildId, userId, memberRoleIds, overwrites } = sources;
  if (userId === sources.ownerId) return EVERY_PERMISSION;
  const base = sources.roles
    .filter((r) => r.id === guildId || memberRoleIds.includes(r.id))
    .reduce((bits, r) => bits | BigInt(r.permissions), 0n);
  if (base & PermissionFlagsBits.Administrator) return EVERY_PERMISSION;
  const overwrite = (bits: bigint, o: { allow: string | bigint; deny: string | bigint } | undefined) =>
    o ? (bits & ~BigInt(o.deny)) | BigInt(o.allow) : bits;
  const roleOverwrites = overwrites.filter(
    (o) => o.type !== MEMBER_OVERWRITE && o.id !== guildId && memberRoleIds.includes(o.id),
  );
  const roles = {
    allow: roleOverwrites.reduce((b, o) => b | BigInt(o.allow), 0n),
    deny: roleOverwrites.reduce((b, o) => b | BigInt(o.deny), 0n),
  };
  const steps = [
    overwrites.find((o) => o.id === guildId),
    roles,
    overwrites.find((o) => o.type === MEMBER_OVERWRITE && o.id === userId),
  ];
  let bits = steps.reduce(overwrite, base);
  if (!(bits & PermissionFlagsBits.ViewChannel)) return 0n;
  if (!(bits & PermissionFlagsBits.SendMessages))
    bits &= ~(PermissionFlagsBits.AttachFiles | PermissionFlagsBits.EmbedLinks);
  return bits;
}
