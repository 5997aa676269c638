import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DISK_RESERVE_BYTES } from '../../src/jobs/disk-reserve.ts';
import { JobStore } from '../../src/jobs/store.ts';

describe('the job store’s disk reserve', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('is a real file of its full size next to the database, freed on release and written again on restore', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfedit-reserve-'));
    dirs.push(dir);
    const store = new JobStore(join(dir, 'jobs.sqlite'));
    const file = join(dir, 'jobs.sqlite.reserve');
    expect(store.reserve.held).toBe(true);
    expect(statSync(file).size).toBe(DISK_RESERVE_BYTES);
    expect(statSync(file).blocks * 512).toBeGreaterThanOrEqual(DISK_RESERVE_BYTES); // blocks really taken, not sparse
    expect(store.reserve.release()).toBe(true);
    expect(existsSync(file)).toBe(false);
    expect(store.reserve.release()).toBe(false);
    expect(store.reserve.restore()).toBe(true);
    expect(statSync(file).size).toBe(DISK_RESERVE_BYTES);
    store.close();
  });

  it('an in-memory store keeps none', () => {
    const store = new JobStore(':memory:');
    expect(store.reserve.held).toBe(false);
    expect(store.reserve.release()).toBe(false);
    store.close();
  });
});
