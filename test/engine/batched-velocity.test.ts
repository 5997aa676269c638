/**
 * The transformer over a batch: an export with a dynamic batch axis answers several latents in one call exactly
 * as it answers each alone (the demo model here; FLUX.1 exports from optimum declare the same axis).
 */
import { describe, expect, it } from 'vitest';
import { gaussianNoise } from '../../src/engine/flow/index.ts';
import { loadFluxModel } from '../../src/engine/flux/model.ts';
import { demoModel } from './helpers.ts';

describe('batched transformer calls', () => {
  it('give each latent the velocity it gets alone', async () => {
    const model = loadFluxModel(demoModel());
    try {
      expect(await model.batchable()).toBe(true);
      const [width, height] = [64, 48];
      const cond = model.condition(await model.encodePrompt('a warm sketch'), 3.5, width, height);
      const size = (await model.encodeImage(new Uint8Array(width * height * 3), width, height)).length;
      const xs = [1, 2, 3].map((seed) => gaussianNoise(size, seed));
      const alone: Float32Array[] = [];
      for (const x of xs) alone.push(Float32Array.from(await model.velocity(x, 0.7, cond)));
      const together = await model.velocityBatch(xs, 0.7, [cond, cond, cond]);
      expect(together).toHaveLength(3);
      together.forEach((v, i) => {
        for (let j = 0; j < v.length; j += 97) expect(v[j]).toBeCloseTo(alone[i][j], 5);
      });
    } finally {
      await model.close();
    }
  });
});
