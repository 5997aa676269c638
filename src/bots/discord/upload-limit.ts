/**
 * What the bot may upload per file with its own token: the server's limit by boost tier (discord-api-docs
 * reference.mdx, "Uploading Files": 10 MiB by default, more by the server's Boost Tier — 50 MiB at tier 2,
 * 100 MiB at tier 3, Discord's "Server Boosting FAQ"). An interaction's `attachment_size_limit` also counts the
 * user's Nitro, so it only applies to answers sent through that interaction.
 */
import { GuildPremiumTier, type Channel } from 'discord.js';

const MiB = 1024 * 1024;

export function botUploadLimit(channel: Channel, unboostedBytes: number): number {
  const tier = 'guild' in channel && channel.guild ? channel.guild.premiumTier : GuildPremiumTier.None;
  if (tier === GuildPremiumTier.Tier3) return Math.max(unboostedBytes, 100 * MiB);
  if (tier === GuildPremiumTier.Tier2) return Math.max(unboostedBytes, 50 * MiB);
  return unboostedBytes;
}
