/**
 * Grids through the commands, on the demo model: four candidates or a strength sweep from one inversion, pick and
 * vary buttons per cell, limits that count results, cancel and delete of the whole grid, and a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assembleCore, type CoreAssembly } from '../../src/app.ts';
import type { BotCore, CommandContext } from '../../src/commands/index.ts';
import { createDemoEngine } from '../../src/engine/index.ts';
import type { EditEngine } from '../../src/engine/types.ts';
import { photo } from '../engine/helpers.ts';
import { finished } from './fixtures/finished.ts';

const SECRET = 'grid-test-secret-0123456789abcdef';
const ann: CommandContext = {
  user: { platform: 'web', id: 'ann' },
  place: { platform: 'web', channelId: 'web-chat' },
  isAdmin: false,
};
const STEPS = { steps: 6 };

describe('grids', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function dataDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'rfedit-grid-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  async function open(
    dir = dataDir(),
    options: Partial<CoreAssembly> = {},
    engine: EditEngine = createDemoEngine(dir, { pixelBudget: 96 * 64 }),
  ) {
    let seed = 500;
    const core = assembleCore({ engine, dataDir: dir, secret: SECRET, randomSeed: () => seed++, ...options });
    cleanups.push(async () => {
      await core.close();
      await engine.close();
    });
    await core.start();
    return core;
  }

  const edit = (core: BotCore, options: Record<string, unknown>) =>
    core.dispatch(
      {
        kind: 'edit',
        image: { bytes: photo(), filename: 'board.jpg' },
        prompt: 'as a pencil sketch',
        options: { ...STEPS, ...options },
      },
      ann,
    );

  it('count 4: four candidates from one inversion, each picked at full size and varied on its own', async () => {
    const core = await open();
    const grid = await finished(core, edit(core, { count: 4 }));
    expect(grid.status).toBe('done');
    expect(grid.grid?.kind).toBe('candidates');
    const seeds = grid.grid!.cells.map((c) => c.seed);
    expect(new Set(seeds).size).toBe(4);
    expect(new Set(grid.grid!.cells.map((c) => c.inversionSeed)).size).toBe(1);
    expect(grid.result?.cells).toHaveLength(4);
    expect(grid.timings.engineMs).toBeTruthy();

    const done = core.render({
      type: 'done',
      jobId: grid.id,
      owner: grid.owner,
      place: grid.place,
      images: [grid.result!],
      params: grid.params,
      redelivery: false,
    });
    expect(done.buttons?.map((b) => b.label)).toEqual([
      'Pick 1',
      'Pick 2',
      'Pick 3',
      'Pick 4',
      'Vary 1',
      'Vary 2',
      'Vary 3',
      'Vary 4',
      'Sweep',
      'Info',
      'Delete',
    ]);

    // Pick 3: the same picture as the grid's third cell, as a result of its own.
    const picked = await finished(
      core,
      core.handleAction(done.buttons!.find((b) => b.label === 'Pick 3')!.actionId, ann),
    );
    expect(picked).toMatchObject({ kind: 'pick', parentId: grid.id, status: 'done' });
    expect(picked.params.seed).toBe(seeds[2]);
    expect(picked.result!.hash).toBe(grid.result!.cells![2].hash);

    // Vary 2: a variation of the second cell (its strength, a new seed).
    const varied = await finished(
      core,
      core.handleAction(done.buttons!.find((b) => b.label === 'Vary 2')!.actionId, ann),
    );
    expect(varied).toMatchObject({ kind: 'variation', parentId: grid.id, status: 'done' });
    expect(seeds).not.toContain(varied.params.seed);
  });

  it('sweep: the edit at four strengths from one inversion, and the Sweep button on a single result', async () => {
    const core = await open();
    const sweep = await finished(core, edit(core, { sweep: true }));
    expect(sweep.grid?.kind).toBe('sweep');
    expect(sweep.grid!.cells.map((c) => c.strength)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(sweep.grid!.labels).toEqual(['0.25', '0.5', '0.75', '1']);
    expect(new Set(sweep.grid!.cells.map((c) => c.seed)).size).toBe(1);

    const single = await finished(core, edit(core, { strength: 0.6 }));
    const fromButton = await finished(core, core.dispatch({ kind: 'sweep', jobId: single.id }, ann));
    expect(fromButton).toMatchObject({ kind: 'sweep', parentId: single.id, status: 'done' });
    expect(fromButton.grid!.cells.map((c) => c.seed)).toEqual(new Array(4).fill(single.params.seed));
  });

  it('refuses a sweep with a preset or a strength, and a count other than 1 or 4', async () => {
    const core = await open();
    expect(await edit(core, { sweep: true, preset: 'stylize' })).toMatchObject({ code: 'option_invalid' });
    expect((await edit(core, { sweep: true, strength: 0.3 })).text).toMatch(/leave out strength/);
    expect((await edit(core, { count: 3 })).text).toMatch(/count is 1 or 4/);
  });

  it('a grid counts as four results against the daily quota', async () => {
    const core = await open(undefined, { limits: { dailyQuota: 6 } });
    await finished(core, edit(core, {}));
    await finished(core, edit(core, { count: 4 }));
    const refused = await edit(core, { count: 4 });
    expect(refused).toMatchObject({ code: 'daily_quota' });
    expect(refused.text).toMatch(/A grid makes 4 results; you have 1 of your 6 edits left today/);
    expect((await edit(core, {})).code).toBeUndefined();
  });

  it('cancel stops the whole grid; delete removes it and its cells', async () => {
    const core = await open();
    const grid = await finished(core, edit(core, { count: 4 }));
    const cells = grid.result!.cells!.map((c) => c.hash);
    expect((await core.dispatch({ kind: 'delete', jobId: grid.id }, ann)).text).toBe('Deleted.');
    for (const hash of cells) await expect(core.readImage({ hash })).rejects.toThrow(/no longer stored/);

    const waiting = await edit(core, { count: 4 });
    const cancelled = await core.dispatch({ kind: 'cancel', jobId: waiting.jobId! }, ann);
    expect(cancelled.code).toBeUndefined();
    await core.queue.onIdle();
    expect(core.getJob(waiting.jobId!)?.status).toBe('cancelled');
  });

  it('a grid waiting when the bot stops runs after the restart, with the cells it was given', async () => {
    const dir = dataDir();
    const paused = await open(dir);
    await paused.queue.pause();
    const reply = await edit(paused, { count: 4 });
    const before = paused.getJob(reply.jobId!)!;
    await paused.close();
    const core = await open(dir);
    await core.queue.onIdle();
    const after = core.getJob(reply.jobId!)!;
    expect(after.status).toBe('done');
    expect(after.grid!.cells.map((c) => c.seed)).toEqual(before.grid!.cells.map((c) => c.seed));
    expect(after.result!.cells).toHaveLength(4);
  });
});
