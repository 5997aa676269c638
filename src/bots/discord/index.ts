/**
 * The Discord adapter (discord.js v14). See docs/discord.md for setup.
 * - `createDiscordBot({ core, token, applicationId, restApi?, allowedGuilds, allowedChannels, allowedRoles, logger? })`
 *   → { start(), stop(), client }. Call `core.start()` after `bot.start()`.
 * - `registerDiscordCommands({ token, applicationId, guildId?, restApi? })` uploads `discordCommands(commands)` (bounds from the configured limits; default `COMMANDS`).
 */
export { createDiscordBot } from './bot.ts';
export type { DiscordBot } from './bot.ts';
export { registerDiscordCommands } from './register.ts';
export type { RegisterDiscordCommandsOptions } from './register.ts';
export { COMMAND_NAMES, DISCORD_COMMANDS, discordCommands } from './command-definitions.ts';
export { DISCORD_BOT_DEFAULTS, DISCORD_CDN_HOSTS } from './options.ts';
export {
  channelPermissionsOf,
  DISCORD_PERMISSIONS,
  INVITE_PERMISSIONS,
  missingToPost,
  grantAdvice,
} from './permissions.ts';
export type { NeededPermission } from './permissions.ts';
export type { DiscordBotOptions } from './options.ts';
