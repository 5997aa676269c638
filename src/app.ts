/**
 * Composition of a running rfedit: configuration → logger → engine → store, images, queue → core (commands) →
 * adapters (web chat, Discord, Slack) → health and metrics; and the graceful shutdown that undoes it.
 * The only place that knows every part and builds them (assembleCore); each part knows only what it is given.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { BotCore, BotCoreOptions } from './commands/index.ts';
import { commandLimitsFromConfig, createBotCore } from './commands/index.ts';
import type { Config, Secrets } from './config/schema.ts';
import { DiskSpace, describeDisk, directoryBytes } from './disk-space.ts';
import { DEMO_MODEL_VOCABULARY } from './engine/demo/vocabulary.ts';
import { createEngineFromSettings, inversionCacheDir, paramDefaultsFor, paramResolver } from './engine/index.ts';
import type { ParamDefaults } from './engine/params.ts';
import type { EditEngine } from './engine/types.ts';
import { imageDir, jobStorePath } from './jobs/data-dir.ts';
import { ImageStore } from './jobs/image-store.ts';
import { MemoryJobQueue } from './jobs/memory-queue.ts';
import { queueOptionsFromConfig, type JobQueue, type QueueOptions } from './jobs/queue.ts';
import { RedisJobQueue } from './jobs/redis/redis-queue.ts';
import { logJobEvents } from './job-log.ts';
import { JobStore } from './jobs/store.ts';
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

/** A core and everything under it, built in one place. */
export interface CoreAssembly extends Omit<BotCoreOptions, 'store' | 'images' | 'queue' | 'resolveParams'> {
  /** Holds jobs.sqlite and images/. */
  dataDir: string;
  /** Runs edits in this process. Not needed (and no model is loaded) when `redisUrl` sends them to workers. */
  engine?: EditEngine;
  /** Jobs go to Redis, where `rfedit worker` processes run them. */
  redisUrl?: string;
  queue?: QueueOptions;
  /** @default the engine's; without one, the declared `paramDefaults` (no model loaded) */
  resolveParams?: BotCoreOptions['resolveParams'];
  /** The model's declared parameter defaults, for a core without an engine. @default PARAM_DEFAULTS */
  paramDefaults?: ParamDefaults;
  /** Replaces the queue (tests: one over a disk that fills up). It must use the store and images given. */
  createQueue?: (parts: { engine?: EditEngine; store: JobStore; images: ImageStore }) => JobQueue;
}

/** Builds the store, the image store and the queue (in-process over `engine`, or Redis), and the core over them. */
export function assembleCore(options: CoreAssembly): BotCore {
  const {
    dataDir,
    engine,
    redisUrl,
    queue: queueOptions = {},
    resolveParams,
    paramDefaults,
    createQueue,
    ...coreOptions
  } = options;
  const now = options.now ?? Date.now;
  const onError = options.onError ?? (() => {});
  const store = new JobStore(jobStorePath(dataDir), {
    onReserveUsed: (error) =>
      onError(error, { where: 'job store: the disk is full; its reserve was used to record a job' }),
  });
  const images = new ImageStore(imageDir(dataDir), options.disk ? { disk: options.disk } : {});
  let queue: JobQueue;
  if (createQueue) queue = createQueue({ engine, store, images });
  else if (redisUrl) queue = new RedisJobQueue({ redisUrl, store, images, options: { now, ...queueOptions }, onError });
  else if (engine) queue = new MemoryJobQueue({ engine, store, images, options: { now, ...queueOptions }, onError });
  else throw new TypeError('assembleCore needs an engine (edits in this process) or a redisUrl (edits on workers)');
  const resolve = resolveParams ?? (engine ? (request) => engine.resolveParams(request) : paramResolver(paramDefaults));
  try {
    const vocabulary = coreOptions.vocabulary ?? engine?.vocabulary ?? null;
    return createBotCore({ ...coreOptions, store, images, queue, resolveParams: resolve, vocabulary });
  } catch (error) {
    store.close(); // refused options (a broken blocked pattern): nothing stays open
    throw error;
  }
}

