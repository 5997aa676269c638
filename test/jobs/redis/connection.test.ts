import { describe, expect, it } from 'vitest';
import { redisOptionsFromUrl } from '../../../src/jobs/redis/connection.ts';

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
