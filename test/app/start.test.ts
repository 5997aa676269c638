/**
 * `rfedit start` as an operator runs it: a child process on the demo model with the web chat and the health
 * port, an edit sent through the page's API, SIGTERM while the edit runs. The edit finishes, the process exits 0,
 * and everything is in the store for the next start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JobStore } from '../../src/jobs/store.ts';
import { BIN, sendEdit, startRfedit, until } from './fixtures/rfedit-process.ts';

describe('rfedit start', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the web chat and health on the demo model, and on SIGTERM finishes the running edit and exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rfedit-start-'));
    dirs.push(dataDir);
    const app = await startRfedit(dataDir);
    children.push(app.child);

    expect((await fetch(`${app.health}/healthz`)).status).toBe(200);
    // Ready once the model has loaded and passed its first one-step test edit.
    const ready = await until(async () => {
      const response = await fetch(`${app.health}/readyz`);
      return response.status === 200 ? ((await response.json()) as { checks: Record<string, unknown> }) : undefined;
    }, 'readiness');
    expect(ready.checks).toEqual({ engine: true, queue: true, disk: true });
    expect(await (await fetch(app.web)).text()).toContain('<!doctype html>');

    const { reply, userId } = await sendEdit(app.web, 'gold bright');
    expect(reply.code).toBeUndefined();
    // Wait until the edit is running, then ask the process to stop.
    await until(async () => {
      const metrics = await (await fetch(`${app.health}/metrics`)).text();
      return /rfedit_queue_depth\{state="running"\} 1/.test(metrics) ? true : undefined;
    }, 'the edit to start');
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(app.output()).toMatch(/shutting down/);

    const store = new JobStore(join(dataDir, 'jobs.sqlite'));
    try {
      const [job] = store.listByOwner({ platform: 'web', id: userId }, 5);
      expect(job.status).toBe('done'); // finished within the grace period, not cut off
    } finally {
      store.close();
    }
  });

  /** `rfedit start` on a fresh data folder and free ports with `env` added, run until it exits. */
  async function startUntilExit(
    env: Record<string, string>,
  ): Promise<{ code: number | null; stderr: string; dataDir: string }> {
    const dataDir = mkdtempSync(join(tmpdir(), 'rfedit-start-'));
    const child = spawn(process.execPath, [BIN, 'start'], {
      env: {
        ...process.env,
        RFEDIT_LOG__LEVEL: 'silent',
        RFEDIT_DATA_DIR: dataDir,
        RFEDIT_WEB__PORT: '0',
        RFEDIT_HEALTH__PORT: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    return { code, stderr, dataDir };
  }

  it('says it cannot reach Redis and exits 1, rather than hanging half-started; it loads no model (workers do)', async () => {
    const { code, stderr, dataDir } = await startUntilExit({ REDIS_URL: 'redis://:hunter2@127.0.0.1:1' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/Could not connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1 .*Check REDIS_URL/);
    expect(stderr).not.toContain('hunter2');
    // The bot side resolves parameters from the model's declared defaults: the demo model is never generated here.
    expect(existsSync(join(dataDir, 'models'))).toBe(false);
  });

  it('refuses to open the web chat beyond this machine without a password, naming the setting, and exits 1', async () => {
    const { code, stderr } = await startUntilExit({ RFEDIT_WEB__HOST: '0.0.0.0', RFEDIT_WEB_PASSWORD: '' });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /The web chat is set to listen on 0\.0\.0\.0, where other machines can reach it, but it has no password\. Set RFEDIT_WEB_PASSWORD/,
    );
  });

  it('refuses a bad configuration with one line naming the key, and exits non-zero', async () => {
    const child = spawn(process.execPath, [BIN, 'start'], {
      env: { ...process.env, RFEDIT_QUEUE__SLOTS: '0', RFEDIT_WEB__PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/queue\.slots: .*greater than or equal to 1/);
    expect(stderr).toMatch(/web\.port: Expected number, received string/);
  });
});

describe('rfedit worker', () => {
  async function runWorker(env: Record<string, string | undefined>): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, [BIN, 'worker'], {
      env: {
        ...process.env,
        RFEDIT_LOG__LEVEL: 'silent',
        RFEDIT_DATA_DIR: mkdtempSync(join(tmpdir(), 'rfedit-worker-')),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    return { code, stderr };
  }

  it('says REDIS_URL is needed when it is not set', async () => {
    const { code, stderr } = await runWorker({ REDIS_URL: undefined });
    expect(code).toBe(2);
    expect(stderr).toMatch(/Set REDIS_URL \(e\.g\. redis:\/\/redis-host:6379\)/);
  });

  it('says it cannot reach Redis, hiding the password, and exits instead of retrying forever', async () => {
    const { code, stderr } = await runWorker({ REDIS_URL: 'redis://:hunter2@127.0.0.1:1' });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /Could not connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1 .*Check REDIS_URL and that Redis is running/,
    );
    expect(stderr).not.toContain('hunter2');
  });
});
