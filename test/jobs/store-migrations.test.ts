import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobStore, MIGRATIONS, migrate } from '../../src/jobs/store.ts';

const SCHEMA_1B5ABAB = readFileSync(new URL('./fixtures/schema-1b5abab.sql', import.meta.url), 'utf8');

// A job's params as the store at 1b5abab wrote them (resolveEditParams at that commit, default strength).
const OLD_PARAMS = {
  steps: 28,
  gamma: 0.5,
  eta: 0.9,
  start: 0,
  stop: 7,
  etaDecayPower: 0,
  noiseScale: 1,
  guidance: 3.5,
  seed: 3751181585,
  inversionSeed: 0,
  sampler: 'ode',
  method: 'rf-inversion',
  convention: 'consistent',
  strength: 0.5,
  preset: null,
};

/** A database file laid out and filled as rfedit at commit 1b5abab left it (no user_version). */
function writeOldDatabase(path: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA_1B5ABAB);
  // The 1b5abab store's insert statement, column for column.
  const insert =
    db.prepare(`INSERT INTO jobs (id, kind, status, owner_platform, owner_id, owner_name, platform, guild_id,
    channel_id, thread_id, message_id, prompt, strength, preset, overrides_json, params_json, seed, source_hash,
    parent_id, attempts, created_at)
    VALUES (@id, @kind, @status, @owner_platform, @owner_id, @owner_name, @platform, @guild_id, @channel_id,
    @thread_id, @message_id, @prompt, @strength, @preset, @overrides_json, @params_json, @seed, @source_hash,
    @parent_id, @attempts, @created_at)`);
  const row = {
    kind: 'edit',
    owner_platform: 'discord',
    owner_id: 'U1',
    owner_name: 'Ann',
    platform: 'discord',
    guild_id: 'G1',
    channel_id: 'C1',
    thread_id: null,
    message_id: 'M1',
    strength: 0.5,
    preset: null,
    overrides_json: '{}',
    params_json: JSON.stringify(OLD_PARAMS),
    seed: OLD_PARAMS.seed,
    source_hash: 'a'.repeat(64),
    parent_id: null,
    attempts: 0,
  };
  insert.run({ ...row, id: 'old-done', status: 'queued', prompt: 'make it snowy', created_at: 1_000 });
  insert.run({ ...row, id: 'old-waiting', status: 'queued', prompt: 'make it teal', created_at: 2_000 });
  db.prepare(`UPDATE jobs SET status = 'done', started_at = 1100, finished_at = 1900, result_json = ?, engine_ms_json = '{"edit":700}',
    delivered_at = 1950 WHERE id = 'old-done'`).run(
    JSON.stringify({ hash: 'b'.repeat(64), mime: 'image/png', width: 16, height: 16, sizeBytes: 40 }),
  );
  db.prepare(`INSERT INTO job_messages (job_id, role, platform, channel_id, thread_id, message_id)
    VALUES ('old-done', 'result', 'discord', 'C1', NULL, 'M2')`).run();
  db.prepare(`INSERT INTO audit (at, platform, user_id, user_name, guild_id, channel_id, command, job_id, outcome, detail)
    VALUES (1000, 'discord', 'U1', 'Ann', 'G1', 'C1', 'edit', 'old-done', 'ok', 'make it snowy')`).run();
  db.close();
}

describe('job database migrations', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rfedit-migrate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('open a database written by the previous schema (1b5abab) and find its jobs, messages and audit rows', () => {
    const path = join(dir, 'jobs.sqlite');
    writeOldDatabase(path);
    const store = new JobStore(path);
    try {
      expect(store.get('old-done')).toMatchObject({
        status: 'done',
        prompt: 'make it snowy',
        owner: { platform: 'discord', id: 'U1', name: 'Ann' },
        params: { seed: 3751181585, stop: 7 },
        result: { hash: 'b'.repeat(64), mime: 'image/png' },
        messages: [{ role: 'result', messageId: 'M2' }],
        timings: { createdAt: 1_000, finishedAt: 1_900, engineMs: { edit: 700 } },
      });
      expect(store.listUnfinished().map((job) => job.id)).toEqual(['old-waiting']);
      expect(store.listByOwner({ platform: 'discord', id: 'U1' }, 10).map((job) => job.id)).toEqual([
        'old-waiting',
        'old-done',
      ]);
      expect(store.listAudit(10)).toMatchObject([{ command: 'edit', jobId: 'old-done', outcome: 'ok' }]);
      // New work goes on after the old: the migrated tables take writes.
      expect(store.markRunning('old-waiting', 3_000)).toBe(true);
    } finally {
      store.close();
    }
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
  });

  it('a new database starts at the newest version, and opening it again changes nothing', () => {
    const path = join(dir, 'jobs.sqlite');
    new JobStore(path).close();
    const db = new Database(path);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    migrate(db);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
  });

  it('run each later migration once, in order, keeping the rows', () => {
    const path = join(dir, 'jobs.sqlite');
    writeOldDatabase(path);
    const next = [
      ...MIGRATIONS,
      'ALTER TABLE jobs ADD COLUMN note TEXT',
      "UPDATE jobs SET note = 'v' || (SELECT COUNT(*) FROM jobs)",
    ];
    const db = new Database(path);
    migrate(db, next);
    migrate(db, next); // a second start must not add the column again (it would throw)
    expect(db.pragma('user_version', { simple: true })).toBe(next.length);
    expect(db.prepare('SELECT id, note FROM jobs ORDER BY seq').all()).toEqual([
      { id: 'old-done', note: 'v2' },
      { id: 'old-waiting', note: 'v2' },
    ]);
    db.close();
  });

  it('a migration that fails leaves the database at the version before it', () => {
    const db = new Database(join(dir, 'jobs.sqlite'));
    expect(() =>
      migrate(db, [...MIGRATIONS, 'ALTER TABLE jobs ADD COLUMN note TEXT; ALTER TABLE nowhere ADD COLUMN x']),
    ).toThrow(/nowhere/);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT COUNT(*) AS n FROM pragma_table_info('jobs') WHERE name = 'note'").get()).toEqual({
      n: 0,
    });
    db.close();
  });

  it('refuse a database from a newer rfedit with a message that says what to do', () => {
    const path = join(dir, 'jobs.sqlite');
    const db = new Database(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    const refusal = new RegExp(
      `schema version ${MIGRATIONS.length + 1}.*knows versions up to ${MIGRATIONS.length}.*newer rfedit`,
      's',
    );
    expect(() => new JobStore(path)).toThrow(refusal);
  });
});
