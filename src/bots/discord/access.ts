/**
 * Where the bot answers, from config: allowed guilds, channels and roles (empty lists allow everything).
 * Checked before anything else, so a refused user gets one clear ephemeral line and no work is done.
 */
import { PermissionFlagsBits, type GuildMember, type Interaction, type APIInteractionGuildMember } from 'discord.js';

export interface AccessRules {
  readonly allowedGuilds: readonly string[];
  readonly allowedChannels: readonly string[];
  readonly allowedRoles: readonly string[];
}

export interface Whereabouts {
  /** Absent in DMs. */
  readonly guildId?: string;
  readonly channelId: string;
  /** For a thread, the channel it belongs to (allow-lists name channels, not threads). */
  readonly parentChannelId?: string;
  readonly roleIds: readonly string[];
}

/** Why the user may not use the bot here, or null when they may. */
export function accessRefusal(rules: AccessRules, where: Whereabouts): string | null {
  if (rules.allowedGuilds.length > 0 && (where.guildId === undefined || !rules.allowedGuilds.includes(where.guildId))) {
    return where.guildId === undefined
      ? 'I only work in the servers I was set up for, not in direct messages.'
      : 'I am not enabled on this server.';
  }
  const channels = [where.channelId, where.parentChannelId].filter((id): id is string => id !== undefined);
  if (rules.allowedChannels.length > 0 && !channels.some((id) => rules.allowedChannels.includes(id))) {
    return 'I am not enabled in this channel. Please use one of the bot channels.';
  }
  if (rules.allowedRoles.length > 0 && !where.roleIds.some((id) => rules.allowedRoles.includes(id))) {
    return 'You need one of the roles this server set up for the bot to use it.';
  }
  return null;
}

export function whereaboutsOf(interaction: Interaction): Whereabouts {
  const channel = interaction.channel;
  const parentChannelId = channel?.isThread() ? (channel.parentId ?? undefined) : undefined;
  return {
    ...(interaction.guildId ? { guildId: interaction.guildId } : {}),
    channelId: interaction.channelId ?? '',
    ...(parentChannelId ? { parentChannelId } : {}),
    roleIds: roleIdsOf(interaction.member),
  };
}

/** An interaction's member is a cached GuildMember or the raw API member, depending on the cache. */
export function roleIdsOf(member: GuildMember | APIInteractionGuildMember | null | undefined): string[] {
  if (!member) return [];
  return Array.isArray(member.roles) ? member.roles : [...member.roles.cache.keys()];
}

/** Server managers count as admins (they may cancel or delete anyone's edits); the core adds configured admins. */
export function isServerAdmin(interaction: Interaction): boolean {
  return interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false;
}
