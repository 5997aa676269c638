/**
 * Room kept back on the data volume so that a job's final state can always be written: a file of
 * `bytes` zeros, deleted when a write finds the disk full (SQLite then has that much room for the
 * outcome), and written again once there is room. Free-space checks may call restore() and read
 * `held` (a released reserve means the disk has run full).
 */
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';

/** Enough for many outcome rows and their WAL frames (a few pages each). @default 2 MiB */
export const DISK_RESERVE_BYTES = 2 * 2 ** 20;

export class DiskReserve {
  private isHeld = false;

  constructor(
    readonly path: string,
    readonly bytes: number = DISK_RESERVE_BYTES,
  ) {}

  /** True while the reserve file is in place. */
  get held(): boolean {
    return this.isHeld;
  }

  /** Writes the reserve file when it is missing; false when there is no room for it (it is then retried later). */
  restore(): boolean {
    if (this.isHeld || this.bytes <= 0) return this.isHeld;
    let fd: number | undefined;
    try {
      fd = openSync(this.path, 'w', 0o600);
      // Zeros written out (not a sparse file), so the blocks are really taken.
      const chunk = Buffer.alloc(Math.min(this.bytes, 1 << 20));
      for (let written = 0; written < this.bytes; )
        written += writeSync(fd, chunk, 0, Math.min(chunk.length, this.bytes - written));
      closeSync(fd);
      this.isHeld = true;
    } catch {
      if (fd !== undefined) closeSync(fd);
      removeFile(this.path);
    }
    return this.isHeld;
  }

  /** Frees the room for an urgent write; false when there was none to free. */
  release(): boolean {
    if (!this.isHeld) return false;
    removeFile(this.path);
    this.isHeld = false;
    return true;
  }
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
