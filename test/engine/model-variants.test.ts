/**
 * Pipeline contract: the same FluxModel code runs every export variant (fp32/fp16 I/O, with and without a
 * guidance input, both VAE encoder output forms, both CLIP tokenizer forms, int32/int64 ids), checked
 * against the demo model's closed-form velocity and its lossless VAE.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DemoModelVariant } from '../../src/engine/demo/generate.ts';
import { DEMO_NOMINAL_GUIDANCE, demoEffect, packedTargets } from '../../src/engine/demo/index.ts';
import { type FluxModel, loadFluxModel } from '../../src/engine/flux/model.ts';
import { demoModel, tempDir } from './helpers.ts';

const root = tempDir();

const VARIANTS: Array<[string, Partial<DemoModelVariant>]> = [
  ['fp32 I/O, guidance, latent_parameters, vocab+merges, int64 ids', {}],
  [
    'fp16 I/O, no guidance, latent_sample, tokenizer.json, int32 ids, float32 positions',
    {
      floatType: 'float16',
      guidance: false,
      vaeEncoderOutput: 'latent_sample',
      clipTokenizer: 'tokenizer-json',
      idsType: 'int32',
      positionIdsType: 'float32',
    },
  ],
  ['fp16 I/O, guidance, latent_parameters', { floatType: 'float16' }],
  ['fp32 I/O, no guidance, latent_sample', { guidance: false, vaeEncoderOutput: 'latent_sample' }],
];

/** v = (σ − (1−σ)s²)/V·(x − (1−σ)μ) − μ per element, with μ and s of each element's frequency (spectrum.ts). */
function expectedVelocity(
  x: Float32Array,
  sigma: number,
  target: { mean: Float64Array; std: Float64Array },
): Float32Array {
  const out = new Float32Array(x.length);
  const a = 1 - sigma;
  for (let i = 0; i < x.length; i++) {
    const mu = target.mean[i];
    const s2 = target.std[i] ** 2;
    out[i] = ((sigma - a * s2) / (a * a * s2 + sigma * sigma)) * (x[i] - a * mu) - mu;
  }
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe.each(VARIANTS)('a demo export with %s', (_, variant) => {
  const model: FluxModel = loadFluxModel(demoModel(variant, join(root, _.replace(/\W+/g, '-'))));
  afterAll(() => model.close());
  const tolerance = variant.floatType === 'float16' ? 2e-2 : 1e-5;
  const [width, height] = [16, 12];
  const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 53 + 11) % 256);

  it('encodes and decodes an image without loss', async () => {
    const latent = await model.encodeImage(rgb, width, height);
    expect(latent).toHaveLength((width / 2) * (height / 2) * 16);
    expect(await model.decode(latent, width, height)).toEqual(rgb);
  });

  it("computes the closed-form velocity of the prompt's Gaussian", async () => {
    const text = await model.encodePrompt('Vivid RED sketch at night');
    const guidance = 2;
    const cond = model.condition(text, guidance, width, height);
    const x = Float32Array.from({ length: (width / 4) * (height / 4) * 64 }, (_, i) => Math.cos(i) * 1.5);
    const scale = (await model.hasGuidance()) ? guidance / DEMO_NOMINAL_GUIDANCE : 1;
    const target = packedTargets(demoEffect(['vivid', 'red', 'sketch', 'night'], scale), height, width);
    const v = await model.velocity(x, 0.3, cond);
    expect(maxAbsDiff(v, expectedVelocity(x, 0.3, target))).toBeLessThan(tolerance);
  });

  it('reports whether the transformer takes guidance', async () => {
    expect(await model.hasGuidance()).toBe(variant.guidance ?? true);
  });

  it('gives the null prompt the standard normal, whose velocity at σ = 1 is x itself', async () => {
    const cond = model.condition(await model.encodePrompt(''), 0, width, height);
    const x = Float32Array.from({ length: (width / 4) * (height / 4) * 64 }, (_, i) => (i % 7) - 3);
    expect(maxAbsDiff(await model.velocity(x, 1, cond), x)).toBeLessThan(tolerance * 4);
  });
});

describe('VAE normalization', () => {
  it('applies scaling_factor and shift_factor from the VAE config', async () => {
    const model = loadFluxModel(demoModel({ scalingFactor: 0.5, shiftFactor: 0.1 }, join(root, 'scaled')));
    const plain = loadFluxModel(demoModel({}, join(root, 'plain')));
    const rgb = Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) => (i * 37) % 256);
    const latent = await model.encodeImage(rgb, 4, 4);
    const expected = (await plain.encodeImage(rgb, 4, 4)).map((z) => (z - 0.1) * 0.5);
    await plain.close();
    expect(maxAbsDiff(latent, expected)).toBeLessThan(1e-6);
    expect(await model.decode(latent, 4, 4)).toEqual(rgb);
    await model.close();
  });
});
