/**
 * Passes run in lockstep give exactly what they give alone, with one model call per step for all of them: the
 * property that lets four grid cells or four strengths share each transformer call.
 */
import { describe, expect, it } from 'vitest';
import {
  edit,
  fluxSigmas,
  gaussianNoise,
  lockstep,
  oneByOne,
  type BatchVelocity,
  type Velocity,
} from '../../../src/engine/flow/index.ts';
import { closedFormVelocity, type Target } from '../../../src/engine/flow/reference-flows.ts';

const prompt: Target = { kind: 'gaussian', target: { mean: 1.5, std: 0.3 } };
const LENGTH = 1024;
const sigmas = fluxSigmas(14, { imageSeqLen: 4096 });
const y0 = gaussianNoise(LENGTH, 1).map((v) => 0.2 * v - 0.5);
const x = gaussianNoise(LENGTH, 2);

/** Four different reverse passes from one inversion: other seeds, samplers and controller strengths. */
const cells = [
  { sampler: 'ode' as const, eta: 0.9, stop: 4, seed: 1 },
  { sampler: 'sde' as const, eta: 0.5, stop: 7, seed: 2 },
  { sampler: 'sde' as const, eta: 0.5, stop: 7, seed: 3 },
  { sampler: 'ode' as const, eta: 0, stop: 0, seed: 4 },
];

function pass(cell: (typeof cells)[number], velocity: Velocity<Target>) {
  return edit({
    x,
    y0,
    velocity,
    cond: prompt,
    sigmas,
    eta: cell.eta,
    start: 0,
    stop: cell.stop,
    sampler: cell.sampler,
    seed: cell.seed,
  });
}

/** A batch model that records each call's batch size. */
function countingBatch(): BatchVelocity<Target> & { sizes: number[] } {
  const single = oneByOne(closedFormVelocity());
  const sizes: number[] = [];
  return Object.assign(
    (xs: readonly Float32Array[], sigma: number, conds: readonly Target[]) => {
      sizes.push(xs.length);
      return single(xs, sigma, conds);
    },
    { sizes },
  );
}

describe('lockstep passes', () => {
  it('give bit-for-bit the results of the same passes run one after another, with one batched call per step', async () => {
    const alone: Float32Array[] = [];
    for (const cell of cells) alone.push(await pass(cell, closedFormVelocity()));
    const batch = countingBatch();
    const group = lockstep(batch, cells.length);
    const together = await Promise.all(cells.map((cell, lane) => group.run(lane, (velocity) => pass(cell, velocity))));
    together.forEach((out, i) => expect(out).toEqual(alone[i]));
    expect(batch.sizes).toEqual(new Array(14).fill(4));
  });

  it('lets the others finish when one pass is stopped midway', async () => {
    const batch = countingBatch();
    const group = lockstep(batch, 3);
    const stop = new AbortController();
    let steps = 0;
    const results = await Promise.allSettled([
      group.run(0, (velocity) => pass(cells[0], velocity)),
      group.run(1, (velocity) =>
        edit(
          { x, y0, velocity, cond: prompt, sigmas, eta: 0, start: 0, stop: 0 },
          { signal: stop.signal, onStep: () => void (++steps === 5 && stop.abort()) },
        ),
      ),
      group.run(2, (velocity) => pass(cells[3], velocity)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(batch.sizes.slice(0, 5)).toEqual([3, 3, 3, 3, 3]);
    expect(batch.sizes.slice(5)).toEqual(new Array(9).fill(2));
  });

  it('fails every waiting pass when the batched model call fails', async () => {
    const failing: BatchVelocity<Target> = async () => {
      throw new Error('device lost');
    };
    const group = lockstep(failing, 2);
    const results = await Promise.allSettled(
      cells.slice(0, 2).map((cell, lane) => group.run(lane, (velocity) => pass(cell, velocity))),
    );
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual([
      'Error: device lost',
      'Error: device lost',
    ]);
  });
});
