/**
 * Grids from one inversion, on the demo model at 512²: transformer evaluations per result for one edit, four
 * candidates and a strength sweep (against four independent edits: 2·28 per result), and wall time per result
 * with the four reverse passes run one after another or as one batched call per step.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { gridOfRequest } from '../src/commands/grid.ts';
import { createDemoEngine } from '../src/engine/index.ts';
import type { EditEngine, EditRequest } from '../src/engine/types.ts';
import type { BenchRow } from './table.ts';

const PHOTO = join(import.meta.dirname, '..', 'test', 'fixtures', 'stm32f3-discovery.jpg');
const SIDE = 512;
const STEPS = 28;
const ROUNDS = 3;

export async function benchGrid(): Promise<Array<Omit<BenchRow, 'section'>>> {
  const root = mkdtempSync(join(tmpdir(), 'rfedit-bench-grid-'));
  const rows: Array<Omit<BenchRow, 'section'>> = [];
  try {
    const image = await sharp(readFileSync(PHOTO)).resize(SIDE, SIDE, { fit: 'fill' }).png().toBuffer();
    for (const batchCells of [false, true]) {
      // A fresh cache per round, so every grid pays its inversion.
      let round = 0;
      const engine = () =>
        createDemoEngine(join(root, `${batchCells}-${round++}`), {
          pixelBudget: SIDE * SIDE,
          previewEverySteps: 0,
          batchCells,
        });
      const first = engine();
      await first.edit({ image, prompt: 'warm', overrides: { steps: 1 } }); // loads the sessions
      await first.close();
      for (const kind of ['single', 'candidates', 'sweep'] as const) {
        let ms = 0;
        let calls = 0;
        let results = 0;
        for (let r = 0; r < ROUNDS; r++) {
          const e = engine();
          const request = gridRequest(kind, image, (r) => e.resolveParams(r));
          const t = performance.now();
          const result = await e.edit(request);
          ms += performance.now() - t;
          calls += result.transformerCalls.invert + result.transformerCalls.edit;
          results += result.cells?.length ?? 1;
          await e.close();
        }
        if (!batchCells || kind !== 'single') {
          rows.push({
            name: `${kind === 'single' ? 'one edit' : kind === 'sweep' ? 'strength sweep of 4' : 'grid of 4 candidates'}: wall time per result${kind === 'single' ? '' : batchCells ? ', batched' : ', in turn'}`,
            value: ms / results,
            unit: 'ms',
          });
        }
        if (!batchCells) {
          const perResult = calls / results;
          rows.push({
            name: `${kind === 'single' ? 'one edit' : kind === 'sweep' ? 'strength sweep of 4' : 'grid of 4 candidates'}: transformer calls per result`,
            value: perResult,
            unit: 'calls',
            note: `${(perResult / (2 * STEPS)).toFixed(3)}× of an independent edit (goal ≤ 0.65 for grids)`,
          });
        }
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return rows;
}

function gridRequest(
  kind: 'single' | 'candidates' | 'sweep',
  image: Uint8Array,
  resolve: EditEngine['resolveParams'],
): EditRequest {
  const request = { prompt: 'as a pencil sketch', overrides: { steps: STEPS, seed: 7 } };
  if (kind === 'single') return { image, ...request, params: resolve(request) };
  let seed = 100;
  return { image, ...request, ...gridOfRequest(kind, request, resolve, () => seed++) };
}
