import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { JobStore } from '../../src/jobs/store.ts';

const WORKER = join(import.meta.dirname, 'fixtures', 'restart-worker.ts');

/** A worker process and a way to await one of its stdout lines. */
function startWorker(dataDir: string, flags: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, dataDir, ...flags], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const waiters: Array<{ matches: (line: string) => boolean; resolve: (line: string) => void }> = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters.filter((w) => w.matches(line))) waiter.resolve(line);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    lines,
    stderr: () => stderr,
    line(matches: (line: string) => boolean): Promise<string> {
      const seen = lines.find(matches);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ matches, resolve });
        void exited.then((code) => reject(new Error(`worker exited (${code}) before the line; stderr:\n${stderr}`)));
      });
    },
  };
}

function readLines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

describe('restart after SIGKILL', () => {
  const running: ChildProcessWithoutNullStreams[] = [];
  const dirs: string[] = [];

  afterEach(() => {
    for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('a process killed mid-job resumes the job on restart; it completes once and its owner gets one result', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rfedit-restart-'));
    dirs.push(dataDir);

    const first = startWorker(dataDir, ['--submit', '--hang-at-step', '2']);
    running.push(first.child);
    const jobId = (await first.line((l) => l.startsWith('submitted '))).split(' ')[1];
    await first.line((l) => l === 'step 2');
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startWorker(dataDir, []);
    running.push(second.child);
    await second.line((l) => l === 'idle');
    expect(await second.exited).toBe(0);

    const third = startWorker(dataDir, []);
    running.push(third.child);
    await third.line((l) => l === 'idle');

    const events = readLines(join(dataDir, 'events.jsonl')).map(
      (line) => JSON.parse(line) as { type: string; jobId: string; resumed?: boolean },
    );
    const ofJob = events.filter((event) => event.jobId === jobId && event.type !== 'progress');
    expect(ofJob.filter((event) => event.type === 'done')).toHaveLength(1);
    expect(ofJob.map((event) => event.type)).toEqual(['queued', 'started', 'queued', 'started', 'done']);
    expect(ofJob[2].resumed).toBe(true);
    expect(readLines(join(dataDir, 'engine-completions.log'))).toHaveLength(1);

    const store = new JobStore(join(dataDir, 'jobs.sqlite'));
    try {
      expect(store.get(jobId)).toMatchObject({ status: 'done', attempts: 2 });
      expect(store.get(jobId)?.deliveredAt).not.toBeNull();
    } finally {
      store.close();
    }
  });
});
