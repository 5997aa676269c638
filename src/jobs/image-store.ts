/**
 * Content-addressed images on disk: sources and results, named by the sha256 of their bytes, so the
 * same upload is stored once and a hash in a job record is a durable reference (unlike a CDN URL).
 * Layout: <root>/<hash[0..2]>/<hash>
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserInputError } from '../errors.ts';
import type { ImageRef } from './types.ts';

export class ImageStore {
  constructor(private readonly root: string) {}

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
    const path = this.pathOf(hash);
    if (await exists(path)) {
      const now = new Date();
      await utimes(path, now, now);
      return hash;
    }
    await mkdir(join(this.root, hash.slice(0, 2)), { recursive: true });
    // Write then rename, so a crash never leaves a truncated file under a valid hash.
    const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temporary, bytes);
    await rename(temporary, path);
    return hash;
  }

  async has(hash: string): Promise<boolean> {
    return exists(this.pathOf(hash));
  }

  /** Throws UserInputError('image_expired') when the file is gone (retention ran). */
  async get(hash: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(this.pathOf(hash)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new UserInputError('image_expired', 'That image is no longer stored (old images are cleaned up). Please upload it again.', {
          cause: error,
          details: { hash },
        });
      }
      throw error;
    }
  }

  async read(ref: Pick<ImageRef, 'hash'>): Promise<Uint8Array> {
    return this.get(ref.hash);
  }

  /** Removes one image (the delete command, once no job needs it). */
  async remove(hash: string): Promise<void> {
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
          await rm(path, { force: true });
          removed.push(name);
        }
      }
    }
    return removed;
  }
}

/** Image type from the first bytes; null for anything we do not accept. */
export function sniffImageMime(bytes: Uint8Array): ImageRef['mime'] | null {
  const startsWith = (...signature: number[]) => signature.every((byte, i) => bytes[i] === byte);
  if (startsWith(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (startsWith(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (startsWith(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  return null;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
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
