/**
 * End-to-end edits on the demo model at 512² and 1024²: a fresh edit (inversion + edit) against a variation
 * of the same photo (cached inversion, edit only), and the share of wall time spent outside model calls
 * (image I/O, sampler arithmetic, caches, previews) — the part rfedit itself owns.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ensureDemoModel } from '../src/engine/demo/generate.ts';
import { FluxEditEngine } from '../src/engine/edit-engine.ts';
import { type FluxModel, loadFluxModel } from '../src/engine/flux/model.ts';

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

const PHOTO = join(import.meta.dirname, '..', 'test', 'fixtures', 'stm32f3-discovery.jpg');

/** Wraps every model call to add up the time spent inside onnxruntime. */
function timedModel(model: FluxModel): { model: FluxModel; elapsed: () => number; reset: () => void } {
  let ms = 0;
  const time =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const t = performance.now();
      try {
        return await fn(...args);
      } finally {
        ms += performance.now() - t;
      }
    };
  return {
    model: {
      ...model,
      encodePrompt: time(model.encodePrompt),
      encodeImage: time(model.encodeImage),
      decode: time(model.decode),
      velocity: time(model.velocity),
    },
    elapsed: () => ms,
    reset: () => {
      ms = 0;
    },
  };
}

async function benchSize(side: number, modelDir: string, cacheRoot: string): Promise<BenchRow[]> {
  const image = await sharp(readFileSync(PHOTO)).resize(side, side, { fit: 'fill' }).png().toBuffer();
  const timed = timedModel(loadFluxModel(modelDir));
  const engine = new FluxEditEngine(timed.model, {
    modelDir,
    cacheDir: join(cacheRoot, `cache-${side}`),
    pixelBudget: side * side,
    previewEverySteps: 0,
  });
  // Warm-up: session loading is a one-off cost, not part of an edit.
  await engine.edit({ image, prompt: 'warm', overrides: { steps: 1, gamma: 0.1 } });

  timed.reset();
  const fresh = await engine.edit({ image, prompt: 'vivid red', overrides: { seed: 1 } });
  const freshModelMs = timed.elapsed();
  timed.reset();
  // Same photo, new prompt and strength: only the reverse pass runs. (The ODE sampler on both sides, so the
  // ratio shows the inversion saved rather than the stochastic sampler's extra noise draws.)
  const variation = await engine.edit({ image, prompt: 'blue dusk', strength: 0.6, overrides: { seed: 2 } });
  const variationModelMs = timed.elapsed();
  await engine.close();

  const label = `engine demo ${side}²`;
  const outside = (total: number, inModel: number) => Math.max(0, (total - inModel) / total) * 100;
  return [
    {
      name: `${label} fresh edit`,
      value: fresh.timingsMs.total,
      unit: 'ms',
      note: `${fresh.transformerCalls.invert}+${fresh.transformerCalls.edit} transformer calls`,
    },
    {
      name: `${label} variation`,
      value: variation.timingsMs.total,
      unit: 'ms',
      note: `cached inversion: ${variation.inversionCached}, ${variation.transformerCalls.edit} transformer calls`,
    },
    {
      name: `${label} variation/fresh`,
      value: variation.timingsMs.total / fresh.timingsMs.total,
      unit: 'ratio',
      note: 'ideal ≈ 0.5 (N instead of 2N model calls)',
    },
    {
      name: `${label} time outside model calls (fresh)`,
      value: outside(fresh.timingsMs.total, freshModelMs),
      unit: '%',
    },
    {
      name: `${label} time outside model calls (variation)`,
      value: outside(variation.timingsMs.total, variationModelMs),
      unit: '%',
    },
  ];
}

export async function benchEngine(): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'rfedit-bench-engine-'));
  try {
    const modelDir = ensureDemoModel(join(root, 'demo'));
    return [...(await benchSize(512, modelDir, root)), ...(await benchSize(1024, modelDir, root))];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await benchEngine())
    console.log(`${row.name}: ${row.value.toFixed(2)} ${row.unit}${row.note ? ` (${row.note})` : ''}`);
}
