/**
 * Where a request body goes while it arrives: small JSON stays in memory; a photo upload is spooled to a
 * temporary file, so uploads in progress (stalled ones too) hold no memory, and memory freed after a flood is
 * not left fragmented in the allocator. The whole body is read into memory once, when it is complete.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface BodySink {
  /** False when the sink wants the sender paused until `onDrain` calls back. */
  write(chunk: Buffer): boolean;
  onDrain(callback: () => void): void;
  /** The whole body, once every byte was written. */
  finish(): Promise<Buffer>;
  /** Drops what was received (a refused or abandoned body). */
  discard(): void;
}

export function memorySink(): BodySink {
  let chunks: Buffer[] = [];
  return {
    write: (chunk) => (chunks.push(chunk), true),
    onDrain: () => {},
    finish: async () => Buffer.concat(chunks),
    discard: () => void (chunks = []),
  };
}

/** A folder for spooled uploads, emptied when created: files left there by a killed process are leftovers. */
export function prepareSpoolDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(dir)) rmSync(join(dir, name), { force: true });
  return dir;
}

export function fileSink(dir: string): BodySink {
  const path = join(dir, `${randomBytes(9).toString('base64url')}.part`);
  const file = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  let failure: Error | null = null;
  file.on('error', (error) => (failure = error));
  const remove = () => void rm(path, { force: true }).catch(() => {});
  return {
    write(chunk) {
      if (failure) throw failure;
      return file.write(chunk);
    },
    onDrain(callback) {
      // A failed write (a full disk) also wakes the sender, whose next write then throws the failure.
      file.once('drain', callback).once('error', callback);
    },
    async finish() {
      await new Promise<void>((resolve, reject) => {
        if (failure) return reject(failure);
        file.once('error', reject);
        file.end(() => resolve());
      });
      try {
        return await readFile(path);
      } finally {
        remove();
      }
    },
    discard() {
      file.destroy();
      remove();
    },
  };
}
