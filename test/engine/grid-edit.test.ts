/**
 * Grids on the demo model: four results from one inversion. They cost one inversion plus four reverse passes,
 * each cell is the edit its parameters make alone, and a strength sweep's cells move away from the photo in order.
 */
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createDemoEngine } from '../../src/engine/index.ts';
import type { EditParams } from '../../src/engine/types.ts';
import { photo, rawRgb, tempDir } from './helpers.ts';

const dataDir = tempDir();
const BUDGET = 128 * 84;
const batched = createDemoEngine(dataDir, { pixelBudget: BUDGET, batchCells: true });
const oneByOne = createDemoEngine(tempDir(), { pixelBudget: BUDGET, batchCells: false });
afterAll(async () => {
  await batched.close();
  await oneByOne.close();
});

const STEPS = 14;

/** Four candidates: the edit and three others with their own seeds through the stochastic sampler. */
function candidates(): EditParams[] {
  return [11, 12, 13, 14].map((seed) =>
    batched.resolveParams({ strength: 0.5, overrides: { steps: STEPS, seed, sampler: 'sde', noiseScale: 1 } }),
  );
}

async function meanAbsDiff(a: Uint8Array, b: Uint8Array): Promise<number> {
  const [x, y] = [await rawRgb(a), await rawRgb(b)];
  let sum = 0;
  for (let i = 0; i < x.data.length; i++) sum += Math.abs(x.data[i] - y.data[i]);
  return sum / x.data.length;
}

describe('a grid of four from one inversion', () => {
  it('makes one inversion and four reverse passes, and each cell is the edit its parameters make alone', async () => {
    const cells = candidates();
    const grid = await oneByOne.edit({ image: photo(), prompt: 'as a pencil sketch', params: cells[0], cells });
    expect(grid.transformerCalls).toEqual({ invert: STEPS, edit: 4 * STEPS });
    expect(grid.cells).toHaveLength(4);
    const single = await oneByOne.edit({ image: photo(), prompt: 'as a pencil sketch', params: cells[2] });
    expect(single.transformerCalls.invert).toBe(0); // the grid's inversion was cached
    expect(Buffer.from(grid.cells![2].image).equals(Buffer.from(single.image))).toBe(true);
    expect(grid.cells![2].params.seed).toBe(13);
    // The grid picture: four half-size cells and a gap.
    const meta = await sharp(grid.image).metadata();
    expect(meta.width).toBe(grid.width);
    expect(grid.width).toBeGreaterThan(single.width);
    expect(grid.width).toBeLessThan(single.width + 16);
  });

  it('gives the same cells with one batched transformer call per step (within one level)', async () => {
    const cells = candidates();
    const calls: number[] = [];
    const grid = await batched.edit(
      { image: photo(), prompt: 'as a pencil sketch', params: cells[0], cells },
      (p) => p.phase === 'edit' && calls.push(p.step),
    );
    const reference = await oneByOne.edit({ image: photo(), prompt: 'as a pencil sketch', params: cells[0], cells });
    expect(grid.transformerCalls.edit).toBe(4 * STEPS);
    for (let i = 0; i < 4; i++)
      expect(await meanAbsDiff(grid.cells![i].image, reference.cells![i].image)).toBeLessThan(1);
    // The candidates differ from one another.
    expect(await meanAbsDiff(grid.cells![0].image, grid.cells![1].image)).toBeGreaterThan(0.5);
  });

  it('a strength sweep moves away from the photo as the strength grows, each cell labelled with its strength', async () => {
    const strengths = [0.25, 0.5, 0.75, 1];
    const cells = strengths.map((strength) =>
      batched.resolveParams({ strength, overrides: { steps: STEPS, seed: 5 } }),
    );
    const sweep = await batched.edit({
      image: photo(),
      prompt: 'as a pencil sketch',
      params: cells[0],
      cells,
      cellLabels: strengths.map(String),
    });
    // Strength 0 gives the photo back at the working size: the reference each cell is measured from.
    const unchanged = await batched.edit({
      image: photo(),
      prompt: 'as a pencil sketch',
      params: batched.resolveParams({ strength: 0, overrides: { steps: STEPS, seed: 5 } }),
    });
    const changes: number[] = [];
    for (const cell of sweep.cells!) changes.push(await meanAbsDiff(unchanged.image, cell.image));
    for (let i = 1; i < changes.length; i++) expect(changes[i]).toBeGreaterThan(changes[i - 1]);
    expect(sweep.cells!.map((c) => c.params.strength)).toEqual(strengths);
  });

  it('refuses cells that could not share one inversion', async () => {
    const cells = candidates();
    cells[3] = { ...cells[3], gamma: cells[0].gamma + 0.25 };
    await expect(batched.edit({ image: photo(), prompt: 'warm', params: cells[0], cells })).rejects.toThrow(
      /share gamma/,
    );
  });
});