export async function startApp(options: AppOptions): Promise<RunningApp> {
  const { config, secrets, logger } = options;
  const dataDir = config.dataDir;
  const metrics = new Metrics();
  mkdirSync(dataDir, { recursive: true });
  const disk = new DiskSpace(dataDir, config.storage);
  if (!disk.status().ok)
    logger.warn(`disk space low: ${describeDisk(disk.status())}; new edits are refused until space is freed`);
  metrics.watchDisk(disk, () => directoryBytes(inversionCacheDir(dataDir)));
  // With Redis the workers run the model; the bot loads none (parameters resolve from the model's declared defaults).
  const rawEngine = secrets.redisUrl
    ? undefined
    : createEngineFromSettings({ ...config.engine, dataDir, disk, logger: logger.child({ part: 'engine' }) });
  const engine = rawEngine && metrics.meter(rawEngine);
  let engineReady: true | string = rawEngine ? 'the model is loading' : true;
  // Loads every model session and runs the whole pipeline once, off the request path, so /readyz means "edits work".
  const warmUp = rawEngine
    ? warmUpEngine(rawEngine).then(
        () => {
          engineReady = true;
          logger.info('model loaded and checked');
        },
        (error: unknown) => {
          engineReady = `the model failed its first test edit: ${(error as Error).message}`;
          logger.error({ err: error }, 'model failed its first test edit');
        },
      )
    : Promise.resolve();
  const core = assembleCore({
    dataDir,
    engine,
    redisUrl: secrets.redisUrl,
    queue: queueOptionsFromConfig(config.queue),
    // The demo's words are known without loading it (with Redis the bot loads no model).
    vocabulary: config.engine.model === 'demo' ? DEMO_MODEL_VOCABULARY : null,
    resolveParams: paramResolver(paramDefaultsFor(config.engine.model, config.engine.convention), {
      maxSteps: config.engine.maxSteps,
      maxGuidance: config.engine.maxGuidance,
    }),
    secret: actionSecret(dataDir, secrets.actionSecret),
    limits: commandLimitsFromConfig(config),
    admins: config.moderation.admins,
    retentionMs: config.storage.retentionDays * 86_400_000,
    disk,
    onError: (error, context) => logger.error({ err: error, ...context }, 'job error'),
  });
  metrics.watchQueue(core.queue);
  core.events.onEvent((event) => metrics.observeEvent(event));
  logJobEvents(core.events, (jobId) => core.getJob(jobId), logger);

  const adapters = await createAdapters({ ...options, core, metrics });
  const checks: Record<string, ReadinessCheck> = {
    engine: () => engineReady,
    queue: stuckQueueCheck(core),
    disk: () => disk.readiness(),
  };
  for (const adapter of adapters) if (adapter.ready) checks[adapter.name] = adapter.ready.bind(adapter);

  await core.queue.connect();
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
        await adapter
          .stop()
          .catch((error) => logger.warn({ err: error, adapter: adapter.name }, 'adapter did not stop cleanly'));
      }
      await core.close(); // a job still running is stopped and stays queued in the store: it resumes on the next start
      await warmUp;
      await engine?.close();
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
    const chat = createWebChat({
      core,
      host: config.web.host,
      port: config.web.port,
      password: secrets.webPassword,
      secret: actionSecret(config.dataDir, secrets.actionSecret),
      dataDir: config.dataDir,
      maxUploadBytes: config.engine.maxInputBytes + 1024 * 1024, // room above the core's limit, so its own message answers
      clientLimits: { perClientQueued: config.queue.perUserQueued, dailyPerClient: config.moderation.dailyQuota },
      logger: logger.child({ part: 'web' }),
    });
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
    const missing =
      mode === 'socket'
        ? !secrets.slackAppToken && 'SLACK_APP_TOKEN'
        : !secrets.slackSigningSecret && 'SLACK_SIGNING_SECRET';
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
  const image = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
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
