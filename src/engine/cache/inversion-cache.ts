/**
 * Inversions are the expensive half of an edit (N transformer calls), and every variation, strength change or
 * new prompt on the same photo can reuse one. Keyed by everything the inversion depends on; kept in memory
 * (bounded by bytes) and on disk (bounded by bytes, oldest use evicted) so they survive restarts.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DiskSpace } from '../../disk-space.ts';
import type { EngineLogger } from '../flux/onnx-session.ts';
import { LruCache } from './lru.ts';

export interface InversionKey {
  imageHash: string;
  canvasWidth: number;
  canvasHeight: number;
  width: number;
  height: number;
  modelId: string;
  gamma: number;
  steps: number;
  inversionSeed: number;
  convention: string;
}

export interface InversionEntry {
  /** Clean packed latent of the source (the controller's target). */
  y0: Float32Array;
  /** Structured noise at σ = 1. */
  inverted: Float32Array;
}

export interface InversionCacheOptions {
  memoryBytes: number;
  /** null: memory only. */
  dir: string | null;
  diskBytes: number;
  logger: EngineLogger;
  /** The data volume's free space: the cache shrinks to keep it above the floor, and gives way first when others need room. */
  disk?: DiskSpace;
}

const MAGIC = 'RFINV1\n';

export function inversionKeyHash(key: InversionKey): string {
  const ordered = Object.fromEntries(Object.entries(key).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(JSON.stringify(ordered)).digest('hex');
}

export class InversionCache {
  private readonly memory: LruCache<string, InversionEntry>;

  constructor(private readonly options: InversionCacheOptions) {
    this.memory = new LruCache(options.memoryBytes, (e) => e.y0.byteLength + e.inverted.byteLength);
    if (options.dir) mkdirSync(options.dir, { recursive: true });
    options.disk?.addReliever((bytes) => this.shrinkDisk(bytes));
  }

  get(key: InversionKey): InversionEntry | null {
    const hash = inversionKeyHash(key);
    const hit = this.memory.get(hash);
    if (hit) return hit;
    const fromDisk = this.readDisk(hash);
    if (fromDisk) this.memory.set(hash, fromDisk);
    return fromDisk;
  }

  set(key: InversionKey, entry: InversionEntry): void {
    const hash = inversionKeyHash(key);
    this.memory.set(hash, entry);
    this.writeDisk(hash, key, entry);
  }

  clearMemory(): void {
    this.memory.clear();
  }

  /** Bytes of entries on disk (for metrics). */
  diskBytesUsed(): number {
    return this.diskEntries().reduce((sum, file) => sum + file.size, 0);
  }

  /** Deletes the least recently used entries on disk until `bytes` are freed or none is left; returns the bytes freed. */
  shrinkDisk(bytes: number): number {
    let freed = 0;
    for (const file of this.diskEntries().reverse()) {
      if (freed >= bytes) break;
      rmSync(file.path, { force: true });
      freed += file.size;
    }
    if (freed > 0) this.options.logger.warn({ freedBytes: freed }, 'disk space low: inversion cache shrunk');
    return freed;
  }

  private path(hash: string): string | null {
    return this.options.dir ? join(this.options.dir, `${hash}.bin`) : null;
  }

  private readDisk(hash: string): InversionEntry | null {
    const path = this.path(hash);
    if (!path) return null;
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      return null;
    }
    try {
      if (bytes.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw new Error('bad magic');
      const headerLength = bytes.readUInt32LE(MAGIC.length);
      const headerStart = MAGIC.length + 4;
      const header = JSON.parse(bytes.subarray(headerStart, headerStart + headerLength).toString('utf8')) as {
        length: number;
      };
      const dataStart = headerStart + headerLength;
      if (bytes.length !== dataStart + header.length * 8) throw new Error('truncated');
      // Copy out of the file buffer: Float32Array needs 4-byte alignment.
      const floats = new Float32Array(header.length * 2);
      new Uint8Array(floats.buffer).set(bytes.subarray(dataStart));
      const now = new Date();
      utimesSync(path, now, now);
      return { y0: floats.subarray(0, header.length), inverted: floats.subarray(header.length) };
    } catch (error) {
      this.options.logger.warn({ path, reason: String(error) }, 'discarding unreadable inversion cache entry');
      rmSync(path, { force: true });
      return null;
    }
  }

  private writeDisk(hash: string, key: InversionKey, entry: InversionEntry): void {
    const path = this.path(hash);
    if (!path) return;
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      const header = Buffer.from(JSON.stringify({ length: entry.y0.length, key }), 'utf8');
      const size = Buffer.alloc(4);
      size.writeUInt32LE(header.length);
      const bytes = MAGIC.length + size.length + header.length + entry.y0.byteLength + entry.inverted.byteLength;
      // Never spend the floor on a cache: what must be stored (results, job states) needs it more.
      if (this.options.disk && !this.options.disk.makeRoom(bytes)) {
        this.options.logger.warn({ path, bytes }, 'disk space low: inversion not cached on disk');
        return;
      }
      writeFileSync(
        tmp,
        Buffer.concat([
          Buffer.from(MAGIC, 'latin1'),
          size,
          header,
          Buffer.from(entry.y0.buffer, entry.y0.byteOffset, entry.y0.byteLength),
          Buffer.from(entry.inverted.buffer, entry.inverted.byteOffset, entry.inverted.byteLength),
        ]),
      );
      renameSync(tmp, path);
      this.evictDisk();
    } catch (error) {
      // A full or read-only disk costs a future inversion, not this edit; a half-written file must not take the room.
      rmSync(tmp, { force: true });
      this.options.logger.warn({ path, reason: String(error) }, 'could not write inversion cache entry');
    }
  }

  private evictDisk(): void {
    let total = 0;
    for (const file of this.diskEntries()) {
      total += file.size;
      if (total > this.options.diskBytes) rmSync(file.path, { force: true });
    }
  }

  /** Entries on disk, most recently used first. */
  private diskEntries(): { path: string; size: number; used: number }[] {
    const dir = this.options.dir;
    if (!dir) return [];
    const entries = [];
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.bin')) continue;
      try {
        const stat = statSync(join(dir, name));
        entries.push({ path: join(dir, name), size: stat.size, used: stat.mtimeMs });
      } catch {
        // removed by another process between the listing and the stat
      }
    }
    return entries.sort((a, b) => b.used - a.used);
  }
}
