/**
 * Content-addressed images on disk: sources and results, named by the sha256 of their bytes, so the
 * same upload is stored once and a hash in a job record is a durable reference (unlike a CDN URL).
 * Layout: <root>/<hash[0..2]>/<hash>
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DiskSpace } from '../disk-space.ts';
import { LruCache } from '../engine/cache/lru.ts';
import { UserInputError } from '../errors.ts';
import type { ImageRef } from './types.ts';

export interface ImageStoreOptions {
  /** Recently written or read images kept in memory, so a job does not re-read the photo it was just given. @default 64 MiB */
  readonly cacheBytes?: number;
  /** The data volume's free space: caches are asked to make room before an image is written. */
  readonly disk?: DiskSpace;
}

export const IMAGE_STORE_DEFAULTS: Required<Pick<ImageStoreOptions, 'cacheBytes'>> = {
  cacheBytes: 64 * 2 ** 20, // 64 MiB
};

/** An image written again within this long keeps its file time (retention counts from the first write). */
const REFRESH_AFTER_MS = 3_600_000; // 1 h

export class ImageStore {
  /** Least recently used bytes, bounded by their total size. Content-addressed, so an entry is never stale. */
  private readonly cache: LruCache<string, Uint8Array>;
  private readonly shards = new Set<string>();

  private readonly diskSpace?: DiskSpace;

  constructor(
    private readonly root: string,
    options: ImageStoreOptions = {},
  ) {
    this.diskSpace = options.disk;
    this.cache = new LruCache(options.cacheBytes ?? IMAGE_STORE_DEFAULTS.cacheBytes, (bytes) => bytes.byteLength);
  }

  static hashOf(bytes: Uint8Array): string {
    return createHash('sha256').update(bytes).digest('hex');
  }

  pathOf(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new TypeError(`Not an image hash: ${hash}`);
    return join(this.root, hash.slice(0, 2), hash);
  }

  /** Stores the bytes (once) and returns their hash. Writing again refreshes the file's age for retention. */
  async put(bytes: Uint8Array): Promise<string> {
    const hash = ImageStore.hashOf(bytes);
    // Cached means this process wrote or read the file recently and nothing removed it since.
    if (this.cache.get(hash)) return hash;
    const path = this.pathOf(hash);
    const existing = await statOrNull(path);
    if (existing) {
      // Refreshing the time keeps a re-uploaded photo from expiring; skipped when it is recent anyway.
      if (existing.mtimeMs < Date.now() - REFRESH_AFTER_MS) await utimes(path, new Date(), new Date());
    } else {
      const shard = hash.slice(0, 2);
      if (!this.shards.has(shard)) {
        await mkdir(join(this.root, shard), { recursive: true });
        this.shards.add(shard);
      }
      // Sources and results must be stored: caches give way first. The write goes ahead even if they could not free
      // enough, since only a real ENOSPC (which the job runner records and announces) says it does not fit.
      this.diskSpace?.makeRoom(bytes.byteLength);
      // Write then rename, so a crash never leaves a truncated file under a valid hash.
      const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      try {
        await writeFile(temporary, bytes);
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true }); // a half-written file would keep the space a full disk needs back
        throw error;
      }
    }
    this.cache.set(hash, bytes.slice()); // a copy: the caller may reuse its buffer
    return hash;
  }

  async has(hash: string): Promise<boolean> {
    return (await statOrNull(this.pathOf(hash))) !== null;
  }

  /** The bytes (shared with the cache: treat them as read-only). Throws UserInputError('image_expired') when the file is gone (retention ran). */
  async get(hash: string): Promise<Uint8Array> {
    const cached = this.cache.get(hash);
    if (cached) return cached;
    try {
      const bytes = new Uint8Array(await readFile(this.pathOf(hash)));
      this.cache.set(hash, bytes);
      return bytes;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new UserInputError(
          'image_expired',
          'That image is no longer stored (old images are cleaned up). Please upload it again.',
          {
            cause: error,
            details: { hash },
          },
        );
      }
      throw error;
    }
  }

  async read(ref: Pick<ImageRef, 'hash'>): Promise<Uint8Array> {
    return this.get(ref.hash);
  }

  /** Removes one image (the delete command, once no job needs it). */
  async remove(hash: string): Promise<void> {
    this.cache.delete(hash);
    await rm(this.pathOf(hash), { force: true });
  }

  /**
   * Retention: deletes images last written before `cutoff` (epoch ms) unless `keep` has their hash.
   * Returns the hashes removed.
   */
  async cleanup(cutoff: number, keep: ReadonlySet<string>): Promise<string[]> {
    const removed: string[] = [];
    for (const shard of await listDir(this.root)) {
      const shardPath = join(this.root, shard);
      for (const name of await listDir(shardPath)) {
        const path = join(shardPath, name);
        if (name.endsWith('.tmp')) {
          // A leftover from a crash mid-write; old enough means no writer is still working on it.
          if ((await stat(path)).mtimeMs < cutoff) await rm(path, { force: true });
          continue;
        }
        if (keep.has(name)) continue;
        if ((await stat(path)).mtimeMs < cutoff) {
          this.cache.delete(name);
          await rm(path, { force: true });
          removed.push(name);
        }
      }
    }
    return removed;
  }
}

/** Image type from the first bytes; null for anything we do not accept (the one image-type policy). */
export { sniffImageMime } from '../engine/image-types.ts';

async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
