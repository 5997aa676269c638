/**
 * Accuracy of the two inversion time conventions and the stochastic samplers on reference flows whose exact
 * answer is known (src/engine/flow/reference-flows.ts). These are the figures quoted in the README.
 */
import {
  edit,
  fluxSigmas,
  gaussianNoise,
  invert,
  sample,
  type InversionConvention,
  type SamplerKind,
} from '../src/engine/flow/index.ts';
import { closedFormVelocity, meanAndVariance, rms, type Target } from '../src/engine/flow/reference-flows.ts';
import type { BenchRow } from './table.ts';

const LENGTH = 4096;
const gaussian: Target = { kind: 'gaussian', target: { mean: 0.8, std: 0.5 } };

export async function benchAccuracy(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const section = 'accuracy on a Gaussian target (exact velocity; 1024² schedule)';
  const y0 = gaussianNoise(LENGTH, 1).map((z) => 0.8 + 0.5 * z);
  const y1 = gaussianNoise(LENGTH, 2);
  for (const convention of ['consistent', 'diffusers'] as InversionConvention[]) {
    for (const steps of [28, 56, 200]) {
      const sigmas = fluxSigmas(steps, { imageSeqLen: 4096 });
      const velocity = closedFormVelocity();
      const landed = await invert({ y0, y1, velocity, cond: gaussian, sigmas, gamma: 1, convention });
      const noise = await invert({ y0, y1, velocity, cond: gaussian, sigmas, gamma: 0, convention });
      const back = await edit({ x: noise, y0, velocity, cond: gaussian, sigmas, eta: 0, start: 0, stop: 0 });
      rows.push({
        section,
        name: `${convention}, N=${steps}: γ=1 distance to y1 (rms)`,
        value: rms(landed, y1),
        unit: '',
      });
      rows.push({
        section,
        name: `${convention}, N=${steps}: γ=η=0 round trip error (rms)`,
        value: rms(back, y0),
        unit: '',
      });
    }
  }
  const narrow = { mean: 1, std: 0.1 };
  for (const sampler of ['ode', 'sde', 'sde-paper'] as SamplerKind[]) {
    for (const steps of [14, 28, 56]) {
      const out = await sample({
        x: gaussianNoise(100_000, 5),
        velocity: closedFormVelocity(),
        cond: { kind: 'gaussian', target: narrow },
        sigmas: fluxSigmas(steps, { imageSeqLen: 4096 }),
        sampler,
        seed: 9,
      });
      const { mean, variance } = meanAndVariance(out);
      rows.push({
        section: 'samplers on a narrow Gaussian target N(1, 0.1²), 100k draws',
        name: `${sampler}, N=${steps}: spread / target spread`,
        value: Math.sqrt(variance) / narrow.std,
        unit: '×',
        note: `mean error ${(mean - narrow.mean).toFixed(4)}`,
      });
    }
  }
  return rows;
}
