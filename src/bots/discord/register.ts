/**
 * Uploads the command definitions (bulk PUT, replacing what was there). A guild id registers them in that
 * guild only, which takes effect at once (for development); without one they are global.
 */
import { REST, Routes, type APIApplicationCommand } from 'discord.js';
import type { CommandRegistry } from '../../commands/index.ts';
import { discordCommands } from './command-definitions.ts';

export interface RegisterDiscordCommandsOptions {
  token: string;
  applicationId: string;
  guildId?: string;
  /** REST base URL (a fake Discord in tests). @default Discord's own */
  restApi?: string;
  /** Option bounds follow these (the configured limits). @default COMMANDS (the default limits) */
  commands?: CommandRegistry;
}

export async function registerDiscordCommands(
  options: RegisterDiscordCommandsOptions,
): Promise<APIApplicationCommand[]> {
  const rest = new REST(options.restApi === undefined ? {} : { api: options.restApi }).setToken(options.token);
  const route =
    options.guildId === undefined
      ? Routes.applicationCommands(options.applicationId)
      : Routes.applicationGuildCommands(options.applicationId, options.guildId);
  return (await rest.put(route, { body: discordCommands(options.commands) })) as APIApplicationCommand[];
}
