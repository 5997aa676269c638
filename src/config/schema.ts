/**
 * The configuration schema: every key, its type, its default and what it means. config/default.yaml mirrors it
 * with comments; `npx rfedit config` prints the effective values with secrets redacted.
 * This is the one table of defaults and limits: the queue's, the engine's and the commands' defaults, and the
 * bounds chat platforms show on command options, are read from CONFIG_DEFAULTS (test/config/one-table.test.ts).
 */
import { z } from 'zod';

const port = z.number().int().min(0).max(65_535);
const idList = z.array(z.coerce.string()).default([]);

export const configSchema = z
  .object({
    /** Where jobs, images, caches and the generated demo model live. */
    dataDir: z.string().min(1).default('./data'),
    engine: z
      .object({
        /** `demo` (generated on first use) or the path of a FLUX.1 ONNX export. */
        model: z.string().min(1).default('demo'),
        /** Tried in order; the first that loads wins, with the reason for each fallback logged. */
        executionProviders: z
          .array(z.enum(['cuda', 'webgpu', 'cpu']))
          .min(1)
          .default(['cuda', 'cpu']),
        /**
         * Which time the inversion feeds the model: `consistent` (rfedit's default: exact γ = 1, a round trip that
         * converges with more steps) or `diffusers` (the community pipeline's, to match its published results).
         */
        convention: z.enum(['consistent', 'diffusers']).default('consistent'),
        /** onnxruntime intra-op threads; 0 = one per core. */
        threads: z.number().int().min(0).max(256).default(0),
        /** Working resolution in pixels (about 1 megapixel for FLUX.1); 0 = the model's own default. */
        pixelBudget: z.number().int().min(0).max(4_194_304).default(0),
        /** Largest upload accepted. */
        maxInputBytes: z
          .number()
          .int()
          .min(1024)
          .default(20 * 1024 * 1024),
        /** Largest decoded image accepted (width × height), checked before decoding. */
        maxInputPixels: z.number().int().min(1024).default(40_000_000),
        /** Longest prompt accepted, in characters (FLUX.1's T5 reads about 512 tokens). */
        maxPromptChars: z.number().int().min(1).max(10_000).default(1000),
        /** Most inversion (and editing) steps a user may ask for. */
        maxSteps: z.number().int().min(1).max(1000).default(50),
        /** Highest distilled guidance a user may ask for. */
        maxGuidance: z.number().min(0).max(100).default(20),
        /** Inversion cache sizes; prompt-embedding cache entries. */
        inversionCacheMemoryMB: z.number().min(0).default(512),
        inversionCacheDiskMB: z.number().min(0).default(4096),
        promptCacheEntries: z.number().int().min(0).default(64),
      })
      .default({}),
    queue: z
      .object({
        /** Edits running at the same time (one per GPU). */
        slots: z.number().int().min(1).max(64).default(1),
        /** Jobs waiting at most, across everyone; beyond that users are told the queue is full. */
        maxQueued: z.number().int().min(1).default(100),
        perUserQueued: z.number().int().min(1).default(3),
        perUserRunning: z.number().int().min(1).default(1),
        /** A job running longer than this is stopped and its owner told. */
        jobTimeoutSec: z.number().min(1).default(600),
        /** Progress updates to chat at most this often. */
        progressIntervalMs: z.number().int().min(250).default(2500),
        /** The web chat's own interval: it redraws a card over its socket, no rate-limited message edit. */
        webProgressIntervalMs: z.number().int().min(100).default(400),
      })
      .default({}),
    storage: z
      .object({
        /** Sources and results older than this are removed by `rfedit cleanup` (and daily while running). */
        retentionDays: z.number().min(0).default(30),
        /** Free space kept on the data folder's volume: this many MB or this share of it, whichever is smaller.
         *  Caches shrink first; below the floor new edits are refused and /readyz says not ready. */
        minFreeMB: z.number().min(0).default(1024),
        minFreePercent: z.number().min(0).max(50).default(5),
      })
      .default({}),
    web: z
      .object({
        /** The local web chat. On by default so `npm start` works without chat credentials. */
        enabled: z.boolean().default(true),
        /** Any address but loopback needs RFEDIT_WEB_PASSWORD; the chat refuses to start without it. */
        host: z.string().default('127.0.0.1'),
        port: port.default(8787),
      })
      .default({}),
    health: z
      .object({
        enabled: z.boolean().default(true),
        host: z.string().default('127.0.0.1'),
        port: port.default(9464),
      })
      .default({}),
    discord: z
      .object({
        /** Empty lists allow everything. */
        allowedGuilds: idList,
        allowedChannels: idList,
        allowedRoles: idList,
        /**
         * Gateway shards this process runs: `auto` (as many as Discord recommends, all here), or the shard ids of
         * this replica when several bot replicas share the servers (then `shardCount` is the total).
         */
        shards: z.union([z.literal('auto'), z.array(z.number().int().min(0)).min(1)]).default('auto'),
        shardCount: z.number().int().min(1).optional(),
        /** Discord's REST API base; only for tests against a local fake Discord. Unset: Discord's own. */
        restApi: z.string().url().optional(),
      })
      .superRefine((discord, ctx) => {
        if (discord.shards === 'auto') return;
        if (discord.shardCount === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['shardCount'],
            message: 'set the total number of shards when shards lists this replica’s shard ids',
          });
        } else if (discord.shards.some((id) => id >= discord.shardCount!)) {
          ctx.addIssue({
            code: 'custom',
            path: ['shards'],
            message: `shard ids must be below shardCount (${discord.shardCount})`,
          });
        }
      })
      .default({}),
    slack: z
      .object({
        /** `socket` needs SLACK_APP_TOKEN; `http` listens for Slack's requests on `port`. */
        mode: z.enum(['socket', 'http']).default('socket'),
        port: port.default(3000),
        allowedWorkspaces: idList,
        allowedChannels: idList,
        allowedUsers: idList,
      })
      .default({}),
    moderation: z
      .object({
        /** Prompts containing one of these words are refused, and the user is told which rule matched. */
        blockedWords: z.array(z.string()).default([]),
        /** Regular expressions (case-insensitive) with the same effect. */
        blockedPatterns: z.array(z.string()).default([]),
        /** Edits per user per day; 0 = unlimited. */
        dailyQuota: z.number().int().min(0).default(50),
        /** Platform user ids (`discord:123`, `slack:U123`, `web:<issued identity>`) who may cancel/delete anything and pause the queue. */
        admins: idList,
      })
      .default({}),
    log: z
      .object({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
        /** Human-readable lines on a terminal, JSON otherwise. */
        pretty: z.enum(['auto', 'always', 'never']).default('auto'),
      })
      .default({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

/** Every default, as the schema gives it. */
export const CONFIG_DEFAULTS: Config = configSchema.parse({});

/** Seeds are 32-bit, so users can type them back in. */
export const MAX_SEED = 0xffff_ffff;

/** Secrets come only from the environment, never from files. */
export const SECRET_ENV = {
  discordToken: 'DISCORD_TOKEN',
  discordAppId: 'DISCORD_APP_ID',
  slackBotToken: 'SLACK_BOT_TOKEN',
  slackSigningSecret: 'SLACK_SIGNING_SECRET',
  slackAppToken: 'SLACK_APP_TOKEN',
  actionSecret: 'RFEDIT_SECRET',
  redisUrl: 'REDIS_URL',
  /** Required whenever the web chat listens on anything but loopback (web.host). */
  webPassword: 'RFEDIT_WEB_PASSWORD',
} as const;

export type Secrets = { -readonly [K in keyof typeof SECRET_ENV]?: string };
