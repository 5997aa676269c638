/**
 * The free-space floor on a simulated volume (its used bytes are the files under a folder), so every case runs
 * anywhere: the floor's arithmetic, caches giving way first, refusals below the floor, and ENOSPC at each write.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskSpace, directoryBytes, formatBytes, isDiskFull } from '../../src/disk-space.ts';
import { InversionCache, type InversionKey } from '../../src/engine/cache/inversion-cache.ts';
import { silentLogger } from '../../src/engine/flux/onnx-session.ts';
import { RfeditError } from '../../src/errors.ts';
import { ImageStore } from '../../src/jobs/image-store.ts';
import { storageFailure } from '../../src/jobs/refusals.ts';
import { inversionKey } from '../engine/helpers.ts';

const MB = 1_048_576;

/** A volume of `size` bytes whose used space is whatever lies under `root` plus `extra` (other tenants). */
function volume(size: number, root: string, extra = { bytes: 0 }) {
  return (_path: string) => {
    const used = directoryBytes(root) + extra.bytes;
    return { bsize: 1, blocks: size, bavail: Math.max(0, size - used) };
  };
}

const key = (imageHash: string): InversionKey => inversionKey(imageHash);
/** One cache entry is about 2·4·n bytes plus a small header. */
const entry = (n: number) => ({ y0: new Float32Array(n).fill(1), inverted: new Float32Array(n).fill(-1) });

function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'rfedit-disk-'));
}

describe('the free-space floor', () => {
  it('is minFreeMB or minFreePercent of the volume, whichever is smaller', () => {
    const big = new DiskSpace('/data', { minFreeMB: 1024, minFreePercent: 5 }, () => ({
      bsize: 4096,
      blocks: (100 * 1024 * MB) / 4096,
      bavail: 0,
    }));
    expect(big.status().floorBytes).toBe(1024 * MB); // 5 % of 100 GB would be 5 GB
    const small = new DiskSpace('/data', { minFreeMB: 1024, minFreePercent: 5 }, () => ({
      bsize: 4096,
      blocks: (20 * MB) / 4096,
      bavail: (10 * MB) / 4096,
    }));
    expect(small.status()).toMatchObject({ floorBytes: 1 * MB, freeBytes: 10 * MB, ok: true });
  });

  it('refuses new work below the floor with a message that says what happened and what to do', () => {
    const root = tempRoot();
    const extra = { bytes: 9.5 * MB };
    const disk = new DiskSpace(root, { minFreeMB: 1, minFreePercent: 50 }, volume(10 * MB, root, extra));
    expect(disk.readiness()).toMatch(/^512 KB free on .*, below the floor of 1\.0 MB: free space on that volume/);
    let refusal: unknown;
    try {
      disk.assertRoomForNewWork();
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(RfeditError);
    expect(refusal).toMatchObject({ code: 'disk_full' });
    expect((refusal as RfeditError).userMessage).toMatch(/out of storage space.*not taking new edits.*try again later/);
    extra.bytes = 0;
    expect(() => disk.assertRoomForNewWork()).not.toThrow();
    expect(disk.readiness()).toBe(true);
  });

  it('names the out-of-space errors of the file system and of SQLite', () => {
    expect(isDiskFull(Object.assign(new Error('no space'), { code: 'ENOSPC' }))).toBe(true);
    expect(isDiskFull(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))).toBe(true);
    expect(isDiskFull(Object.assign(new Error('nope'), { code: 'EACCES' }))).toBe(false);
    expect(storageFailure(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))?.code).toBe(
      'disk_full',
    );
    expect(formatBytes(1536)).toBe('1.5 KB');
  });
});

describe('the inversion cache on a nearly full volume', () => {
  it('never writes below the floor, and gives its oldest entries up when others need the room', () => {
    const root = tempRoot();
    const cacheDir = join(root, 'cache');
    const extra = { bytes: 0 };
    // 1 MB volume, floor 256 KB: about 750 KB usable; each entry is about 80 KB.
    const disk = new DiskSpace(root, { minFreeMB: 0.25, minFreePercent: 50 }, volume(MB, root, extra));
    const cache = new InversionCache({
      memoryBytes: 0,
      dir: cacheDir,
      diskBytes: 100 * MB,
      logger: silentLogger,
      disk,
    });
    for (let i = 0; i < 20; i++) cache.set(key(`photo${i}`), entry(10_000));
    // Its own budget (100 MB) would allow all 20; the floor allows about 9.
    expect(disk.status().ok).toBe(true);
    expect(readdirSync(cacheDir).length).toBeGreaterThanOrEqual(8);
    expect(readdirSync(cacheDir).length).toBeLessThanOrEqual(10);
    expect(cache.get(key('photo19'))).not.toBeNull(); // the newest kept, the oldest gone
    expect(cache.get(key('photo0'))).toBeNull();

    // Another writer (the image store) needs 400 KB: the cache gives way first.
    const before = cache.diskBytesUsed();
    expect(disk.makeRoom(400_000)).toBe(true);
    expect(cache.diskBytesUsed()).toBeLessThan(before);
    expect(disk.headroom()).toBeGreaterThanOrEqual(400_000);

    // Someone else fills the volume: with nothing left to give, new work is refused.
    extra.bytes = MB;
    expect(disk.makeRoom(0)).toBe(false);
    expect(cache.diskBytesUsed()).toBe(0);
    expect(() => disk.assertRoomForNewWork()).toThrow(/out of storage space/);
  });

  it('keeps an entry in memory only when it does not fit above the floor', () => {
    const root = tempRoot();
    const cacheDir = join(root, 'cache');
    const tiny = new DiskSpace(root, { minFreeMB: 0, minFreePercent: 0 }, () => ({
      bsize: 1,
      blocks: 100,
      bavail: 100,
    }));
    const cache = new InversionCache({
      memoryBytes: 1e6,
      dir: cacheDir,
      diskBytes: 1e6,
      logger: silentLogger,
      disk: tiny,
    });
    cache.set(key('big'), entry(100)); // about 900 B: more than the 100 B free
    expect(readdirSync(cacheDir)).toEqual([]);
    expect(cache.get(key('big'))?.y0[0]).toBe(1);
  });
});

describe('the image store on a nearly full volume', () => {
  it('asks the caches for room before storing a photo', async () => {
    const root = tempRoot();
    const extra = { bytes: 0 };
    const disk = new DiskSpace(root, { minFreeMB: 0.25, minFreePercent: 50 }, volume(MB, root, extra));
    const cache = new InversionCache({
      memoryBytes: 0,
      dir: join(root, 'cache'),
      diskBytes: 100 * MB,
      logger: silentLogger,
      disk,
    });
    for (let i = 0; i < 9; i++) cache.set(key(`p${i}`), entry(10_000));
    const cachedBefore = cache.diskBytesUsed();
    const images = new ImageStore(join(root, 'images'), { disk });
    const photo = new Uint8Array(300_000).fill(7);
    await images.put(photo);
    expect(cache.diskBytesUsed()).toBeLessThan(cachedBefore); // the cache made room for the photo
    expect(disk.status().ok).toBe(true);
  });
});
