import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageStore } from '../../../src/jobs/image-store.ts';
import { redactRedisUrl, redisOptionsFromUrl } from '../../../src/jobs/redis/connection.ts';
import { RedisJobQueue } from '../../../src/jobs/redis/redis-queue.ts';
import { JobStore } from '../../../src/jobs/store.ts';

describe('redisOptionsFromUrl', () => {
  it('reads host, port, user, password and database from a redis:// URL', () => {
    expect(redisOptionsFromUrl('redis://bot:s%40cret@redis.internal:6380/2')).toMatchObject({
      host: 'redis.internal',
      port: 6380,
      username: 'bot',
      password: 's@cret',
      db: 2,
    });
  });

  it('defaults to port 6379 and makes commands wait for a reconnect instead of failing', () => {
    const options = redisOptionsFromUrl('redis://localhost');
    expect(options.port).toBe(6379);
    expect(options.maxRetriesPerRequest).toBeNull();
  });

  it('turns on TLS for rediss://', () => {
    expect(redisOptionsFromUrl('rediss://redis.example.com').tls).toEqual({});
  });

  it('refuses a URL that is not Redis, naming what it got', () => {
    expect(() => redisOptionsFromUrl('http://localhost:6379')).toThrow(/redis:\/\/ or rediss:\/\/, got http:/);
    expect(() => redisOptionsFromUrl('localhost:6379')).toThrow(TypeError);
    expect(() => redisOptionsFromUrl('redis://localhost/cache')).toThrow(/database must be a number/);
  });
});

describe('a Redis that cannot be reached at start-up', () => {
  it('hides the password when a URL is shown', () => {
    expect(redactRedisUrl('redis://bot:s3cret@redis.internal:6380/2')).toBe('redis://bot:***@redis.internal:6380/2');
    expect(redactRedisUrl('redis://:s3cret@redis.internal')).toBe('redis://:***@redis.internal');
    expect(redactRedisUrl('redis://redis.internal')).toBe('redis://redis.internal');
  });

  async function refusalOf(redisUrl: string): Promise<{ code: string; userMessage: string } | null> {
    const dir = mkdtempSync(join(tmpdir(), 'rfedit-redis-down-'));
    const store = new JobStore(':memory:');
    const queue = new RedisJobQueue({ redisUrl, store, images: new ImageStore(dir), connectTimeoutMs: 300 });
    try {
      return await queue.connect().then(
        () => null,
        (error: unknown) => error as { code: string; userMessage: string },
      );
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('makes the bot’s queue give up with a message naming Redis when nothing listens there', async () => {
    const refusal = await refusalOf('redis://:s3cret@127.0.0.1:1');
    expect(refusal?.code).toBe('redis_unreachable');
    expect(refusal?.userMessage).toMatch(
      /^Could not connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1 \(.+\)\. Check REDIS_URL and that Redis is running/,
    );
  });

  it('makes it give up after its start-up time limit when something listens but never answers', async () => {
    const silent = createServer(() => {}); // accepts, never replies: ioredis would wait for its ready check forever
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const refusal = await refusalOf(`redis://127.0.0.1:${(silent.address() as AddressInfo).port}`);
      expect(refusal?.code).toBe('redis_unreachable');
      expect(refusal?.userMessage).toMatch(/\(no answer within 0\.3 s\)\. Check REDIS_URL/);
    } finally {
      silent.close();
    }
  });
});
