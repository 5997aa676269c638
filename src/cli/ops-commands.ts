/** Operator commands: `config`, `discord register`, `worker`. Thin shells over the parts they start. */
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { commandLimitsFromConfig, commandRegistry } from '../commands/index.ts';
import { resolveCommandLimits } from '../commands/validate.ts';
import { loadConfig, describeConfig } from '../config/load.ts';
import { DiskSpace } from '../disk-space.ts';
import { createEngineFromSettings } from '../engine/index.ts';
import { createLogger } from '../log.ts';
import type { CliIo } from './io.ts';

/** `rfedit config`: the effective configuration, secrets shown only as set or not set. */
export function runConfig(io: CliIo): number {
  io.out(describeConfig(loadConfig()));
  return 0;
}

/** `rfedit cleanup`: applies the retention period now (the running bot also does it daily). */
export async function runCleanup(io: CliIo): Promise<number> {
  const { config } = loadConfig();
  const { JobStore } = await import('../jobs/store.ts');
  const { ImageStore } = await import('../jobs/image-store.ts');
  const { applyRetention } = await import('../jobs/retention.ts');
  const { imageDir, jobStorePath } = await import('../jobs/data-dir.ts');
  const store = new JobStore(jobStorePath(config.dataDir));
  try {
    const cutoff = Date.now() - config.storage.retentionDays * 86_400_000;
    const { jobsRemoved, imagesRemoved } = await applyRetention(
      store,
      new ImageStore(imageDir(config.dataDir)),
      cutoff,
    );
    io.out(
      `Removed ${jobsRemoved} finished job(s) and ${imagesRemoved} image(s) older than ${config.storage.retentionDays} days from ${config.dataDir}.`,
    );
    return 0;
  } finally {
    store.close();
  }
}

/** `rfedit discord register [--guild <id>]`: uploads the slash and context-menu commands. */
export async function runDiscordRegister(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { guild: { type: 'string' } }, strict: true });
  const { config, secrets } = loadConfig();
  if (!secrets.discordToken || !secrets.discordAppId) {
    io.err(
      'Set DISCORD_TOKEN and DISCORD_APP_ID (from the Discord developer portal) first; see the README, "Discord".',
    );
    return 2;
  }
  const { registerDiscordCommands } = await import('../bots/discord/index.ts');
  const commands = await registerDiscordCommands({
    token: secrets.discordToken,
    applicationId: secrets.discordAppId,
    ...(config.discord.restApi ? { restApi: config.discord.restApi } : {}),
    ...(values.guild ? { guildId: values.guild } : {}),
    // Option bounds (prompt length, steps, guidance) as configured, so Discord refuses what the bot would.
    commands: commandRegistry(resolveCommandLimits(commandLimitsFromConfig(config))),
  });
  const where = values.guild
    ? `server ${values.guild} (active now)`
    : 'every server and DMs (global commands can take up to an hour to appear)';
  io.out(`Registered ${commands.map((c) => c.name).join(', ')} for ${where}.`);
  return 0;
}

/** `rfedit worker`: one GPU worker taking edits from Redis until SIGTERM/SIGINT. */
export async function runWorker(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { name: { type: 'string' } }, strict: true });
  const { config, secrets } = loadConfig();
  if (!secrets.redisUrl) {
    io.err('Set REDIS_URL (e.g. redis://redis-host:6379) to the Redis the bot uses; see the README, "Scaling out".');
    return 2;
  }
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty, secrets: Object.values(secrets) });
  const { runWorker: startWorker } = await import('../jobs/redis/worker.ts');
  const { redactRedisUrl } = await import('../jobs/redis/connection.ts');
  const { imageDir } = await import('../jobs/data-dir.ts');
  mkdirSync(config.dataDir, { recursive: true });
  const disk = new DiskSpace(config.dataDir, config.storage); // the worker's inversion cache keeps its volume above the floor
  const engine = createEngineFromSettings({
    ...config.engine,
    dataDir: config.dataDir,
    disk,
    logger: logger.child({ part: 'engine' }),
  });
  const worker = await startWorker({
    redisUrl: secrets.redisUrl,
    engine,
    imageDir: imageDir(config.dataDir), // the bot's image folder, on storage both can reach
    options: {
      jobTimeoutMs: config.queue.jobTimeoutSec * 1000,
      progressIntervalMs: config.queue.progressIntervalMs,
      progressIntervalMsByPlatform: { web: config.queue.webProgressIntervalMs },
      perUserRunning: config.queue.perUserRunning,
    },
    ...(values.name ? { name: values.name } : {}),
    onError: (error, context) => logger.error({ err: error, ...context }, 'worker error'),
  }).catch(async (error: unknown) => {
    await engine.close();
    throw error;
  });
  io.out(`Worker ${worker.name} is taking edits from ${redactRedisUrl(secrets.redisUrl)}. Stop with Ctrl+C.`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal }, 'worker stopping: a running edit goes back in line for another worker');
  await worker.close();
  await engine.close();
  return 0;
}
