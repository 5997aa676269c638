/**
 * The Lua scripts that keep limits and fairness true across every bot replica and worker: each runs
 * atomically inside Redis, so two replicas admitting at once cannot both take the last place.
 */
import type { Redis } from 'ioredis';
import type { RfeditKeys } from './connection.ts';

/**
 * Admission: refuses over the global or the per-user limit, otherwise counts the job and gives it a
 * fairness tag. Tag = max(round, the user's last tag) + 1, and BullMQ starts lower tags first, FIFO
 * within a tag: so the k-th waiting job of every user shares a round, which is the in-process
 * queue's round robin. An empty line resets the tags so they stay far below BullMQ's priority limit.
 */
const ADMIT = `
local total = tonumber(redis.call('HGET', KEYS[1], '*') or '0')
local mine = tonumber(redis.call('HGET', KEYS[1], ARGV[2]) or '0')
if ARGV[5] ~= '1' then
  if total >= tonumber(ARGV[3]) then return {0, 'queue_full', total} end
  if mine >= tonumber(ARGV[4]) then return {0, 'user_queue_full', mine} end
end
if total == 0 then
  redis.call('DEL', KEYS[3])
  redis.call('SET', KEYS[4], '0')
end
local round = tonumber(redis.call('GET', KEYS[4]) or '0')
local last = tonumber(redis.call('HGET', KEYS[3], ARGV[2]) or '0')
local tag = math.max(round, last) + 1
redis.call('HSET', KEYS[3], ARGV[2], tag)
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], '*', 1)
  redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
end
return {1, 'ok', tag}
`;

/** Release: uncounts a finished job, once, whoever calls it first (worker, bot, another replica). */
const RELEASE = `
redis.call('HDEL', KEYS[3], ARGV[1])
if redis.call('SREM', KEYS[2], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], '*', -1)
  if redis.call('HINCRBY', KEYS[1], ARGV[2], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[2]) end
end
return 1
`;

/**
 * Claim, by a worker about to run a job: refused as cancelled when the bot flagged it, else allowed
 * while the owner has fewer than the per-user limit of claimed jobs. Claims of jobs no longer
 * active (their worker died and BullMQ's stalled check moved them) are dropped here, so a killed
 * worker cannot hold a user's slot forever.
 */
const CLAIM = `
local cancelled = redis.call('GET', KEYS[4])
if cancelled then return {2, cancelled} end
local active = {}
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do active[id] = true end
local claims = redis.call('HGETALL', KEYS[2])
local running = 0
for i = 1, #claims, 2 do
  local id, user = claims[i], claims[i + 1]
  if not active[id] then
    redis.call('HDEL', KEYS[2], id)
  elseif user == ARGV[2] and id ~= ARGV[1] then
    running = running + 1
  end
end
if running >= tonumber(ARGV[3]) then return {0, ''} end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
if tonumber(ARGV[4]) > tonumber(redis.call('GET', KEYS[3]) or '0') then redis.call('SET', KEYS[3], ARGV[4]) end
return {1, ''}
`;

/** `busy`: the owner is at the running limit. `cancelled`: the bot flagged the job; `by` is 'owner' or 'other'. */
export type Claim = { result: 'claimed' } | { result: 'busy' } | { result: 'cancelled'; by: string };

export type Admission =
  | { admitted: true; tag: number }
  | { admitted: false; reason: 'queue_full' | 'user_queue_full'; count: number };

/** The scripts bound to one queue's keys. */
export class QueueScripts {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RfeditKeys,
  ) {}

  /** `force`: count and tag without checking limits (a job restored from the bot's store). */
  async admit(input: {
    jobId: string;
    userKey: string;
    maxQueued: number;
    perUserQueued: number;
    force?: boolean;
  }): Promise<Admission> {
    const { keys } = this;
    const [ok, reason, value] = (await this.redis.eval(
      ADMIT,
      4,
      keys.counts,
      keys.counted,
      keys.tags,
      keys.round,
      input.jobId,
      input.userKey,
      input.maxQueued,
      input.perUserQueued,
      input.force ? '1' : '0',
    )) as [number, string, number];
    if (ok === 1) return { admitted: true, tag: value };
    return { admitted: false, reason: reason as 'queue_full' | 'user_queue_full', count: value };
  }

  async release(jobId: string, userKey: string): Promise<void> {
    const { keys } = this;
    await this.redis.eval(RELEASE, 3, keys.counts, keys.counted, keys.claimed, jobId, userKey);
  }

  async claim(input: {
    activeKey: string;
    jobId: string;
    userKey: string;
    perUserRunning: number;
    tag: number;
  }): Promise<Claim> {
    const { keys } = this;
    const [code, by] = (await this.redis.eval(
      CLAIM,
      4,
      input.activeKey,
      keys.claimed,
      keys.round,
      keys.cancelFlag(input.jobId),
      input.jobId,
      input.userKey,
      input.perUserRunning,
      input.tag,
    )) as [number, string];
    if (code === 2) return { result: 'cancelled', by };
    return { result: code === 1 ? 'claimed' : 'busy' };
  }

  /** A worker stopping a job that stays in line (shutdown) gives its claim back. */
  async unclaim(jobId: string): Promise<void> {
    await this.redis.hdel(this.keys.claimed, jobId);
  }
}
