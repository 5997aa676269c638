import { afterAll, beforeAll, describe, it } from 'vitest';
import { runQueueContract } from '../queue-contract.ts';
import { openRedisHarness } from './harness.ts';
import { REDIS_MISSING, hasRedisServer, startRedisServer, type RedisServer } from './redis-server.ts';

if (!hasRedisServer()) {
  describe.skip(REDIS_MISSING, () => it('runs the JobQueue contract against Redis', () => {}));
} else {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  runQueueContract('RedisJobQueue (BullMQ) with in-process workers', (input) =>
    openRedisHarness({ ...input, redisUrl: server.url }),
  );
}
