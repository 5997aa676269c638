/**
 * Composition of a running rfedit: configuration → logger → engine → core (commands + queue + store) →
 * adapters (web chat, Discord, Slack) → health and metrics; and the graceful shutdown that undoes it.
 * The only place that knows every part; each part knows only what it is given.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { BotCore } from './commands/index.ts';
import { createBotCore } from './commands/index.ts';
import type { Config, Secrets } from './config/schema.ts';
import { createEngineFromSettings } from './engine/index.ts';
import type { EditEngine } from './engine/types.ts';
import { RedisJobQueue } from './jobs/redis/redis-queue.ts';
import type { Logger } from './log.ts';
import { createHealthServer, type ReadinessCheck } from './server/health.ts';
import { Metrics } from './server/metrics.ts';

/** Something that talks to users: started after the core, stopped before it. */
export interface Adapter {
  readonly name: string;
  start(): Promise<string | void>;
  stop(): Promise<void>;
  /** For /readyz: true, or what is wrong. */
  ready?(): true | string;
}

export interface RunningApp {
  core: BotCore;
  metrics: Metrics;
  urls: Record<string, string>;
  /** Stops taking work, lets the running edit finish (or checkpoints it) within the grace period, closes. */
  shutdown(reason: string): Promise<void>;
}

export interface AppOptions {
  config: Config;
  secrets: Secrets;
  logger: Logger;
  /** How long a running edit may take to finish on shutdown before it is stopped and left queued. @default 30_000 */
  shutdownGraceMs?: number;
}

/** The button-signing secret: RFEDIT_SECRET, else one generated once and kept in the data folder. */
export function actionSecret(dataDir: string, fromEnv?: string): string {
  if (fromEnv) return fromEnv;
  const file = path.join(dataDir, 'action-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 }); // created here, so the mode applies: readable by the bot only
  return secret;
}

export async function startApp(options: AppOptions): Promise<RunningApp> {
  const { config, secrets, logger } = options;
  const dataDir = config.dataDir;
  const metrics = new Metrics();
  const rawEngine = createEngineFromSettings({ ...config.engine, dataDir, logger: logger.child({ part: 'engine' }) });
  const engine = metrics.meter(rawEngine);
  let engineReady: true | string = 'the model is loading';
  // Loads every model session and runs the whole pipeline once, off the request path, so /readyz means "edits work".
  const warmUp = warmUpEngine(rawEngine).then(
    () => {
      engineReady = true;
      logger.info('model loaded and checked');
    },
    (error: unknown) => {
      engineReady = `the model failed its first test edit: ${(error as Error).message}`;
      logger.error({ err: error }, 'model failed its first test edit');
    },
  );
  const queueOptions = {
    engineSlots: config.queue.slots,
    maxQueued: config.queue.maxQueued,
    perUserQueued: config.queue.perUserQueued,
    perUserRunning: config.queue.perUserRunning,
    jobTimeoutMs: config.queue.jobTimeoutSec * 1000,
    progressIntervalMs: config.queue.progressIntervalMs,
  };
  let redisQueue: RedisJobQueue | undefined;
  const core = createBotCore({
    engine,
    dataDir,
    secret: actionSecret(dataDir, secrets.actionSecret),
    queue: queueOptions,
    limits: {
      bannedWords: config.moderation.blockedWords,
      blockedPatterns: config.moderation.blockedPatterns,
      dailyQuota: config.moderation.dailyQuota,
      maxImageBytes: config.engine.maxInputBytes,
      maxImagePixels: config.engine.maxInputPixels,
    },
    admins: config.moderation.admins,
    retentionMs: config.storage.retentionDays * 86_400_000,
    ...(secrets.redisUrl
      ? {
          createQueue: ({ store, images }) =>
            (redisQueue = new RedisJobQueue({
              redisUrl: secrets.redisUrl!,
              store,
              images,
              options: queueOptions,
              onError: (error, context) => logger.warn({ err: error, ...context }, 'redis queue'),
            })),
        }
      : {}),
    onError: (error, context) => logger.error({ err: error, ...context }, 'job error'),
  });
  metrics.watchQueue(core.queue);
  core.events.onEvent((event) => {
    metrics.observeEvent(event);
    if (event.type !== 'progress') {
      logger.info({ jobId: event.jobId, user: `${event.owner.platform}:${event.owner.id}`, channel: event.place.channelId, event: event.type }, `job ${event.type}`);
    }
  });

  const adapters = await createAdapters({ ...options, core, metrics });
  const checks: Record<string, ReadinessCheck> = { engine: () => engineReady, queue: stuckQueueCheck(core) };
  for (const adapter of adapters) if (adapter.ready) checks[adapter.name] = adapter.ready.bind(adapter);

  if (redisQueue) await redisQueue.connect();
  // Adapters listen before the core resumes jobs, so results finished or resumed across a restart reach them.
  const urls: Record<string, string> = {};
  const started: Adapter[] = [];
  for (const adapter of adapters) {
    const url = await adapter.start();
    started.push(adapter);
    if (url) urls[adapter.name] = url;
    logger.info({ adapter: adapter.name, url }, `${adapter.name} started`);
  }
  await core.start();
  const retention = setInterval(() => void runRetention(core, logger), RETENTION_INTERVAL_MS);
  retention.unref();
  void runRetention(core, logger);
  const health = config.health.enabled ? createHealthServer({ ...config.health, metrics, checks }) : undefined;
  if (health) urls.health = (await health.start()).url;

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) =>
    (stopping ??= (async () => {
      logger.info({ reason }, 'shutting down: no new work; waiting for the running edit');
      clearInterval(retention);
      await core.queue.pause(); // nothing new starts; waiting jobs stay in the store and resume on the next start
      await waitForRunningJob(core, options.shutdownGraceMs ?? 30_000);
      for (const adapter of started.reverse()) {
        await adapter.stop().catch((error) => logger.warn({ err: error, adapter: adapter.name }, 'adapter did not stop cleanly'));
      }
      await core.close(); // a job still running is stopped and stays queued in the store: it resumes on the next start
      await warmUp;
      await engine.close();
      await health?.stop();
      logger.info('stopped');
    })());
  return { core, metrics, urls, shutdown };
}

