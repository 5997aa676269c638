/**
 * The Discord bot: a discord.js client wired to the core. Interactions and reactions go in as commands;
 * the core's job events come out as messages (job-messages.ts).
 *
 *   const bot = createDiscordBot({ core, token, applicationId, allowedGuilds, allowedChannels, allowedRoles, logger });
 *   await bot.start();   // subscribes to job events and logs in
 *   await core.start();  // after every adapter started: resumed jobs' events need their adapter listening
 *   …
 *   await bot.stop();
 */
import { once } from 'node:events';
import { Client, Events, GatewayIntentBits, Partials, RESTEvents } from 'discord.js';
import { dropUndefined } from '../../jobs/queue.ts';
import { silentLogger } from '../../log.ts';
import type { Adapter } from './adapter.ts';
import { handleInteraction } from './interactions.ts';
import { JobMessages } from './job-messages.ts';
import { MenuImages } from './menu-images.ts';
import { DISCORD_BOT_DEFAULTS, type DiscordBotOptions, type ResolvedDiscordBotOptions } from './options.ts';
import { handleReaction } from './reactions.ts';

export interface DiscordBot {
  readonly client: Client;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createDiscordBot(options: DiscordBotOptions): DiscordBot {
  const resolved: ResolvedDiscordBotOptions = {
    ...DISCORD_BOT_DEFAULTS,
    logger: silentLogger,
    ...dropUndefined(options),
  } as ResolvedDiscordBotOptions;
  const { core, logger } = resolved;
  const client = new Client({
    // Slash commands need no message intents; reactions need the reaction intents (neither is privileged).
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessageReactions,
      GatewayIntentBits.DirectMessages,
      GatewayIntentBits.DirectMessageReactions,
    ],
    // Reactions on messages the client never cached (sent before it started) arrive only as partials.
    partials: [Partials.Message, Partials.Channel, Partials.Reaction, Partials.User],
    // Messages repeat users' prompts; without this a prompt saying @everyone or <@&role> would ping them.
    // Messages that should ping (the result, for its owner) name the user explicitly.
    allowedMentions: { parse: [] },
    ...(resolved.restApi === undefined ? {} : { rest: { api: resolved.restApi } }),
    // Above 2,500 servers Discord closes an unsharded connection (4011); 'auto' follows its recommendation.
    // Several replicas each run their own shard ids, so every server's events reach exactly one of them.
    shards: resolved.shards === 'auto' ? 'auto' : [...resolved.shards],
    ...(resolved.shardCount === undefined ? {} : { shardCount: resolved.shardCount }),
  });
  const jobs = new JobMessages(client, core, resolved, logger);
  const adapter: Adapter = { core, client, options: resolved, jobs, menuImages: new MenuImages(resolved.now), logger };

  client.on(Events.InteractionCreate, (interaction) => {
    handleInteraction(interaction, adapter).catch((error) =>
      logger.error({ err: error, interaction: interaction.id }, 'Discord interaction handler failed'),
    );
  });
  client.on(Events.MessageReactionAdd, (reaction, user) => {
    handleReaction(reaction, user, adapter).catch((error) =>
      logger.warn({ err: error, messageId: reaction.message.id }, 'Discord reaction handler failed'),
    );
  });
  client.rest.on(RESTEvents.RateLimited, (info) =>
    logger.warn(
      { route: info.route, retryAfterMs: info.retryAfter, global: info.global },
      'Discord rate limit; waiting',
    ),
  );
  client.on(Events.ShardDisconnect, (_event, shard) =>
    logger.warn({ shard }, 'Discord gateway disconnected; reconnecting'),
  );
  client.on(Events.Error, (error) => logger.error({ err: error }, 'Discord client error'));

  let unsubscribe: (() => void) | undefined;
  return {
    client,
    async start() {
      unsubscribe = core.events.onEvent(jobs.onEvent);
      const ready = once(client, Events.ClientReady);
      await client.login(resolved.token);
      await ready;
      logger.info({ user: client.user?.tag }, 'Discord bot ready');
    },
    async stop() {
      unsubscribe?.();
      await jobs.close();
      await client.destroy();
    },
  };
}
