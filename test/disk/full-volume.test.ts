/**
 * A real small volume (a tmpfs mounted for the test; skipped with a message where mounting is not allowed):
 * real ENOSPC at the stores' write sites, and `rfedit start` as an operator meets a filling disk — /readyz and
 * /metrics say so, new edits are refused with a message, and start-up on a full disk prints one clear line.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InversionCache, type InversionKey } from '../../src/engine/cache/inversion-cache.ts';
import { silentLogger } from '../../src/engine/flux/onnx-session.ts';
import { ImageStore } from '../../src/jobs/image-store.ts';
import { storageFailure } from '../../src/jobs/refusals.ts';
import { BIN, sendEdit, startRfedit, until } from '../app/fixtures/rfedit-process.ts';
import { inversionKey } from '../engine/helpers.ts';

const MB = 1_048_576;

/** Mounts a tmpfs of `sizeMB`; null (and the reason) where this machine does not allow it. */
function mountTmpfs(sizeMB: number): { path: string; unmount(): void } | string {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const path = mkdtempSync(join(tmpdir(), 'rfedit-small-volume-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMB}m`, 'tmpfs', path], { stdio: 'pipe' });
  } catch (error) {
    rmSync(path, { recursive: true, force: true });
    return `mount failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
  }
  return {
    path,
    unmount() {
      execFileSync('umount', ['-l', path], { stdio: 'pipe' });
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** Writes zeros until only `leaveBytes` (rounded to 64 KiB) are free, or the volume is full. */
function fill(path: string, leaveBytes = 0): string {
  const file = join(path, `filler-${Math.random().toString(36).slice(2)}`);
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) {
      const { bavail, bsize } = statfsSync(path);
      if (bavail * bsize - chunk.length < leaveBytes) break;
      writeSync(fd, chunk);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return file;
}

const mounted = mountTmpfs(48);
const volume = typeof mounted === 'string' ? null : mounted;
if (!volume) console.warn(`full-volume tests skipped: ${mounted as string}`);

const key: InversionKey = inversionKey('a');

describe.skipIf(!volume)('a real volume that fills up', () => {
  afterAll(() => volume?.unmount());

  it('ENOSPC at each store write site: the image store reports it (as disk_full) and leaves no partial file; the cache carries on', async () => {
    const dir = join(volume!.path, 'stores');
    mkdirSync(dir);
    const filler = fill(volume!.path);
    const images = new ImageStore(join(dir, 'images'));
    const failure = await images.put(new Uint8Array(256 * 1024).fill(3)).then(
      () => null,
      (error: unknown) => error,
    );
    expect((failure as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(storageFailure(failure)?.userMessage).toMatch(/ran out of disk space while saving your result/);
    const cache = new InversionCache({
      memoryBytes: 1e6,
      dir: join(dir, 'cache'),
      diskBytes: 1e9,
      logger: silentLogger,
    });
    expect(() => cache.set(key, { y0: new Float32Array(65_536), inverted: new Float32Array(65_536) })).not.toThrow();
    expect(cache.get(key)).not.toBeNull(); // still served from memory
    const leftovers = [
      ...readdirSync(join(dir, 'cache')),
      ...readdirSync(join(dir, 'images'), { recursive: true }).map(String),
    ];
    expect(leftovers.filter((name) => name.endsWith('.tmp') || name.endsWith('.bin'))).toEqual([]);
    rmSync(filler);
    rmSync(dir, { recursive: true, force: true });
  });

  describe('rfedit start', () => {
    let child: ChildProcess | undefined;
    afterAll(() => child?.kill('SIGKILL'));

    it('reports not ready below the floor, refuses new edits with the reason, and recovers once space is freed', async () => {
      const dataDir = join(volume!.path, 'data');
      const env = { RFEDIT_STORAGE__MIN_FREE_MB: '16', RFEDIT_STORAGE__MIN_FREE_PERCENT: '50' }; // floor 16 MB of 48
      const app = await startRfedit(dataDir, env);
      child = app.child;
      await until(async () => ((await fetch(`${app.health}/readyz`)).status === 200 ? true : undefined), 'readiness');

      const filler = fill(volume!.path, 8 * MB); // 8 MB left: below the 16 MB floor
      const readyz = await fetch(`${app.health}/readyz`);
      expect(readyz.status).toBe(503);
      const body = (await readyz.json()) as { checks: Record<string, unknown> };
      expect(body.checks.disk).toMatch(/MB free on .*data, below the floor of 16 MB/);
      const metrics = await (await fetch(`${app.health}/metrics`)).text();
      const free = Number(/rfedit_disk_bytes\{kind="free"\} (\d+)/.exec(metrics)?.[1]);
      expect(free).toBeGreaterThan(6 * MB);
      expect(free).toBeLessThan(10 * MB);
      expect(metrics).toMatch(/rfedit_disk_bytes\{kind="floor"\} 16777216/);

      const refused = await sendEdit(app.web, 'gold bright');
      expect(refused.reply.code).toBe('disk_full');
      expect(refused.reply.text).toMatch(/out of storage space.*try again later/);

      rmSync(filler);
      expect((await fetch(`${app.health}/readyz`)).status).toBe(200);
      const accepted = await sendEdit(app.web, 'gold bright');
      expect(accepted.reply.code).toBeUndefined();
      child.kill('SIGTERM');
      expect(await app.exited).toBe(0);
      child = undefined;
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('on a full disk, says so in one line and exits 1', async () => {
      const dataDir = join(volume!.path, 'full-data');
      const filler = fill(volume!.path);
      const started = spawn(process.execPath, [BIN, 'start'], {
        env: {
          ...process.env,
          RFEDIT_DATA_DIR: dataDir,
          RFEDIT_WEB__PORT: '0',
          RFEDIT_HEALTH__PORT: '0',
          RFEDIT_LOG__LEVEL: 'silent',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      let stderr = '';
      started.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((done) => started.on('exit', done));
      child = undefined;
      rmSync(filler);
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(
        /rfedit could not start: the disk holding .*full-data is full \(0 B free\)\. Free some space there/,
      );
    });
  });
});
