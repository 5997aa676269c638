/** Retention: finished jobs older than the cutoff go, then every image no remaining job refers to. */
import type { ImageStore } from './image-store.ts';
import type { JobStore } from './store.ts';

export async function applyRetention(
  store: JobStore,
  images: ImageStore,
  cutoff: number,
): Promise<{ jobsRemoved: number; imagesRemoved: number }> {
  const jobsRemoved = store.deleteFinishedBefore(cutoff);
  const removed = await images.cleanup(cutoff, store.referencedHashes());
  return { jobsRemoved, imagesRemoved: removed.length };
}
