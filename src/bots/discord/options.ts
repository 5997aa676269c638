/** What the Discord adapter needs, with one table of defaults. */
import type { BotCore } from '../../commands/index.ts';
import type { Logger } from '../../log.ts';

export interface DiscordBotOptions {
  readonly core: BotCore;
  /** The bot token (DISCORD_TOKEN). */
  readonly token: string;
  /** The application id (DISCORD_APP_ID). */
  readonly applicationId: string;
  /** REST base URL, e.g. a fake Discord's `http://127.0.0.1:PORT/api` in tests. @default Discord's own */
  readonly restApi?: string;
  /** Guild ids where the bot answers; empty allows every guild (and DMs). @default [] */
  readonly allowedGuilds?: readonly string[];
  /** Channel ids (a thread counts as its parent channel); empty allows every channel. @default [] */
  readonly allowedChannels?: readonly string[];
  /** Role ids, one of which the member must hold; empty allows everyone. DMs have no roles. @default [] */
  readonly allowedRoles?: readonly string[];
  readonly logger?: Logger;
  /** Largest upload the bot downloads. @default 20 MiB (the commands layer's own limit) */
  readonly maxDownloadBytes?: number;
  /** @default 15_000 (15 s) */
  readonly downloadTimeoutMs?: number;
  /**
   * Hosts besides Discord's CDN that attachments may come from, over http or https. Only for tests against a
   * local fake (`['127.0.0.1']`); never set it in production. @default []
   */
  readonly extraDownloadHosts?: readonly string[];
  /** Upload limit when an interaction does not say (results posted later, reactions). @default 10 MiB */
  readonly defaultUploadLimitBytes?: number;
  /** After this long an interaction token is not used any more; Discord's limit is 15 min. @default 840_000 (14 min) */
  readonly interactionTokenLifetimeMs?: number;
  /** Gap between two edits of one job's status message, on top of the queue's 2.5 s progress throttle. @default 1_000 */
  readonly statusEditGapMs?: number;
  /** Longest side of the progress preview. @default 256 */
  readonly previewMaxSidePx?: number;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
  /**
   * Gateway shards this process runs: 'auto' asks Discord how many it recommends (`GET /gateway/bot`) and runs
   * them all; a list runs only those ids, for several bot replicas sharing the servers. @default 'auto'
   */
  readonly shards?: 'auto' | readonly number[];
  /** The total number of shards across replicas; needed with a list of `shards`. */
  readonly shardCount?: number;
}

export type ResolvedDiscordBotOptions = Required<Omit<DiscordBotOptions, 'restApi' | 'shardCount'>> &
  Pick<DiscordBotOptions, 'restApi' | 'shardCount'>;

export const DISCORD_BOT_DEFAULTS = {
  allowedGuilds: [] as readonly string[],
  allowedChannels: [] as readonly string[],
  allowedRoles: [] as readonly string[],
  maxDownloadBytes: 20 * 1024 * 1024, // 20 MiB
  downloadTimeoutMs: 15_000, // 15 s
  extraDownloadHosts: [] as readonly string[],
  defaultUploadLimitBytes: 10 * 1024 * 1024, // 10 MiB, Discord's default for bots since 2025
  interactionTokenLifetimeMs: 840_000, // 14 min: a minute of margin under Discord's 15
  statusEditGapMs: 1_000,
  previewMaxSidePx: 256,
  now: Date.now,
  shards: 'auto' as const,
} satisfies Partial<ResolvedDiscordBotOptions>;

/** Discord's own CDN hosts: the only places attachments are downloaded from. */
export const DISCORD_CDN_HOSTS: readonly string[] = ['cdn.discordapp.com', 'media.discordapp.net'];