async function createAdapters(options: AppOptions & { core: BotCore; metrics: Metrics }): Promise<Adapter[]> {
  const { config, secrets, logger, core, metrics } = options;
  const adapters: Adapter[] = [];
  if (config.web.enabled) {
    const { createWebChat } = await import('./bots/web/index.ts');
    const chat = createWebChat({ core, host: config.web.host, port: config.web.port, dataDir: config.dataDir, logger: logger.child({ part: 'web' }) });
    adapters.push({ name: 'web', start: async () => (await chat.start()).url, stop: () => chat.stop() });
  }
  if (secrets.discordToken && secrets.discordAppId) {
    const { createDiscordBot } = await import('./bots/discord/index.ts');
    const bot = createDiscordBot({
      core,
      token: secrets.discordToken,
      applicationId: secrets.discordAppId,
      allowedGuilds: config.discord.allowedGuilds,
      allowedChannels: config.discord.allowedChannels,
      allowedRoles: config.discord.allowedRoles,
      shards: config.discord.shards,
      ...(config.discord.shardCount === undefined ? {} : { shardCount: config.discord.shardCount }),
      ...(config.discord.restApi === undefined ? {} : { restApi: config.discord.restApi }),
      maxDownloadBytes: config.engine.maxInputBytes,
      logger: logger.child({ part: 'discord' }),
    });
    bot.client.rest.on('rateLimited', () => metrics.rateLimited('discord'));
    adapters.push({
      name: 'discord',
      start: () => bot.start(),
      stop: () => bot.stop(),
      ready: () => (bot.client.isReady() ? true : 'not connected to the Discord gateway'),
    });
  } else if (secrets.discordToken || secrets.discordAppId) {
    logger.warn('Discord needs both DISCORD_TOKEN and DISCORD_APP_ID; the Discord bot is off');
  }
  if (secrets.slackBotToken) {
    const mode = config.slack.mode;
    const missing = mode === 'socket' ? (!secrets.slackAppToken && 'SLACK_APP_TOKEN') : (!secrets.slackSigningSecret && 'SLACK_SIGNING_SECRET');
    if (missing) {
      logger.warn(`Slack in ${mode} mode needs ${missing}; the Slack bot is off`);
    } else {
      const { createSlackBot } = await import('./bots/slack/index.ts');
      const bot = createSlackBot({
        core,
        botToken: secrets.slackBotToken,
        signingSecret: secrets.slackSigningSecret,
        appToken: secrets.slackAppToken,
        mode,
        port: config.slack.port,
        allowedWorkspaces: config.slack.allowedWorkspaces,
        allowedChannels: config.slack.allowedChannels,
        allowedUsers: config.slack.allowedUsers,
        maxDownloadBytes: config.engine.maxInputBytes,
        logger: logger.child({ part: 'slack' }),
      });
      adapters.push({
        name: 'slack',
        start: async () => {
          await bot.start();
          return bot.requestUrl(); // HTTP mode: the Request URL to give Slack
        },
        stop: () => bot.stop(),
      });
    }
  }
  return adapters;
}

/** One tiny one-step edit: every session loads and the pipeline runs end to end. */
async function warmUpEngine(engine: EditEngine): Promise<void> {
  const image = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toBuffer();
  await engine.edit({ image, prompt: 'warm up', overrides: { steps: 1 } });
}

const RETENTION_INTERVAL_MS = 86_400_000; // daily

async function runRetention(core: BotCore, logger: Logger): Promise<void> {
  try {
    const removed = await core.cleanup();
    if (removed.jobsRemoved + removed.imagesRemoved > 0) logger.info(removed, 'retention: old jobs and images removed');
  } catch (error) {
    logger.warn({ err: error }, 'retention cleanup failed; will try again tomorrow');
  }
}

/** Resolves when nothing is running, or after graceMs. */
async function waitForRunningJob(core: BotCore, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (core.queue.stats().running > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The queue is stuck when jobs have been waiting with none running for longer than a job takes to start. */
function stuckQueueCheck(core: BotCore, patienceMs = 60_000): ReadinessCheck {
  let idleSince: number | undefined;
  return () => {
    const { queued, running } = core.queue.stats();
    if (queued === 0 || running > 0) {
      idleSince = undefined;
      return true;
    }
    idleSince ??= Date.now();
    const waited = Date.now() - idleSince;
    return waited < patienceMs ? true : `${queued} job(s) waiting but none has run for ${Math.round(waited / 1000)} s`;
  };
}
