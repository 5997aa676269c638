/**
 * What createSlackBot takes, with one table of defaults. Secrets (tokens, signing secret) arrive here
 * from src/config; nothing in this folder reads the environment.
 */
import type { BotCore } from '../../commands/index.ts';
import type { ChatPacerOptions } from '../../jobs/chat-pacer.ts';

/** Structured logging, pino-compatible: `logger.warn({ err, jobId }, 'message')`. */
export interface SlackBotLogger {
  debug(details: object, message?: string): void;
  info(details: object, message?: string): void;
  warn(details: object, message?: string): void;
  error(details: object, message?: string): void;
}

export interface SlackBotOptions {
  readonly core: BotCore;
  /** `xoxb-…`, the bot token (SLACK_BOT_TOKEN). */
  readonly botToken: string;
  /** HTTP mode only: verifies that requests come from Slack (SLACK_SIGNING_SECRET). */
  readonly signingSecret?: string;
  /** Socket Mode only: `xapp-…` with connections:write (SLACK_APP_TOKEN). */
  readonly appToken?: string;
  /** `socket` needs no public URL; `http` listens on `port` for Slack's requests at /slack/events. */
  readonly mode: 'socket' | 'http';
  /** HTTP mode: where to listen (0 picks a free port). @default 3000 */
  readonly port?: number;
  /** Web API base URL; tests point it at a fake. @default 'https://slack.com/api/' */
  readonly slackApiUrl?: string;
  /** Team ids; empty allows every workspace the app is installed in. */
  readonly allowedWorkspaces: readonly string[];
  /** Channel ids; empty allows every channel. */
  readonly allowedChannels: readonly string[];
  /** User ids; empty allows everyone. */
  readonly allowedUsers: readonly string[];
  /** Origins the bot may download user photos from with its token. @default ['https://files.slack.com'] */
  readonly fileHostsAllowed?: readonly string[];
  /** Photos larger than this are refused before download. @default 20 MiB (the commands layer's limit) */
  readonly maxDownloadBytes?: number;
  /** A photo download taking longer is abandoned. @default 30_000 */
  readonly downloadTimeoutMs?: number;
  /** At most one preview upload per job per this interval; 0 turns previews off. @default 10_000 */
  readonly previewIntervalMs?: number;
  /**
   * Waits between files.info checks while Slack processes and shares an uploaded result; after the last one
   * the buttons go out with a link to the image instead. @default [250, 500, 1000, 2000, 4000, 8000] (about 16 s)
   */
  readonly shareWaitsMs?: readonly number[];
  /** Pacing of status posts and edits per channel (Slack allows about one message per second per channel). */
  readonly pacing?: ChatPacerOptions;
  /** web-api retry policy for failed calls; tests shorten it. @default web-api's ten retries in about thirty minutes */
  readonly retryConfig?: {
    retries: number;
    factor?: number;
    minTimeout?: number;
    maxTimeout?: number;
    randomize?: boolean;
  };
  readonly logger?: SlackBotLogger;
}

export type ResolvedSlackBotOptions = SlackBotOptions &
  Required<
    Pick<
      SlackBotOptions,
      | 'port'
      | 'fileHostsAllowed'
      | 'maxDownloadBytes'
      | 'downloadTimeoutMs'
      | 'previewIntervalMs'
      | 'shareWaitsMs'
      | 'logger'
    >
  >;

export const SLACK_BOT_DEFAULTS = {
  port: 3_000,
  fileHostsAllowed: ['https://files.slack.com'] as readonly string[],
  maxDownloadBytes: 20 * 1024 * 1024, // 20 MiB
  downloadTimeoutMs: 30_000, // 30 s
  previewIntervalMs: 10_000, // 10 s: each preview is a file upload (Tier 4, about 100 a minute per workspace)
  shareWaitsMs: [250, 500, 1_000, 2_000, 4_000, 8_000] as readonly number[], // doubling, about 16 s in all
};

const SILENT_LOGGER: SlackBotLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Merges the defaults and refuses a configuration that cannot work, naming the option. */
export function resolveSlackBotOptions(options: SlackBotOptions): ResolvedSlackBotOptions {
  if (!options.botToken) throw new TypeError('Slack bot: botToken (SLACK_BOT_TOKEN) is required');
  if (options.mode === 'socket' && !options.appToken)
    throw new TypeError('Slack bot: Socket Mode needs appToken (SLACK_APP_TOKEN, xapp-…)');
  if (options.mode === 'http' && !options.signingSecret)
    throw new TypeError('Slack bot: HTTP mode needs signingSecret (SLACK_SIGNING_SECRET)');
  if (options.mode !== 'socket' && options.mode !== 'http')
    throw new TypeError(`Slack bot: mode must be 'socket' or 'http', got ${String(options.mode)}`);
  const defined = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as SlackBotOptions;
  const resolved = { ...SLACK_BOT_DEFAULTS, logger: SILENT_LOGGER, ...defined };
  for (const origin of resolved.fileHostsAllowed) {
    if (new URL(origin).origin !== origin)
      throw new TypeError(
        `Slack bot: fileHostsAllowed entries are origins like https://files.slack.com, got ${origin}`,
      );
  }
  return resolved;
}
