/**
 * Reference rectified flows whose exact velocity is known in closed form: they pin the samplers' math in the
 * tests and the accuracy figures of `npm run bench`.
 * Every latent element is an independent 1-D problem: x_σ = (1 − σ)·x0 + σ·ε with ε ~ N(0, 1).
 */
import type { Velocity } from './types.ts';

/** Target x0 ~ N(mean, std²) per element. */
export interface GaussianTarget {
  readonly mean: number;
  readonly std: number;
}

/** Marginal variance of x_σ: (1 − σ)²s² + σ². */
export function marginalVariance(target: GaussianTarget, sigma: number): number {
  return (1 - sigma) ** 2 * target.std ** 2 + sigma ** 2;
}

/**
 * v(x, σ) = E[ε − x0 | x_σ = x]. With m = (1 − σ)μ and V the marginal variance,
 * E[x0 | x] = μ + (1 − σ)s²(x − m)/V and E[ε | x] = σ(x − m)/V, so
 * v = (σ − (1 − σ)s²)(x − m)/V − μ.
 */
export function gaussianVelocityAt(target: GaussianTarget, x: number, sigma: number): number {
  const s2 = target.std ** 2;
  const m = (1 - sigma) * target.mean;
  return ((sigma - (1 - sigma) * s2) * (x - m)) / marginalVariance(target, sigma) - target.mean;
}

/** The exact ODE flow map of the Gaussian target from σ_a to σ_b (the flow is affine per element). */
export function gaussianFlowMap(target: GaussianTarget, x: number, from: number, to: number): number {
  const scale = Math.sqrt(marginalVariance(target, to) / marginalVariance(target, from));
  return (1 - to) * target.mean + scale * (x - (1 - from) * target.mean);
}

/** A mixture of narrow Gaussians (point masses as width → 0) at `centers`, with `weights` (default equal). */
export interface MixtureTarget {
  readonly centers: readonly number[];
  readonly width: number;
  readonly weights?: readonly number[];
}

/**
 * Given component k, x_σ ~ N((1 − σ)c_k, V) with V = (1 − σ)²w² + σ², and the component velocity is the
 * Gaussian one; the mixture velocity is their average under the posterior r_k ∝ π_k N(x; (1 − σ)c_k, V).
 */
export function mixtureVelocityAt(target: MixtureTarget, x: number, sigma: number): number {
  const variance = (1 - sigma) ** 2 * target.width ** 2 + sigma ** 2;
  const slope = (sigma - (1 - sigma) * target.width ** 2) / variance;
  let best = Infinity;
  const logits = target.centers.map((c, k) => {
    const d = x - (1 - sigma) * c;
    const logit = Math.log(target.weights?.[k] ?? 1) - (d * d) / (2 * variance);
    best = Math.min(best, -logit);
    return logit;
  });
  let norm = 0;
  let v = 0;
  target.centers.forEach((c, k) => {
    const r = Math.exp(logits[k] + best);
    norm += r;
    v += r * (slope * (x - (1 - sigma) * c) - c);
  });
  return v / norm;
}

/** Conditioning for the test flows: the "prompt" picks the target. */
export type Target = { kind: 'gaussian'; target: GaussianTarget } | { kind: 'mixture'; target: MixtureTarget };

export interface CountingVelocity extends Velocity<Target> {
  calls: number;
  times: number[];
}

/** Elementwise closed-form velocity, counting its calls and recording the times it was fed. */
export function closedFormVelocity(): CountingVelocity {
  const velocity = (async (x: Float32Array, sigma: number, cond: Target) => {
    velocity.calls++;
    velocity.times.push(sigma);
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      out[i] =
        cond.kind === 'gaussian'
          ? gaussianVelocityAt(cond.target, x[i], sigma)
          : mixtureVelocityAt(cond.target, x[i], sigma);
    }
    return out;
  }) as CountingVelocity;
  velocity.calls = 0;
  velocity.times = [];
  return velocity;
}

export function rms(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum / a.length);
}

export function meanAndVariance(values: Float32Array): { mean: number; variance: number } {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  return { mean, variance: variance / values.length };
}
