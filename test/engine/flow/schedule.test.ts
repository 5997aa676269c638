import { describe, expect, it } from 'vitest';
import { fluxSigmas, imageSeqLen, shiftMu, InvalidParameterError } from '../../../src/engine/flow/index.ts';

describe('fluxSigmas', () => {
  // Worked values for 1024×1024 (L = 4096, mu = 1.15), N = 28, from docs/rf-inversion.md §1.2.
  const table = [1.0, 0.9884, 0.9762, 0.9634, 0.9499, 0.9356, 0.9205, 0.9045];
  const tail = [0.4071, 0.3448, 0.2748, 0.1955, 0.1047, 0];

  it('matches the published 1024×1024, 28-step schedule to four decimals', () => {
    const sigmas = fluxSigmas(28, { imageSeqLen: imageSeqLen(1024, 1024) });
    expect(sigmas).toHaveLength(29);
    table.forEach((value, k) => expect(sigmas[k]).toBeCloseTo(value, 4));
    tail.forEach((value, k) => expect(sigmas[23 + k]).toBeCloseTo(value, 4));
  });

  it('takes small steps at the noisy end and large ones at the image end', () => {
    const sigmas = fluxSigmas(28, { imageSeqLen: 4096 });
    expect(sigmas[0] - sigmas[1]).toBeCloseTo(0.0116, 4);
    expect(sigmas[27] - sigmas[28]).toBeCloseTo(0.1047, 4);
  });

  it('interpolates mu linearly in the sequence length: 256 → 0.5, 1024 → 0.63, 4096 → 1.15', () => {
    expect(shiftMu(256)).toBeCloseTo(0.5, 12);
    expect(shiftMu(4096)).toBeCloseTo(1.15, 12);
    expect(shiftMu(imageSeqLen(512, 512))).toBeCloseTo(0.63, 12);
  });

  it('is the plain linspace with a terminal zero when not dynamic and unshifted (schnell)', () => {
    const sigmas = fluxSigmas(4, { imageSeqLen: 4096, dynamic: false, shift: 1 });
    expect(Array.from(sigmas)).toEqual([1, 0.75, 0.5, 0.25, 0]);
  });

  it('shifts toward noise as the image grows', () => {
    const small = fluxSigmas(28, { imageSeqLen: 256 });
    const large = fluxSigmas(28, { imageSeqLen: 4096 });
    for (let k = 1; k < 28; k++) expect(large[k]).toBeGreaterThan(small[k]);
  });

  it.each([0, 201, 2.5, Number.NaN])('refuses %s steps, naming the parameter and its range', (steps) => {
    expect(() => fluxSigmas(steps, { imageSeqLen: 4096 })).toThrow(InvalidParameterError);
    expect(() => fluxSigmas(steps, { imageSeqLen: 4096 })).toThrow(/steps must be a whole number from 1 to 200/);
  });
});
