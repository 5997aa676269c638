/**
 * `rfedit doctor`, Discord section: with the real token it asks Discord (REST only, no gateway) whether the token
 * works and belongs to DISCORD_APP_ID, where the commands are registered, and for each server (or the configured
 * ones) and each channel the bot may answer in, whether it holds the permissions it needs there.
 */
import {
  DiscordAPIError,
  REST,
  Routes,
  type APIChannel,
  type APIGuild,
  type APIGuildMember,
  type APIUser,
  type RESTGetAPICurrentUserGuildsResult,
} from 'discord.js';
import type { LoadedConfig } from '../../config/load.ts';
import {
  channelPermissionsOf,
  DISCORD_COMMANDS,
  DISCORD_PERMISSIONS,
  grantAdvice,
  INVITE_PERMISSIONS,
} from '../../bots/discord/index.ts';
import type { DoctorCheck, DoctorSection } from './check.ts';

export interface DiscordDoctorSettings {
  readonly token?: string;
  readonly applicationId?: string;
  /** REST base (a fake Discord in tests). @default Discord's own */
  readonly restApi?: string;
  readonly allowedGuilds: readonly string[];
  readonly allowedChannels: readonly string[];
}

const TITLE = 'Discord';
/** Text and announcement channels: where slash commands and results live (threads follow their parent). */
const MESSAGE_CHANNEL_TYPES = new Set([0, 5]);

export function discordDoctorSettings({
  config,
  secrets,
}: Pick<LoadedConfig, 'config' | 'secrets'>): DiscordDoctorSettings {
  return {
    ...(secrets.discordToken ? { token: secrets.discordToken } : {}),
    ...(secrets.discordAppId ? { applicationId: secrets.discordAppId } : {}),
    ...(config.discord.restApi ? { restApi: config.discord.restApi } : {}),
    allowedGuilds: config.discord.allowedGuilds,
    allowedChannels: config.discord.allowedChannels,
  };
}

export async function discordDoctor(settings: DiscordDoctorSettings): Promise<DoctorSection> {
  const { token, applicationId } = settings;
  if (!token && !applicationId) {
    return {
      title: TITLE,
      checks: [],
      skipped:
        'set DISCORD_TOKEN (Developer Portal → your app → Bot → Reset Token) and DISCORD_APP_ID (General Information → Application ID) to check Discord',
    };
  }
  if (!token || !applicationId) {
    const unset = token ? 'DISCORD_APP_ID' : 'DISCORD_TOKEN';
    return {
      title: TITLE,
      checks: [
        {
          label: `${unset} is set`,
          ok: false,
          fix: `set ${unset}; the bot needs both DISCORD_TOKEN and DISCORD_APP_ID`,
        },
      ],
    };
  }
  const rest = new REST({ ...(settings.restApi ? { api: settings.restApi } : {}), retries: 1 }).setToken(token);
  const checks: DoctorCheck[] = [];
  let bot: APIUser;
  try {
    bot = (await rest.get(Routes.user())) as APIUser;
    const app = (await rest.get(Routes.currentApplication())) as { id: string; name: string };
    checks.push({ label: `Discord token is valid (bot ${bot.username})`, ok: true });
    const matches = app.id === applicationId;
    checks.push({
      label: matches
        ? `DISCORD_APP_ID matches the token's application (${app.name})`
        : `DISCORD_APP_ID ${applicationId} is not the token's application (${app.id})`,
      ok: matches,
      ...(matches ? {} : { fix: `set DISCORD_APP_ID=${app.id}, or use the token of application ${applicationId}` }),
    });
    if (!matches) return { title: TITLE, checks };
  } catch (error) {
    checks.push(unreachable(error));
    return { title: TITLE, checks };
  }
  const guilds = await guildsToCheck(rest, settings, checks);
  checks.push(await commandCheck(rest, applicationId, guilds));
  for (const guild of guilds) checks.push(...(await channelChecks(rest, guild, bot.id, settings.allowedChannels)));
  return { title: TITLE, checks };
}

