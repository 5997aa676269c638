/**
 * `npm run bench` prints a table; `npm run bench -- --json` prints the same figures as JSON.
 * `--only <section>` runs one part (flow, accuracy, engine, demo, grid, jobs, redis).
 */
import os from 'node:os';
import { benchAccuracy } from './accuracy.ts';
import { benchDemoWords } from './demo-words.ts';
import { benchEngine } from './engine.ts';
import { benchFlow } from './flow.ts';
import { benchGrid } from './grid.ts';
import { benchJobs } from './jobs.ts';
import { benchRedis } from './redis.ts';
import { formatTable, type BenchRow } from './table.ts';

/** Sections whose rows carry no section of their own get one here. */
const titled =
  (section: string, run: () => Promise<Array<Omit<BenchRow, 'section'> & { section?: string }>>) =>
  async (): Promise<BenchRow[]> =>
    (await run()).map((row) => ({ ...row, section: row.section ?? section }));

const SECTIONS: Record<string, () => Promise<BenchRow[]>> = {
  flow: benchFlow,
  accuracy: benchAccuracy,
  engine: titled('end-to-end edits on the demo model (CPU)', benchEngine),
  grid: titled('grids and sweeps from one inversion (demo model, 512², 28 steps)', benchGrid),
  demo: benchDemoWords,
  jobs: titled('job queue overhead (engine that returns at once)', benchJobs),
  redis: titled('Redis/BullMQ workers', benchRedis),
};

const args = process.argv.slice(2);
const json = args.includes('--json');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const rows: BenchRow[] = [];
for (const [name, run] of Object.entries(SECTIONS)) {
  if (only && only !== name) continue;
  rows.push(...(await run()));
}
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
if (json) {
  process.stdout.write(`${JSON.stringify({ machine, rows }, null, 2)}\n`);
} else {
  process.stdout.write(`rfedit benchmarks on ${machine}\n${formatTable(rows)}\n`);
}
