import { describe, expect, it } from 'vitest';
import {
  edit,
  fluxSigmas,
  gaussianNoise,
  invert,
  InvalidParameterError,
  NonFiniteError,
  sample,
  sdedit,
  type Velocity,
} from '../../../src/engine/flow/index.ts';
import { closedFormVelocity, type Target } from '../../../src/engine/flow/reference-flows.ts';

const cond: Target = { kind: 'gaussian', target: { mean: 0.5, std: 0.5 } };
const sigmas = fluxSigmas(8, { imageSeqLen: 256 });
const y0 = gaussianNoise(64, 1);
const velocity = closedFormVelocity();
const editWith = (changes: Record<string, unknown>) =>
  edit({ x: y0, y0, velocity, cond, sigmas, eta: 0.9, start: 0, stop: 2, ...changes } as never);
const invertWith = (changes: Record<string, unknown>) =>
  invert({ y0, y1: y0, velocity, cond, sigmas, gamma: 0.5, ...changes } as never);

describe('bad parameters get a typed error that names the parameter and its range', () => {
  it.each([
    ['gamma', -0.1, /gamma must be a finite number from 0 to 1; got -0.1/],
    ['gamma', 1.5, /gamma must be a finite number from 0 to 1/],
    ['gamma', Number.NaN, /gamma must be a finite number from 0 to 1; got NaN/],
    ['convention', 'sideways', /convention must be one of consistent, diffusers/],
  ])('invert: %s = %s', async (name, value, message) => {
    await expect(invertWith({ [name]: value })).rejects.toThrow(InvalidParameterError);
    await expect(invertWith({ [name]: value })).rejects.toThrow(message);
  });

  it.each([
    ['eta', 1.01, /eta must be a finite number from 0 to 1/],
    ['eta', Number.POSITIVE_INFINITY, /eta must be a finite number from 0 to 1; got Infinity/],
    ['start', 9, /start must be a whole number from 0 to 8/],
    ['stop', -1, /stop must be a whole number from 0 to 8/],
    ['start', 1.5, /start must be a whole number/],
    ['etaDecayPower', -1, /etaDecayPower must be a finite number from 0 to 10/],
    ['sampler', 'euler-a', /sampler must be one of ode, sde, sde-paper/],
    ['noiseScale', 1.5, /noiseScale must be a finite number from 0 to 1/],
    ['reseed', -0.1, /reseed must be a finite number from 0 to 1/],
    ['seed', -3, /seed must be a whole number from 0 to 9007199254740991/],
  ])('edit: %s = %s', async (name, value, message) => {
    await expect(editWith({ [name]: value })).rejects.toThrow(message);
  });

  it('edit: start after stop', async () => {
    await expect(editWith({ start: 5, stop: 3 })).rejects.toThrow(/start must be at most stop \(3\); got 5/);
  });

  it('steps outside 1..200 and broken schedules', async () => {
    await expect(editWith({ sigmas: new Float64Array([1]) })).rejects.toThrow(
      /steps must be a whole number from 1 to 200; got 0/,
    );
    await expect(editWith({ sigmas: fluxSigmas(200, { imageSeqLen: 256 }).map((s) => s) })).resolves.toBeInstanceOf(
      Float32Array,
    );
    await expect(editWith({ sigmas: new Float64Array(202).fill(0.5) })).rejects.toThrow(
      /steps must be a whole number from 1 to 200; got 201/,
    );
    await expect(editWith({ sigmas: new Float64Array([1, 0.5, 0.7, 0]) })).rejects.toThrow(
      /sigmas must be strictly decreasing/,
    );
  });

  it('mismatched tensor sizes', async () => {
    await expect(editWith({ y0: new Float32Array(63) })).rejects.toThrow(/y0 must be a Float32Array of length 64/);
    await expect(invertWith({ y1: new Float32Array(65) })).rejects.toThrow(/y1 must be a Float32Array of length 64/);
    const wrongSize: Velocity<Target> = async () => new Float32Array(10);
    await expect(editWith({ velocity: wrongSize })).rejects.toThrow(
      /velocity output must be a Float32Array of length 64/,
    );
  });

  it('NaN or Infinity in an input latent', async () => {
    const poisoned = Float32Array.from(y0);
    poisoned[17] = Number.NaN;
    await expect(editWith({ x: poisoned })).rejects.toThrow(/x must be free of NaN and Infinity/);
    poisoned[17] = Number.NEGATIVE_INFINITY;
    await expect(invertWith({ y0: poisoned, y1: y0 })).rejects.toThrow(/y0 must be free of NaN and Infinity/);
    await expect(sdedit({ y0, velocity, cond, sigmas, strength: 2, seed: 0 })).rejects.toThrow(
      /strength must be a finite number from 0 to 1/,
    );
  });
});

describe('no NaN ever leaves the sampler', () => {
  const failingAt = (bad: number): Velocity<Target> => {
    let calls = 0;
    return async (x) => {
      const v = new Float32Array(x.length);
      if (++calls === 3) v[5] = bad;
      return v;
    };
  };

  it.each([Number.NaN, Number.POSITIVE_INFINITY])(
    'a model answering %s stops the pass with NonFiniteError',
    async (bad) => {
      await expect(editWith({ velocity: failingAt(bad) })).rejects.toThrow(NonFiniteError);
      await expect(invertWith({ velocity: failingAt(bad) })).rejects.toThrow(
        /invert pass produced NaN or Infinity at step 2/,
      );
      await expect(sample({ x: y0, velocity: failingAt(bad), cond, sigmas, sampler: 'sde', seed: 1 })).rejects.toThrow(
        NonFiniteError,
      );
    },
  );
});

describe('cancellation', () => {
  it('an aborted signal stops the pass before the next model call', async () => {
    const controller = new AbortController();
    const counting = closedFormVelocity();
    const pass = edit(
      { x: y0, y0, velocity: counting, cond, sigmas, eta: 0, start: 0, stop: 0 },
      {
        onStep: (e) => {
          if (e.step === 3) controller.abort(new Error('user cancelled'));
        },
        signal: controller.signal,
      },
    );
    await expect(pass).rejects.toThrow('user cancelled');
    expect(counting.calls).toBe(3);
  });

  it('reports every step with its σ and the live state', async () => {
    const seen: Array<[string, number, number, number]> = [];
    await invert(
      { y0, y1: y0, velocity, cond, sigmas, gamma: 0.5 },
      {
        onStep: (e) => {
          seen.push([e.phase, e.step, e.total, e.sigma]);
        },
      },
    );
    expect(seen.map((s) => s[1])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(seen.at(-1)).toEqual(['invert', 8, 8, 1]);
  });
});
