import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobStore } from '../../src/jobs/store.ts';
import type { JobRecord } from '../../src/jobs/types.ts';
import { resolveTestParams } from './fixtures/test-engines.ts';

function record(id: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    kind: 'edit',
    status: 'queued',
    owner: { platform: 'slack', id: 'U1', name: 'Ann' },
    place: {
      platform: 'slack',
      guildId: 'T1',
      channelId: 'C1',
      threadId: '1700000000.000100',
      messageId: '1700000000.000200',
    },
    prompt: 'make it snowy',
    strength: 0.6,
    overrides: { seed: 5 },
    params: resolveTestParams({ strength: 0.6, overrides: { seed: 5 } }),
    sourceHash: 'a'.repeat(64),
    parentId: null,
    attempts: 0,
    result: null,
    error: null,
    timings: { createdAt: 1_000, startedAt: null, finishedAt: null, engineMs: null },
    messages: [],
    deliveredAt: null,
    deleted: false,
    ...overrides,
  };
}

const result = { hash: 'b'.repeat(64), mime: 'image/png' as const, width: 16, height: 16, sizeBytes: 40 };

describe('JobStore', () => {
  let dir: string;
  let store: JobStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rfedit-store-'));
    store = new JobStore(join(dir, 'db', 'jobs.sqlite'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a job record reads back exactly as written: who, where, what and lineage', () => {
    const job = record('j1', { parentId: 'j0' });
    store.insert(job);
    expect(store.get('j1')).toEqual(job);
  });

  it('uses write-ahead logging, so readers never block the writer', () => {
    const db = new Database(join(dir, 'db', 'jobs.sqlite'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('a job moves queued → running → done once; a second completion is refused', () => {
    store.insert(record('j1'));
    expect(store.markRunning('j1', 2_000)).toBe(true);
    const outcome = { result, params: resolveTestParams({}), engineMs: { total: 5 }, finishedAt: 3_000 };
    expect(store.markDone('j1', outcome)).toBe(true);
    expect(store.markDone('j1', outcome)).toBe(false);
    expect(store.get('j1')).toMatchObject({
      status: 'done',
      attempts: 1,
      result,
      timings: { startedAt: 2_000, finishedAt: 3_000 },
    });
  });

  it('a cancelled job cannot be started afterwards', () => {
    store.insert(record('j1'));
    store.markFinished('j1', 'cancelled', 2_000);
    expect(store.markRunning('j1', 3_000)).toBe(false);
  });

  it('remembers the status and result messages per job, replacing a role recorded twice', () => {
    store.insert(record('j1'));
    store.recordMessage('j1', { role: 'status', platform: 'slack', channelId: 'C1', messageId: 'old' });
    store.recordMessage('j1', { role: 'status', platform: 'slack', channelId: 'C1', threadId: 't', messageId: 'new' });
    store.recordMessage('j1', { role: 'result', platform: 'slack', channelId: 'C1', messageId: 'r' });
    expect(store.get('j1')?.messages).toEqual([
      { role: 'result', platform: 'slack', channelId: 'C1', messageId: 'r' },
      { role: 'status', platform: 'slack', channelId: 'C1', threadId: 't', messageId: 'new' },
    ]);
  });

  it('unfinished jobs list in submission order, running ones included', () => {
    for (const id of ['a', 'b', 'c']) store.insert(record(id));
    store.markRunning('b', 2_000);
    store.markFinished('c', 'failed', 2_000, { code: 'x', userMessage: 'y' });
    expect(store.listUnfinished().map((job) => [job.id, job.status])).toEqual([
      ['a', 'queued'],
      ['b', 'running'],
    ]);
  });

  it('retention drops finished jobs older than the cutoff and keeps the rest', () => {
    for (const id of ['old', 'recent', 'waiting']) store.insert(record(id));
    store.markFinished('old', 'cancelled', 1_000);
    store.markFinished('recent', 'cancelled', 9_000);
    expect(store.deleteFinishedBefore(5_000)).toBe(1);
    expect(store.get('old')).toBeNull();
    expect(store.get('recent')).not.toBeNull();
    expect(store.get('waiting')).not.toBeNull();
  });

  it('referenced images are every source plus results of jobs not deleted', () => {
    store.insert(record('j1'));
    store.markRunning('j1', 2_000);
    store.markDone('j1', { result, params: resolveTestParams({}), engineMs: { total: 1 }, finishedAt: 3_000 });
    expect(store.referencedHashes()).toEqual(new Set(['a'.repeat(64), 'b'.repeat(64)]));
    store.markDeleted('j1');
    expect(store.referencedHashes()).toEqual(new Set(['a'.repeat(64)]));
  });
});
