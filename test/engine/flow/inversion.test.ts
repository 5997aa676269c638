import { describe, expect, it } from 'vitest';
import { edit, fluxSigmas, gaussianNoise, invert, type InversionConvention } from '../../../src/engine/flow/index.ts';
import { closedFormVelocity, gaussianFlowMap, rms, type Target } from '../../../src/engine/flow/reference-flows.ts';

const gaussian: Target = { kind: 'gaussian', target: { mean: 0.8, std: 0.5 } };
const mixture: Target = { kind: 'mixture', target: { centers: [-1.5, 0.2, 1.3], width: 0.15 } };
const LENGTH = 2048;

/** A "photo": one draw from the target, so the inversion starts on the data manifold. */
function sourceFrom(cond: Target, seed: number): Float32Array {
  const z = gaussianNoise(LENGTH, seed);
  if (cond.kind === 'gaussian') return z.map((e) => cond.target.mean + cond.target.std * e);
  const { centers, width } = cond.target;
  const pick = gaussianNoise(LENGTH, seed + 1);
  return z.map((e, i) => centers[Math.floor(Math.abs(pick[i]) * 1000) % centers.length] + width * e);
}

async function roundTripError(cond: Target, steps: number, convention: InversionConvention): Promise<number> {
  const y0 = sourceFrom(cond, 11);
  const sigmas = fluxSigmas(steps, { imageSeqLen: 4096 });
  const velocity = closedFormVelocity();
  const noise = await invert({ y0, y1: gaussianNoise(LENGTH, 3), velocity, cond, sigmas, gamma: 0, convention });
  const back = await edit({ x: noise, y0, velocity, cond, sigmas, eta: 0, start: 0, stop: 0 });
  return rms(back, y0);
}

describe('invert (Algorithm 1, controlled forward ODE)', () => {
  it('with γ = 1 lands exactly on the noise target y1 (consistent convention)', async () => {
    const y1 = gaussianNoise(LENGTH, 3);
    const sigmas = fluxSigmas(28, { imageSeqLen: 4096 });
    const out = await invert({
      y0: sourceFrom(gaussian, 1),
      y1,
      velocity: closedFormVelocity(),
      cond: gaussian,
      sigmas,
      gamma: 1,
    });
    expect(rms(out, y1)).toBeLessThan(1e-6);
  });

  it('with γ = 1 misses y1 in the diffusers convention, whose last step overshoots', async () => {
    const y1 = gaussianNoise(LENGTH, 3);
    const sigmas = fluxSigmas(28, { imageSeqLen: 4096 });
    const out = await invert({
      y0: sourceFrom(gaussian, 1),
      y1,
      velocity: closedFormVelocity(),
      cond: gaussian,
      sigmas,
      gamma: 1,
      convention: 'diffusers',
    });
    // Measured: rms 3.6e-3 at N = 28. The last step multiplies (Y − y1) by 1 − 0.1047/(1 − 27/29) ≈ −0.51.
    expect(rms(out, y1)).toBeGreaterThan(1e-3);
    expect(rms(out, y1)).toBeLessThan(1e-2);
  });

  it('with γ = 0 follows the exact flow of a Gaussian target to first order', async () => {
    const y0 = sourceFrom(gaussian, 5);
    const exact = y0.map((x) => gaussianFlowMap(gaussian.target as never, x, 0, 1));
    const errors: number[] = [];
    for (const steps of [25, 50, 100]) {
      const sigmas = fluxSigmas(steps, { imageSeqLen: 4096 });
      const out = await invert({ y0, y1: y0, velocity: closedFormVelocity(), cond: gaussian, sigmas, gamma: 0 });
      errors.push(rms(out, exact));
    }
    expect(errors[0] / errors[1]).toBeGreaterThan(1.7);
    expect(errors[1] / errors[2]).toBeGreaterThan(1.7);
  });

  it('feeds the model the state’s own σ in the consistent convention and i/(N+1) in the diffusers one', async () => {
    const sigmas = fluxSigmas(4, { imageSeqLen: 4096 });
    const consistent = closedFormVelocity();
    const diffusers = closedFormVelocity();
    const y0 = sourceFrom(gaussian, 1);
    await invert({ y0, y1: y0, velocity: consistent, cond: gaussian, sigmas, gamma: 0.5 });
    await invert({ y0, y1: y0, velocity: diffusers, cond: gaussian, sigmas, gamma: 0.5, convention: 'diffusers' });
    expect(consistent.times).toEqual([sigmas[4], sigmas[3], sigmas[2], sigmas[1]]);
    expect(diffusers.times).toEqual([0, 1 / 5, 2 / 5, 3 / 5]);
  });
});

describe('invert-then-regenerate round trip with γ = η = 0', () => {
  it.each([
    ['a Gaussian', gaussian],
    ['a mixture of point masses', mixture],
  ])('converges to the source at first order for %s target (consistent)', async (_, cond) => {
    const coarse = await roundTripError(cond, 50, 'consistent');
    const fine = await roundTripError(cond, 100, 'consistent');
    const finer = await roundTripError(cond, 200, 'consistent');
    expect(coarse / fine).toBeGreaterThan(1.4);
    expect(fine / finer).toBeGreaterThan(1.4);
    expect(finer).toBeLessThan(0.05);
  });

  it('does not converge in the diffusers convention: more steps make it worse', async () => {
    // Measured (Gaussian target): rms 0.092 at N = 14, 0.128 at 28, 0.164 at 56, 0.194 at 200.
    const errors = [];
    for (const steps of [28, 56, 200]) errors.push(await roundTripError(gaussian, steps, 'diffusers'));
    expect(errors[1]).toBeGreaterThan(errors[0]);
    expect(errors[2]).toBeGreaterThan(errors[1]);
    expect(errors[2]).toBeGreaterThan(10 * (await roundTripError(gaussian, 200, 'consistent')));
  });
});
