/**
 * Job records in SQLite (better-sqlite3, WAL). The only module that touches SQLite.
 * The store is the source of truth: the queue's memory is rebuilt from it on start.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EditParams } from '../engine/types.ts';
import type { ErrorCode } from '../errors.ts';
import { DISK_RESERVE_BYTES, DiskReserve } from './disk-reserve.ts';
import type { JobOutcome } from './outcome.ts';
import { isDiskFull } from '../disk-space.ts';
import type {
  GridSpec,
  ImageRef,
  JobRecord,
  JobStatus,
  MessageRef,
  MessageRole,
  Place,
  Platform,
  UserRef,
} from './types.ts';

/**
 * Schema migrations, keyed on SQLite's `PRAGMA user_version`: migration i takes a database from version i to
 * i + 1, inside one transaction with the version bump. Append only; never edit one that has shipped.
 */
export type Migration = string;

// Version 1: the schema as first shipped. `IF NOT EXISTS`, because databases written before versioning began hold
// exactly these tables at user_version 0.
const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS jobs (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  id             TEXT NOT NULL UNIQUE,
  kind           TEXT NOT NULL,
  status         TEXT NOT NULL,
  owner_platform TEXT NOT NULL,
  owner_id       TEXT NOT NULL,
  owner_name     TEXT,
  platform       TEXT NOT NULL,
  guild_id       TEXT,
  channel_id     TEXT NOT NULL,
  thread_id      TEXT,
  message_id     TEXT,
  prompt         TEXT NOT NULL,
  strength       REAL,
  preset         TEXT,
  overrides_json TEXT,
  params_json    TEXT NOT NULL,
  seed           INTEGER NOT NULL,
  source_hash    TEXT NOT NULL,
  parent_id      TEXT,
  result_json    TEXT,
  error_code     TEXT,
  error_message  TEXT,
  attempts       INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL,
  started_at     INTEGER,
  finished_at    INTEGER,
  engine_ms_json TEXT,
  delivered_at   INTEGER,
  deleted        INTEGER NOT NULL DEFAULT 0
);
-- Only history needs an index. Status and finish-time queries run at startup and at retention
-- cleanup, where a scan is cheap; every extra index would be written on every state change.
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner_platform, owner_id, seq);
CREATE TABLE IF NOT EXISTS job_messages (
  job_id     TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  role       TEXT NOT NULL,
  platform   TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  thread_id  TEXT,
  message_id TEXT NOT NULL,
  PRIMARY KEY (job_id, role)
);
-- Who asked for what, for moderators: one row per command or button, kept as long as the jobs.
CREATE TABLE IF NOT EXISTS audit (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  at         INTEGER NOT NULL,
  platform   TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  user_name  TEXT,
  guild_id   TEXT,
  channel_id TEXT NOT NULL,
  command    TEXT NOT NULL,
  job_id     TEXT,
  outcome    TEXT NOT NULL,
  detail     TEXT
);
`;

/** Version 2: grids (several results from one inversion) keep their cells' parameters. */
const SCHEMA_V2 = `ALTER TABLE jobs ADD COLUMN grid_json TEXT;`;

export const MIGRATIONS: readonly Migration[] = [SCHEMA_V1, SCHEMA_V2];

/** Brings the database up to the newest schema; refuses one written by a newer rfedit rather than guess. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    throw new Error(
      `The job database is schema version ${version}, but this rfedit knows versions up to ${migrations.length}. ` +
        'Run the newer rfedit that wrote it, or restore a backup.',
    );
  }
  for (let next = version; next < migrations.length; next++) {
    db.transaction(() => {
      db.exec(migrations[next]);
      db.pragma(`user_version = ${next + 1}`);
    })();
  }
}

/** One line of the audit log. `outcome` is 'ok' or the refusal's error code. */
export interface AuditEntry {
  at: number;
  user: UserRef;
  place: Pick<Place, 'guildId' | 'channelId'>;
  command: string;
  jobId?: string;
  outcome: string;
  /** The prompt, for commands that carry one. */
  detail?: string;
}

interface JobRow {
  id: string;
  kind: string;
  status: string;
  owner_platform: string;
  owner_id: string;
  owner_name: string | null;
  platform: string;
  guild_id: string | null;
  channel_id: string;
  thread_id: string | null;
  message_id: string | null;
  prompt: string;
  strength: number | null;
  preset: string | null;
  overrides_json: string | null;
  params_json: string;
  grid_json: string | null;
  source_hash: string;
  parent_id: string | null;
  result_json: string | null;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  engine_ms_json: string | null;
  delivered_at: number | null;
  deleted: number;
}

interface AuditRow {
  at: number;
  platform: string;
  user_id: string;
  user_name: string | null;
  guild_id: string | null;
  channel_id: string;
  command: string;
  job_id: string | null;
  outcome: string;
  detail: string | null;
}

interface MessageRow {
  role: string;
  platform: string;
  channel_id: string;
  thread_id: string | null;
  message_id: string;
}

export interface JobStoreOptions {
  /** Room kept back next to the database so a job's outcome can be recorded on a full disk. @default DISK_RESERVE_BYTES at `${path}.reserve` */
  reserve?: DiskReserve;
  /** Told when a full disk made the store use its reserve (the write then succeeded): for the operators' logs. */
  onReserveUsed?: (error: unknown) => void;
}

export class JobStore {
  private readonly db: Database.Database;
  private readonly statements;
  /** Freed when a job's final state meets a full disk; see disk-reserve.ts. */
  readonly reserve: DiskReserve;

  private readonly onReserveUsed: (error: unknown) => void;

  /** `path` is a file (created with its folder) or ':memory:'. */
  constructor(path: string, options: JobStoreOptions = {}) {
    this.onReserveUsed = options.onReserveUsed ?? (() => {});
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.reserve = options.reserve ?? new DiskReserve(`${path}.reserve`, path === ':memory:' ? 0 : DISK_RESERVE_BYTES);
    this.reserve.restore();
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a commit survives a process crash (SIGKILL); only an OS crash can lose the last one.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    try {
      migrate(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.statements = this.prepareStatements();
  }

  private prepareStatements() {
    const db = this.db;
    return {
      insert: db.prepare(`INSERT INTO jobs (id, kind, status, owner_platform, owner_id, owner_name, platform, guild_id,
        channel_id, thread_id, message_id, prompt, strength, preset, overrides_json, params_json, grid_json, seed, source_hash,
        parent_id, attempts, created_at)
        VALUES (@id, @kind, @status, @owner_platform, @owner_id, @owner_name, @platform, @guild_id, @channel_id,
        @thread_id, @message_id, @prompt, @strength, @preset, @overrides_json, @params_json, @grid_json, @seed, @source_hash,
        @parent_id, @attempts, @created_at)`),
      get: db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ?'),
      messages: db.prepare<[string], MessageRow>('SELECT * FROM job_messages WHERE job_id = ? ORDER BY role'),
      markRunning: db.prepare(
        `UPDATE jobs SET status = 'running', started_at = ?, attempts = attempts + 1 WHERE id = ? AND status = 'queued'`,
      ),
      markDone:
        db.prepare(`UPDATE jobs SET status = 'done', finished_at = ?, result_json = ?, params_json = ?, seed = ?,
        engine_ms_json = ? WHERE id = ? AND status = 'running'`),
      // A cancel is answered on the spot, so it counts as delivered: a restart does not announce it again.
      markFinished:
        db.prepare(`UPDATE jobs SET status = @status, finished_at = @at, error_code = @code, error_message = @message,
        delivered_at = CASE WHEN @status = 'cancelled' THEN @at ELSE delivered_at END
        WHERE id = @id AND status IN ('queued', 'running')`),
      requeue: db.prepare(`UPDATE jobs SET status = 'queued', started_at = NULL WHERE id = ? AND status = 'running'`),
      unfinished: db.prepare<[], JobRow>(`SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY seq`),
      undelivered: db.prepare<[number], JobRow>(`SELECT * FROM jobs WHERE status IN ('done', 'failed', 'cancelled')
        AND delivered_at IS NULL AND deleted = 0 AND finished_at >= ? ORDER BY seq`),
      markDelivered: db.prepare('UPDATE jobs SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL'),
      recordMessage: db.prepare(`INSERT INTO job_messages (job_id, role, platform, channel_id, thread_id, message_id)
        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (job_id, role) DO UPDATE SET platform = excluded.platform,
        channel_id = excluded.channel_id, thread_id = excluded.thread_id, message_id = excluded.message_id`),
      byOwner: db.prepare<
        [string, string, number],
        JobRow
      >(`SELECT * FROM jobs WHERE owner_platform = ? AND owner_id = ?
        AND deleted = 0 ORDER BY seq DESC LIMIT ?`),
      markDeleted: db.prepare('UPDATE jobs SET deleted = 1 WHERE id = ?'),
      countCreatedSince: db.prepare<[string, string, number], { n: number }>(
        // Results, not jobs: a grid counts as its cells.
        `SELECT COALESCE(SUM(CASE WHEN grid_json IS NULL THEN 1 ELSE json_array_length(grid_json, '$.cells') END), 0) AS n
         FROM jobs WHERE owner_platform = ? AND owner_id = ? AND created_at >= ?`,
      ),
      appendAudit:
        db.prepare(`INSERT INTO audit (at, platform, user_id, user_name, guild_id, channel_id, command, job_id, outcome, detail)
        VALUES (@at, @platform, @user_id, @user_name, @guild_id, @channel_id, @command, @job_id, @outcome, @detail)`),
      listAudit: db.prepare<[number], AuditRow>('SELECT * FROM audit ORDER BY seq DESC LIMIT ?'),
      deleteAuditBefore: db.prepare('DELETE FROM audit WHERE at < ?'),
      deleteFinishedBefore: db.prepare(
        `DELETE FROM jobs WHERE status IN ('done', 'failed', 'cancelled') AND finished_at < ?`,
      ),
      referencedSources: db.prepare<[], { hash: string }>('SELECT DISTINCT source_hash AS hash FROM jobs'),
      referencedResults: db.prepare<[], { json: string }>(
        `SELECT result_json AS json FROM jobs WHERE result_json IS NOT NULL AND deleted = 0`,
      ),
    };
  }

  insert(job: JobRecord): void {
    this.write(() =>
      this.statements.insert.run({
        id: job.id,
        kind: job.kind,
        status: job.status,
        owner_platform: job.owner.platform,
        owner_id: job.owner.id,
        owner_name: job.owner.name ?? null,
        platform: job.place.platform,
        guild_id: job.place.guildId ?? null,
        channel_id: job.place.channelId,
        thread_id: job.place.threadId ?? null,
        message_id: job.place.messageId ?? null,
        prompt: job.prompt,
        strength: job.strength ?? null,
        preset: job.preset ?? null,
        overrides_json: job.overrides === undefined ? null : JSON.stringify(job.overrides),
        params_json: JSON.stringify(job.params),
        grid_json: job.grid === undefined ? null : JSON.stringify(job.grid),
        seed: job.params.seed,
        source_hash: job.sourceHash,
        parent_id: job.parentId,
        attempts: job.attempts,
        created_at: job.timings.createdAt,
      }),
    );
    // After an emergency, take the room back as soon as writes succeed again.
    if (!this.reserve.held) this.reserve.restore();
  }

  get(id: string): JobRecord | null {
    const row = this.statements.get.get(id);
    return row ? this.toRecord(row) : null;
  }

  /** queued → running; false if the job was no longer queued (cancelled meanwhile). */
  markRunning(id: string, startedAt: number): boolean {
    return this.write(() => this.statements.markRunning.run(startedAt, id)).changes === 1;
  }

  /** running → done. False if the job was not running (then the result is not recorded: nothing completes twice). */
  markDone(
    id: string,
    outcome: { result: ImageRef; params: EditParams; engineMs: Record<string, number>; finishedAt: number },
  ): boolean {
    return this.writeFinal(() => this.statements.markDone.run(...doneValues(id, outcome))).changes === 1;
  }

  /** queued/running → failed or cancelled (a cancellation also counts as delivered). */
  markFinished(
    id: string,
    status: 'failed' | 'cancelled',
    finishedAt: number,
    error?: { code: string; userMessage: string },
  ): boolean {
    const values = { status, at: finishedAt, code: error?.code ?? null, message: error?.userMessage ?? null, id };
    return this.writeFinal(() => this.statements.markFinished.run(values)).changes === 1;
  }

  /**
   * The store transition of an outcome; false when the job had already ended. A done job this store
   * never saw start (its bot was down; a worker ran it) is marked running first, so its attempts stay true.
   */
  recordOutcome(id: string, outcome: JobOutcome, now: number): boolean {
    switch (outcome.status) {
      case 'done': {
        const record = this.db.transaction(() => {
          this.statements.markRunning.run(outcome.startedAt, id); // a no-op unless the job is still queued
          return this.statements.markDone.run(...doneValues(id, outcome));
        });
        return this.writeFinal(() => record()).changes === 1;
      }
      case 'failed':
        return this.markFinished(id, 'failed', now, outcome);
      case 'cancelled':
        return this.markFinished(id, 'cancelled', now);
    }
  }

  /** running → queued (shutdown while running: the job resumes on the next start). */
  requeue(id: string): void {
    this.writeFinal(() => this.statements.requeue.run(id));
  }

  /** Queued and running jobs in submission order. */
  listUnfinished(): JobRecord[] {
    return this.statements.unfinished.all().map((row) => this.toRecord(row));
  }

  /** Finished since `since` without an adapter's confirmation that the owner saw the outcome. */
  listUndelivered(since: number): JobRecord[] {
    return this.statements.undelivered.all(since).map((row) => this.toRecord(row));
  }

  markDelivered(id: string, at: number): void {
    this.statements.markDelivered.run(at, id);
  }

  /** Remembers (or replaces) the chat message that shows this job's status or result. */
  recordMessage(jobId: string, ref: MessageRef): void {
    this.statements.recordMessage.run(
      jobId,
      ref.role,
      ref.platform,
      ref.channelId,
      ref.threadId ?? null,
      ref.messageId,
    );
  }

  /** A user's recent jobs, newest first. */
  listByOwner(owner: UserRef, limit: number): JobRecord[] {
    return this.statements.byOwner.all(owner.platform, owner.id, limit).map((row) => this.toRecord(row));
  }

  markDeleted(id: string): void {
    this.statements.markDeleted.run(id);
  }

  /** Retention: drops finished jobs (and audit lines) older than `cutoff`; returns how many jobs. */
  deleteFinishedBefore(cutoff: number): number {
    this.statements.deleteAuditBefore.run(cutoff);
    return this.statements.deleteFinishedBefore.run(cutoff).changes;
  }

  /** Jobs a user created since `since` (deleted ones included: they were run). For the daily quota. */
  countCreatedSince(owner: UserRef, since: number): number {
    return this.statements.countCreatedSince.get(owner.platform, owner.id, since)?.n ?? 0;
  }

  appendAudit(entry: AuditEntry): void {
    this.statements.appendAudit.run({
      at: entry.at,
      platform: entry.user.platform,
      user_id: entry.user.id,
      user_name: entry.user.name ?? null,
      guild_id: entry.place.guildId ?? null,
      channel_id: entry.place.channelId,
      command: entry.command,
      job_id: entry.jobId ?? null,
      outcome: entry.outcome,
      detail: entry.detail ?? null,
    });
  }

  /** The newest audit lines first. */
  listAudit(limit: number): AuditEntry[] {
    return this.statements.listAudit.all(limit).map((row) => ({
      at: row.at,
      user: { platform: row.platform as Platform, id: row.user_id, ...(row.user_name ? { name: row.user_name } : {}) },
      place: { channelId: row.channel_id, ...(row.guild_id ? { guildId: row.guild_id } : {}) },
      command: row.command,
      outcome: row.outcome,
      ...(row.job_id ? { jobId: row.job_id } : {}),
      ...(row.detail ? { detail: row.detail } : {}),
    }));
  }

  /** Every image hash a remaining job still needs (sources of all jobs, results of jobs not deleted). */
  referencedHashes(): Set<string> {
    const hashes = new Set(this.statements.referencedSources.all().map((row) => row.hash));
    for (const row of this.statements.referencedResults.all()) {
      const result = JSON.parse(row.json) as ImageRef;
      hashes.add(result.hash);
      for (const cell of result.cells ?? []) hashes.add(cell.hash); // a grid's full-size cells
    }
    return hashes;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * A write that ends a job's run: on a full disk the reserve is freed and the write tried once more,
   * so no job is left `running` with nobody working on it.
   */
  private writeFinal<T>(statement: () => T): T {
    try {
      return this.write(statement);
    } catch (error) {
      if (!isDiskFull(error) || !this.reserve.release()) throw error;
      this.onReserveUsed(error);
      return this.write(statement);
    }
  }

  /** Every job write passes here: the one place where the disk can refuse (tests model a full disk by overriding it). */
  protected write<T>(statement: () => T): T {
    return statement();
  }

  private toRecord(row: JobRow): JobRecord {
    const place: JobRecord['place'] = { platform: row.platform as Platform, channelId: row.channel_id };
    if (row.guild_id !== null) place.guildId = row.guild_id;
    if (row.thread_id !== null) place.threadId = row.thread_id;
    if (row.message_id !== null) place.messageId = row.message_id;
    const owner: UserRef = { platform: row.owner_platform as Platform, id: row.owner_id };
    if (row.owner_name !== null) owner.name = row.owner_name;
    const record: JobRecord = {
      id: row.id,
      kind: row.kind as JobRecord['kind'],
      status: row.status as JobStatus,
      owner,
      place,
      prompt: row.prompt,
      params: JSON.parse(row.params_json) as EditParams,
      ...(row.grid_json ? { grid: JSON.parse(row.grid_json) as GridSpec } : {}),
      sourceHash: row.source_hash,
      parentId: row.parent_id,
      attempts: row.attempts,
      result: row.result_json === null ? null : (JSON.parse(row.result_json) as ImageRef),
      error:
        row.error_code === null ? null : { code: row.error_code as ErrorCode, userMessage: row.error_message ?? '' },
      timings: {
        createdAt: row.created_at,
        startedAt: row.started_at,
        finishedAt: row.finished_at,
        engineMs: row.engine_ms_json === null ? null : (JSON.parse(row.engine_ms_json) as Record<string, number>),
      },
      messages: this.statements.messages.all(row.id).map(toMessageRef),
      deliveredAt: row.delivered_at,
      deleted: row.deleted === 1,
    };
    if (row.strength !== null) record.strength = row.strength;
    if (row.preset !== null) record.preset = row.preset;
    if (row.overrides_json !== null) record.overrides = JSON.parse(row.overrides_json) as JobRecord['overrides'];
    return record;
  }
}

function doneValues(
  id: string,
  outcome: { result: ImageRef; params: EditParams; engineMs: Record<string, number>; finishedAt: number },
) {
  const { result, params, engineMs, finishedAt } = outcome;
  return [
    finishedAt,
    JSON.stringify(result),
    JSON.stringify(params),
    params.seed,
    JSON.stringify(engineMs),
    id,
  ] as const;
}

function toMessageRef(row: MessageRow): MessageRef {
  const ref: MessageRef = {
    role: row.role as MessageRole,
    platform: row.platform as Platform,
    channelId: row.channel_id,
    messageId: row.message_id,
  };
  if (row.thread_id !== null) ref.threadId = row.thread_id;
  return ref;
}
