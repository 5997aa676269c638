/**
 * What a person sees the demo model do to a real photo, through the production path (sharp, ONNX sessions,
 * samplers, caches) at the demo's defaults: structural words change the photo and keep its edges, a variation
 * is not speckled, and unknown words are reported rather than silently ignored. Figures for every word and
 * photo: `npm run bench -- --only demo`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RgbImage, edgeCorrelation, highFrequencyEnergy, meanChange } from '../../bench/image-metrics.ts';
import { createDemoEngine } from '../../src/engine/index.ts';
import type { EditRequest } from '../../src/engine/types.ts';
import { tempDir } from './helpers.ts';

const image = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'astronaut.jpg'));
const engine = createDemoEngine(tempDir(), { pixelBudget: 160 * 160, previewEverySteps: 0 });
afterAll(() => engine.close());

async function rgb(bytes: Uint8Array): Promise<RgbImage> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
const edited = async (request: Omit<EditRequest, 'image'>) => rgb((await engine.edit({ image, ...request })).image);

let photo: RgbImage;
let floor: number;
beforeAll(async () => {
  const noOp = await edited({ prompt: 'a photo of it', overrides: { seed: 1 } });
  photo = await rgb(await sharp(image).resize(noOp.width, noOp.height, { fit: 'fill' }).png().toBuffer());
  floor = meanChange(noOp, photo);
});

describe('the demo model on a portrait', () => {
  it('leaves the photo nearly as it was for a prompt with no known word', () => {
    expect(floor).toBeLessThan(6);
  });

  it('turns it into a sketch that keeps the photo’s edges', async () => {
    const sketch = await edited({ prompt: 'a pencil sketch', overrides: { seed: 1 } });
    expect(meanChange(sketch, photo)).toBeGreaterThan(Math.max(floor + 8, 12));
    expect(edgeCorrelation(sketch, photo)).toBeGreaterThan(0.7);
    const [r, g, b] = [0, 1, 2].map((c) => sketch.data.filter((_, i) => i % 3 === c).reduce((a, v) => a + v, 0));
    expect(Math.max(r, g, b) / Math.min(r, g, b)).toBeLessThan(1.05); // no colour left
  });

  it('sharpens with "sharp" and softens with "soft": more or less fine detail than the photo', async () => {
    const detail = highFrequencyEnergy(photo);
    expect(highFrequencyEnergy(await edited({ prompt: 'sharp', overrides: { seed: 1 } }))).toBeGreaterThan(
      1.5 * detail,
    );
    expect(highFrequencyEnergy(await edited({ prompt: 'soft', overrides: { seed: 1 } }))).toBeLessThan(0.7 * detail);
  });

  it('makes a variation (🎲) that differs from the edit without speckle and keeps the edges', async () => {
    for (const prompt of ['sketch', 'red night']) {
      const edit = await edited({ prompt, overrides: { seed: 1 } });
      const variation = await edited({ prompt, overrides: { seed: 2, sampler: 'sde' } });
      expect(meanChange(variation, edit)).toBeGreaterThan(3);
      expect(highFrequencyEnergy(variation)).toBeLessThan(1.2 * highFrequencyEnergy(edit));
      expect(edgeCorrelation(variation, photo)).toBeGreaterThan(0.6);
    }
  });

  it('changes more as the strength grows', async () => {
    const change = async (strength: number) =>
      meanChange(await edited({ prompt: 'charcoal', strength, overrides: { seed: 1 } }), photo);
    const [low, mid, high] = [await change(0.25), await change(0.5), await change(0.75)];
    expect(low).toBeLessThan(mid);
    expect(mid).toBeLessThan(high);
  });

  it('reports which words of the prompt it used and which it ignored', async () => {
    const result = await engine.edit({ image, prompt: 'Sketch with glasses', overrides: { seed: 1, steps: 4 } });
    expect(result.params.promptWords).toEqual({ used: ['sketch'], ignored: ['glasses'] });
  });
});
