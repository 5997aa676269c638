/**
 * Worker child processes for the fault tests: spawn, read their stdout line by line, wait for a
 * line, kill. Each runs test/jobs/redis/fixtures/worker-process.ts, a real `runWorker` process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface WorkerProcess {
  readonly name: string;
  readonly lines: string[];
  /** The first line (seen or to come) that matches. */
  waitFor(matches: (line: string) => boolean): Promise<string>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function spawnWorker(env: {
  name: string;
  redisUrl: string;
  queueName: string;
  imageDir: string;
  stepMs: number;
  lockMs: number;
}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/jobs/redis/fixtures/worker-process.ts'], {
    env: {
      ...process.env,
      REDIS_URL: env.redisUrl,
      QUEUE_NAME: env.queueName,
      IMAGE_DIR: env.imageDir,
      STEP_MS: String(env.stepMs),
      LOCK_MS: String(env.lockMs),
      WORKER_NAME: env.name,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const worker = new LineWatcher(env.name, child);
  await worker.waitFor((line) => line === 'ready');
  return worker;
}

class LineWatcher implements WorkerProcess {
  readonly lines: string[] = [];
  private waiters: Array<{ matches: (line: string) => boolean; resolve: (line: string) => void }> = [];
  private readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.waiters = this.waiters.filter((waiter) => !(waiter.matches(line) && (waiter.resolve(line), true)));
    });
    createInterface({ input: child.stderr! }).on('line', (line) => this.lines.push(`stderr: ${line}`));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  waitFor(matches: (line: string) => boolean): Promise<string> {
    const seen = this.lines.find(matches);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ matches, resolve }));
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}
