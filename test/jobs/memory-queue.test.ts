import { join } from 'node:path';
import { ImageStore } from '../../src/jobs/image-store.ts';
import { MemoryJobQueue } from '../../src/jobs/memory-queue.ts';
import { JobStore } from '../../src/jobs/store.ts';
import { runQueueContract } from './queue-contract.ts';

runQueueContract('MemoryJobQueue', async ({ engine, options, dataDir }) => {
  const store = new JobStore(join(dataDir, 'jobs.sqlite'));
  const images = new ImageStore(join(dataDir, 'images'));
  return { queue: new MemoryJobQueue({ engine, store, images, options }), store, images };
});