/** The servers the bot is in, narrowed to the configured ones; a configured server it is not in is a failure. */
async function guildsToCheck(
  rest: REST,
  settings: DiscordDoctorSettings,
  checks: DoctorCheck[],
): Promise<Array<{ id: string; name: string }>> {
  const joined = (await rest.get(Routes.userGuilds())) as RESTGetAPICurrentUserGuildsResult;
  const invite = `https://discord.com/oauth2/authorize?client_id=${settings.applicationId}&scope=bot+applications.commands&permissions=${INVITE_PERMISSIONS}`;
  if (joined.length === 0) {
    checks.push({ label: 'The bot is in no server yet', ok: false, fix: `open ${invite} and pick the server` });
    return [];
  }
  for (const id of settings.allowedGuilds.filter((id) => !joined.some((g) => g.id === id))) {
    checks.push({
      label: `The bot is in configured server ${id}`,
      ok: false,
      fix: `invite it with ${invite}, or remove ${id} from discord.allowedGuilds`,
    });
  }
  return settings.allowedGuilds.length > 0 ? joined.filter((g) => settings.allowedGuilds.includes(g.id)) : joined;
}

async function commandCheck(
  rest: REST,
  applicationId: string,
  guilds: ReadonlyArray<{ id: string; name: string }>,
): Promise<DoctorCheck> {
  const wanted = DISCORD_COMMANDS.map((c) => c.name);
  const missingFrom = (names: string[]) => wanted.filter((n) => !names.includes(n));
  const global = ((await rest.get(Routes.applicationCommands(applicationId))) as Array<{ name: string }>).map(
    (c) => c.name,
  );
  if (missingFrom(global).length === 0)
    return { label: `Commands registered globally (${wanted.join(', ')})`, ok: true };
  const inGuilds: string[] = [];
  for (const guild of guilds) {
    const names = (
      (await rest.get(Routes.applicationGuildCommands(applicationId, guild.id))) as Array<{ name: string }>
    ).map((c) => c.name);
    if (missingFrom(names).length === 0) inGuilds.push(guild.name);
  }
  if (inGuilds.length > 0) {
    const elsewhere =
      guilds.length > inGuilds.length ? '; other servers do not have them (npx rfedit discord register for all)' : '';
    return { label: `Commands registered in ${inGuilds.join(', ')}${elsewhere}`, ok: true };
  }
  const partly =
    global.length > 0 ? ` (globally only ${global.join(', ')}: missing ${missingFrom(global).join(', ')})` : '';
  return {
    label: `Commands are not registered${partly}`,
    ok: false,
    fix: 'run npx rfedit discord register (global, can take a while to appear) or npx rfedit discord register --guild <server id>',
  };
}

/** One line per channel the bot may answer in: the permissions it lacks there and how to grant them. */
async function channelChecks(
  rest: REST,
  summary: { id: string; name: string },
  botId: string,
  allowedChannels: readonly string[],
): Promise<DoctorCheck[]> {
  const guild = (await rest.get(Routes.guild(summary.id))) as APIGuild;
  const member = (await rest.get(Routes.guildMember(summary.id, botId))) as APIGuildMember;
  const channels = ((await rest.get(Routes.guildChannels(summary.id))) as APIChannel[]).filter((c) =>
    MESSAGE_CHANNEL_TYPES.has(c.type),
  );
  const inScope = allowedChannels.length > 0 ? channels.filter((c) => allowedChannels.includes(c.id)) : channels;
  return inScope.map((channel) => {
    const granted = channelPermissionsOf({
      guildId: guild.id,
      ownerId: guild.owner_id,
      roles: guild.roles,
      userId: botId,
      memberRoleIds: member.roles,
      overwrites: 'permission_overwrites' in channel ? (channel.permission_overwrites ?? []) : [],
    });
    const missing = DISCORD_PERMISSIONS.filter((p) => (granted & p.flag) !== p.flag);
    const where = `#${(channel as { name?: string }).name ?? channel.id} in ${guild.name}`;
    if (missing.length === 0) return { label: `${where}: the bot has every permission it needs`, ok: true };
    const required = missing.some((p) => p.required);
    const list = missing.map((p) => `${p.name} (${p.why})`).join(', ');
    return {
      label: `${where}: missing ${list}`,
      ok: false,
      fix: grantAdvice(missing, where),
      // Without the optional ones the bot still posts results, just not in threads or as replies.
      required,
    };
  });
}

function unreachable(error: unknown): DoctorCheck {
  if (error instanceof DiscordAPIError && error.status === 401) {
    return {
      label: 'Discord token is valid',
      ok: false,
      fix: 'Discord refused the token: reset it (Developer Portal → Bot → Reset Token) and set DISCORD_TOKEN to the new one',
    };
  }
  return {
    label: 'Discord is reachable',
    ok: false,
    fix: `could not ask Discord (${error instanceof Error ? error.message : String(error)}); check the network and try again`,
  };
}
