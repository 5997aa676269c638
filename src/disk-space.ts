/**
 * Free space on the data folder's volume, and the floor the bot keeps free there. Caches are the first to give
 * way: they register as relievers and are asked to shrink before anything that must be stored (a source, a
 * result, a job's final state) runs out of room. Below the floor, new edits are refused and /readyz says why.
 */
import { readdirSync, statSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { RfeditError } from './errors.ts';

export interface DiskFloorOptions {
  /** Keep at least this much free… */
  minFreeMB: number;
  /** …or this share of the volume, whichever is smaller (so a small volume stays usable). */
  minFreePercent: number;
}

export const DISK_FLOOR_DEFAULTS: DiskFloorOptions = { minFreeMB: 1024, minFreePercent: 5 };

export interface DiskStatus {
  path: string;
  freeBytes: number;
  totalBytes: number;
  floorBytes: number;
  /** Free space is at or above the floor. */
  ok: boolean;
}

/** Frees up to `bytes` (or as much as it can) and returns how much it freed. */
export type DiskReliever = (bytes: number) => number;

type StatFs = (path: string) => { bsize: number; bavail: number; blocks: number };

export class DiskSpace {
  private readonly relievers: DiskReliever[] = [];

  constructor(
    readonly path: string,
    private readonly floor: DiskFloorOptions = DISK_FLOOR_DEFAULTS,
    private readonly statfs: StatFs = statfsSync,
  ) {}

  status(): DiskStatus {
    const stats = this.statfs(this.path);
    // bavail, not bfree: what an unprivileged writer can actually use.
    const freeBytes = stats.bavail * stats.bsize;
    const totalBytes = stats.blocks * stats.bsize;
    const floorBytes = Math.min(this.floor.minFreeMB * 1_048_576, (totalBytes * this.floor.minFreePercent) / 100);
    return { path: this.path, freeBytes, totalBytes, floorBytes, ok: freeBytes >= floorBytes };
  }

  /** Bytes that can still be written before free space falls below the floor (negative below it). */
  headroom(): number {
    const { freeBytes, floorBytes } = this.status();
    return freeBytes - floorBytes;
  }

  /** Caches register here; they are asked to shrink, in registration order, when room is needed. */
  addReliever(reliever: DiskReliever): void {
    this.relievers.push(reliever);
  }

  /** Asks the caches to shrink until `bytes` fit above the floor. True when they fit. */
  makeRoom(bytes: number): boolean {
    for (const reliever of this.relievers) {
      const missing = bytes - this.headroom();
      if (missing <= 0) return true;
      reliever(missing);
    }
    return this.headroom() >= bytes;
  }

  /** Refuses new work below the floor (after the caches have given what they can). */
  assertRoomForNewWork(): void {
    if (this.makeRoom(0)) return;
    throw new RfeditError(
      'disk_full',
      'The bot is out of storage space, so it is not taking new edits right now. Please try again later; the operator has been told.',
      { details: this.status() as unknown as Record<string, unknown> },
    );
  }

  /** For /readyz: true, or what is wrong and what to do. */
  readiness(): true | string {
    const status = this.status();
    if (status.ok) return true;
    return `${describeDisk(status)}: free space on that volume, or lower storage.minFreeMB / storage.minFreePercent`;
  }
}

/** "12 MB free on /data, below the floor of 1 GB". */
export function describeDisk(status: DiskStatus): string {
  const relation = status.ok ? 'above' : 'below';
  return `${formatBytes(status.freeBytes)} free on ${status.path}, ${relation} the floor of ${formatBytes(status.floorBytes)}`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

export { isDiskFull } from './errors.ts';

/** Total size of the files under a folder (0 when it does not exist); for metrics, so a few hundred files at most. */
export function directoryBytes(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    try {
      const stat = statSync(join(dir, name));
      total += stat.isDirectory() ? directoryBytes(join(dir, name)) : stat.size;
    } catch {
      // removed while we looked
    }
  }
  return total;
}
