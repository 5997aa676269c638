/**
 * Redis connection settings and the key names rfedit keeps beside BullMQ's own.
 * One place for both, so the bot, the workers and the tests cannot disagree on a name.
 */
import type { RedisOptions } from 'bullmq';
import { RfeditError } from '../../errors.ts';

/** The BullMQ queue name when none is configured; several rfedit deployments may share one Redis with different names. */
export const DEFAULT_QUEUE_NAME = 'rfedit-edits';

/**
 * ioredis options from a `redis://[user:password@]host[:port][/db]` or `rediss://…` URL.
 * `maxRetriesPerRequest: null`: while Redis is away, commands wait for the reconnect instead of
 * failing, so both the bot and the workers simply carry on after a Redis restart (BullMQ requires
 * it for its blocking connections anyway).
 */
export function redisOptionsFromUrl(redisUrl: string): RedisOptions {
  let url: URL;
  try {
    url = new URL(redisUrl);
  } catch (cause) {
    throw new TypeError(`REDIS_URL is not a URL: ${redisUrl}`, { cause });
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new TypeError(`REDIS_URL must start with redis:// or rediss://, got ${url.protocol}//`);
  }
  const options: RedisOptions = {
    host: url.hostname || '127.0.0.1',
    port: url.port ? Number(url.port) : 6379,
    maxRetriesPerRequest: null,
    // Reconnect quickly at first, then every 2 s at most, for as long as it takes.
    retryStrategy: (attempt) => Math.min(50 * attempt, 2_000),
  };
  if (url.username) options.username = decodeURIComponent(url.username);
  if (url.password) options.password = decodeURIComponent(url.password);
  const db = url.pathname.replace(/^\//, '');
  if (db) {
    if (!/^\d+$/.test(db)) throw new TypeError(`REDIS_URL database must be a number, got /${db}`);
    options.db = Number(db);
  }
  if (url.protocol === 'rediss:') options.tls = {};
  return options;
}

/** rfedit's own keys for one queue (BullMQ keeps its keys under `bull:<queueName>:`). */
export function rfeditKeys(queueName: string) {
  const base = `rfedit:${queueName}`;
  return {
    /** Hash: '*' → jobs waiting or running in total; userKey → that user's. */
    counts: `${base}:counts`,
    /** Set of job ids included in `counts`, so a job is released exactly once whoever notices its end. */
    counted: `${base}:counted`,
    /** Hash userKey → the fairness tag of that user's latest job. */
    tags: `${base}:tags`,
    /** The highest fairness tag a worker has started: the round the line is in. */
    round: `${base}:round`,
    /** Hash jobId → userKey of jobs a worker has claimed (is running), for the per-user running limit. */
    claimed: `${base}:claimed`,
    /** Pub/sub channel: a job id published here is to be stopped by the worker running it. */
    cancelChannel: `${base}:cancel`,
    /** String per job, set before a cancel is published, so a worker that starts the job later still sees it. */
    cancelFlag: (jobId: string) => `${base}:cancel:${jobId}`,
    /** List per job: the worker pushes here once it has stopped the engine for a cancel. */
    cancelAck: (jobId: string) => `${base}:cancel-ack:${jobId}`,
  };
}
export type RfeditKeys = ReturnType<typeof rfeditKeys>;

/** BullMQ's key prefix; its job hash for `jobId` is `${BULL_PREFIX}:${queueName}:${jobId}`. */
export const BULL_PREFIX = 'bull';

/** redis://user:password@host → redis://user:***@host, for messages and logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** What a bot or worker says when Redis cannot be reached at start-up. */
export function redisUnreachable(redisUrl: string, error: unknown): RfeditError {
  return new RfeditError(
    'redis_unreachable',
    `Could not connect to Redis at ${redactRedisUrl(redisUrl)} (${(error as Error).message}). Check REDIS_URL and that Redis is running and reachable from this machine.`,
    { cause: error },
  );
}

type ErrorReport = (error: unknown, context: { jobId?: string; where: string }) => void;

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

function isConnectionError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  return (
    typeof message === 'string' &&
    /Connection is closed|Stream isn't writeable|connect E[A-Z]+|getaddrinfo/.test(message)
  );
}

/**
 * While Redis is down every connection reports an error on every reconnect attempt (about 16 lines a second from
 * one worker). The first connection error of an outage is passed on in full; the rest are counted and passed on as
 * one summary at most every `summaryEveryMs`, and once more when the connection is back. Other errors pass as they are.
 */
export class ConnectionErrorLog {
  private outage: { startedAt: number; summarisedAt: number; held: number; latest: string; where: string } | null =
    null;
  private readonly summaryEveryMs: number;
  private readonly now: () => number;

  constructor(
    private readonly report: ErrorReport,
    options: { summaryEveryMs?: number; now?: () => number } = {},
  ) {
    this.summaryEveryMs = options.summaryEveryMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Use as the `onError` of every Redis connection, queue and worker. */
  readonly error: ErrorReport = (error, context) => {
    if (!isConnectionError(error)) return this.report(error, context);
    const now = this.now();
    const message = error instanceof Error ? error.message : String(error);
    if (this.outage === null) {
      this.outage = { startedAt: now, summarisedAt: now, held: 0, latest: message, where: context.where };
      return this.report(error, context);
    }
    this.outage.held++;
    this.outage.latest = message;
    if (now - this.outage.summarisedAt >= this.summaryEveryMs) this.summarise('still unreachable, retrying');
  };

  /** A connection is ready again: closes the outage with a last summary, so the next failure is reported in full. */
  reconnected(): void {
    if (this.outage === null) return;
    if (this.outage.held > 0) this.summarise('reachable again');
    this.outage = null;
  }

  private summarise(state: string): void {
    const outage = this.outage!;
    const seconds = Math.round((this.now() - outage.startedAt) / 1000);
    this.report(
      new Error(
        `Redis ${state}: ${outage.held} more connection error(s) since the last report, ${seconds} s into the outage (latest: ${outage.latest})`,
      ),
      { where: outage.where },
    );
    outage.held = 0;
    outage.summarisedAt = this.now();
  }
}
