/**
 * The samplers' own cost per step, model time excluded: the velocity returns a precomputed buffer, so what is
 * timed is the update, the controller, the noise and the checks on a 1024×1024 packed latent (4096 × 64).
 */
import { edit, fluxSigmas, gaussianNoise, invert, type SamplerKind, type Velocity } from '../src/engine/flow/index.ts';
import type { BenchRow } from './table.ts';

const TOKENS = 4096;
const CHANNELS = 64;
const STEPS = 28;
const ROUNDS = 6;

export async function benchFlow(): Promise<BenchRow[]> {
  const n = TOKENS * CHANNELS;
  const y0 = gaussianNoise(n, 1);
  const y1 = gaussianNoise(n, 2);
  const constant = gaussianNoise(n, 3).map((v) => v * 0.01);
  const velocity: Velocity<null> = async () => constant;
  const sigmas = fluxSigmas(STEPS, { imageSeqLen: TOKENS });

  const passes: Array<[string, () => Promise<Float32Array>]> = [
    ['inversion (γ 0.5)', () => invert({ y0, y1, velocity, cond: null, sigmas, gamma: 0.5 })],
    ...(['ode', 'sde', 'sde-paper'] as SamplerKind[]).map((sampler): [string, () => Promise<Float32Array>] => [
      `editing, ${sampler} (η 0.9, window 0–7)`,
      () => edit({ x: y1, y0, velocity, cond: null, sigmas, eta: 0.9, start: 0, stop: 7, sampler, seed: 4 }),
    ]),
  ];

  const rows: BenchRow[] = [];
  for (const [name, run] of passes) {
    await run(); // warm up the JIT
    const times: number[] = [];
    let arrayBytes = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const before = process.memoryUsage().arrayBuffers;
      const start = performance.now();
      await run();
      times.push((performance.now() - start) / STEPS);
      // Per pass the sampler allocates its output (and a noise buffer); anything more would show here.
      arrayBytes = Math.max(arrayBytes, process.memoryUsage().arrayBuffers - before);
    }
    times.sort((a, b) => a - b);
    rows.push({
      section: 'sampler (1024² latent, 4096×64, model excluded)',
      name: `${name}: time per step`,
      value: times[Math.floor(times.length / 2)],
      unit: 'ms',
      note: `goal ≤ 2 ms; arrays allocated per ${STEPS}-step pass: ${(arrayBytes / 2 ** 20).toFixed(1)} MiB (the 1 MiB output${name.includes('sde') ? ' and noise buffer' : ''}; nothing per step)`,
    });
  }
  return rows;
}
