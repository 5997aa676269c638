/**
 * The reverse pass: structured noise → image, σ: 1 → 0, over the schedule's consecutive pairs.
 *
 * Algorithm 2 of RF-Inversion, the controlled reverse ODE (paper Eq. 15) in FLUX's sign convention:
 *
 *   w = (1 − η_i)·vθ(X, σ_i, c) + η_i·(X − y0)/σ_i,      X ← X + (σ_{i+1} − σ_i)·w
 *
 * with η_i = η·(1 − i/N)^p inside the controller window start ≤ i < stop and 0 outside. η_i = 1 moves X on
 * the straight line to y0, which is why η = 1 over the whole window gives the source back exactly.
 * Plain Euler sampling (η = 0 from noise) and SDEdit (η = 0 from a partly noised source) use the same walk.
 */
import { InvalidParameterError } from './errors.ts';
import { affineStep } from './kernel.ts';
import { GaussianRng, gaussianNoise } from './rng.ts';
import { sdeditStart } from './schedule.ts';
import { callVelocity, checkProbe, reportStep, throwIfStopped } from './steps.ts';
import { SAMPLER_KINDS, type SamplerKind, type StepHooks, type Velocity } from './types.ts';
import { checkInteger, checkLatent, checkRange, checkSeed, checkSigmas } from './validate.ts';

export interface EditOptions<C> {
  /** Starting state at σ = 1: the inverted latent. */
  readonly x: Float32Array;
  /** The source's clean latent, the controller's target. */
  readonly y0: Float32Array;
  readonly velocity: Velocity<C>;
  /** Conditioning for the new prompt (guidance included). */
  readonly cond: C;
  readonly sigmas: Float64Array;
  /** Controller strength η in [0, 1]; 0.9 in the paper's default. */
  readonly eta: number;
  /** Controller window [start, stop) in steps. */
  readonly start: number;
  readonly stop: number;
  /** η_i = η·(1 − i/N)^p; 0 (default) keeps η constant. */
  readonly etaDecayPower?: number;
  /** @default 'ode' */
  readonly sampler?: SamplerKind;
  /** Seed of the stochastic samplers' noise. @default 0 */
  readonly seed?: number;
  /**
   * Scales the stochastic samplers' injected noise variance (1 = the rectified SDE; 0 = the ODE). A model that
   * cannot denoise (the demo's Gaussian) needs little noise for a variation to stay close to the photo. @default 1
   */
  readonly noiseScale?: number;
  /**
   * The stochastic samplers first mix this share of fresh noise into the starting latent, by variance:
   * x ← √(1 − r)·x + √r·z. At σ = 1 the state is pure noise, so this keeps its distribution exactly whatever the
   * model; it varies an edit the way a new inversion seed would, without a new inversion. @default 0
   */
  readonly reseed?: number;
}

/** One reverse step's coefficients in x ← p·x + a·v + b·(x − y0) + c·z. */
interface StepCoefficients {
  readonly p: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

/** Euler step of the controlled ODE: x + dσ·[(1 − η)·v + (η/σ)·(x − y0)]. */
function odeStep(sigma: number, next: number, eta: number): StepCoefficients {
  const d = next - sigma;
  return { p: 1, a: d * (1 - eta), b: (d * eta) / sigma, c: 0 };
}

/**
 * The authors' discretisation (RF-Inversion repo, scheduling_flow_match_euler_discrete_sde.py):
 *   x ← x + dσ·(2w + x/(1 − σ)) + sqrt(2σ/(1 − σ)·(σ − σ_next))·z,   plain Euler where σ = 1.
 * It keeps the η = 0 noise scale even when η > 0, as their code does. With a noise scale λ the drift becomes
 * (1 + λ)w + λx/(1 − σ) and the variance λ times the above: the family of SDEs with the same marginals
 * (λ = 1 the authors' step, λ = 0 the ODE).
 */
function paperSdeStep(sigma: number, next: number, eta: number, noiseScale: number): StepCoefficients {
  if (sigma >= 1) return odeStep(sigma, next, eta);
  const d = next - sigma;
  const drift = 1 + noiseScale;
  return {
    p: 1 + (noiseScale * d) / (1 - sigma),
    a: drift * d * (1 - eta),
    b: (drift * d * eta) / sigma,
    c: Math.sqrt(((2 * sigma) / (1 - sigma)) * (sigma - next) * noiseScale),
  };
}

/**
 * Re-noising step: predict x̂0 = x − σw and ε̂ = x + (1 − σ)w, then draw x_next from the straight path's
 * exact Gaussian posterior q(x_next | x, x̂0):  x_next = α'·x̂0 + σ'·(sqrt(1 − ρ²)·ε̂ + ρ·z),
 * ρ² = (1 − η)·β²/σ², β² = σ² − (α/α')²·σ'²  (α = 1 − σ, α' = 1 − σ', σ' = σ_next).
 * As the step shrinks β² → 2σ/(1 − σ)·|dσ|, the rectified SDE's diffusion, but nothing here divides by 1 − σ,
 * so the first step from σ = 1 is well conditioned. ρ = 0 gives exactly the Euler ODE step. Noise scales
 * with (1 − η) as in the paper's Eq. 17, so η = 1 still walks straight to y0.
 */
function renoiseStep(sigma: number, next: number, eta: number, noiseScale: number): StepCoefficients {
  const alpha = 1 - sigma;
  const alphaNext = 1 - next;
  const ratio = alpha / alphaNext;
  const beta2 = Math.max(0, sigma * sigma - ratio * ratio * next * next);
  const rho2 = Math.min(1, (noiseScale * (1 - eta) * beta2) / (sigma * sigma));
  const keep = Math.sqrt(1 - rho2);
  // x_next = α'(x − σw) + σ'·keep·(x + αw) + σ'ρz, with w = (1 − η)v + (η/σ)(x − y0)
  const q = next * keep * alpha - alphaNext * sigma;
  return { p: alphaNext + next * keep, a: q * (1 - eta), b: (q * eta) / sigma, c: next * Math.sqrt(rho2) };
}

const STEP_RULES: Record<
  SamplerKind,
  (sigma: number, next: number, eta: number, noiseScale: number) => StepCoefficients
> = {
  ode: odeStep,
  sde: renoiseStep,
  'sde-paper': paperSdeStep,
};

interface WalkOptions<C> {
  readonly x: Float32Array;
  readonly y0: Float32Array;
  readonly velocity: Velocity<C>;
  readonly cond: C;
  readonly sigmas: Float64Array;
  /** First step index (SDEdit skips the noisiest steps). */
  readonly from: number;
  readonly etaAt: (step: number) => number;
  readonly sampler: SamplerKind;
  readonly seed: number;
  readonly noiseScale: number;
  readonly reseed: number;
}

/** Walks σ_from → 0 in place on a copy of x. */
async function reverseWalk<C>(o: WalkOptions<C>, hooks: StepHooks | undefined): Promise<Float32Array> {
  const n = o.sigmas.length - 1;
  const total = n - o.from;
  const x = Float32Array.from(o.x);
  const rule = STEP_RULES[o.sampler];
  const stochastic = o.sampler !== 'ode';
  const rng = stochastic ? new GaussianRng(o.seed) : null;
  // The ODE never reads noise (c = 0); any finite array of the right size stands in, so none is allocated.
  const noise = stochastic ? new Float32Array(x.length) : o.y0;
  if (rng && o.reseed > 0) {
    rng.fillNormal(noise);
    const keep = Math.sqrt(1 - o.reseed);
    const fresh = Math.sqrt(o.reseed);
    for (let i = 0; i < x.length; i++) x[i] = keep * x[i] + fresh * noise[i];
  }
  for (let i = o.from; i < n; i++) {
    throwIfStopped(hooks);
    const sigma = o.sigmas[i];
    const next = o.sigmas[i + 1];
    const k = rule(sigma, next, o.etaAt(i), o.noiseScale);
    const pending = callVelocity(o.velocity, x, sigma, o.cond);
    // The model runs on onnxruntime's threads; drawing this step's noise meanwhile hides its cost.
    if (rng && k.c !== 0) rng.fillNormal(noise);
    const v = await pending;
    const probe = affineStep(x, v, o.y0, noise, k.p, k.a, k.b, k.c);
    checkProbe(probe, 'edit', i, next);
    await reportStep(hooks, 'edit', i - o.from + 1, total, next, x);
  }
  return x;
}

function checkSampler(sampler: SamplerKind): void {
  if (!SAMPLER_KINDS.includes(sampler)) {
    throw new InvalidParameterError('sampler', `one of ${SAMPLER_KINDS.join(', ')}`, sampler);
  }
}

/** η_i over the controller window, with optional decay. Exposed for tests and the info command. */
export function etaSchedule(steps: number, eta: number, start: number, stop: number, decayPower = 0): Float64Array {
  const etas = new Float64Array(steps);
  for (let i = start; i < stop; i++) etas[i] = eta * (1 - i / steps) ** decayPower;
  return etas;
}

/** Algorithm 2: edits from the inverted latent toward the new prompt while the controller holds y0's structure. */
export async function edit<C>(options: EditOptions<C>, hooks?: StepHooks): Promise<Float32Array> {
  const steps = checkSigmas(options.sigmas);
  const { eta, start, stop } = options;
  const etaDecayPower = options.etaDecayPower ?? 0;
  const sampler = options.sampler ?? 'ode';
  const seed = options.seed ?? 0;
  const noiseScale = options.noiseScale ?? 1;
  const reseed = options.reseed ?? 0;
  checkRange('eta', eta, 0, 1);
  checkRange('reseed', reseed, 0, 1);
  checkRange('noiseScale', noiseScale, 0, 1);
  checkInteger('start', start, 0, steps);
  checkInteger('stop', stop, 0, steps);
  if (start > stop) throw new InvalidParameterError('start', `at most stop (${stop})`, start);
  checkRange('etaDecayPower', etaDecayPower, 0, 10);
  checkSampler(sampler);
  checkSeed('seed', seed);
  checkLatent('x', options.x);
  checkLatent('y0', options.y0, options.x.length);
  const etas = etaSchedule(steps, eta, start, stop, etaDecayPower);
  return reverseWalk({ ...options, from: 0, etaAt: (i) => etas[i], sampler, seed, noiseScale, reseed }, hooks);
}

export interface SampleOptions<C> {
  /** Starting noise at σ = 1. */
  readonly x: Float32Array;
  readonly velocity: Velocity<C>;
  readonly cond: C;
  readonly sigmas: Float64Array;
  /** @default 'ode' (plain Euler) */
  readonly sampler?: SamplerKind;
  readonly seed?: number;
}

/** Plain sampling from noise with no controller: the FLUX.1 Euler sampler (or its stochastic twins). */
export async function sample<C>(options: SampleOptions<C>, hooks?: StepHooks): Promise<Float32Array> {
  checkSigmas(options.sigmas);
  const sampler = options.sampler ?? 'ode';
  const seed = options.seed ?? 0;
  checkSampler(sampler);
  checkSeed('seed', seed);
  checkLatent('x', options.x);
  const zero = new Float32Array(options.x.length);
  return reverseWalk({ ...options, y0: zero, from: 0, etaAt: () => 0, sampler, seed, noiseScale: 1, reseed: 0 }, hooks);
}

export interface SdeditOptions<C> {
  readonly y0: Float32Array;
  readonly velocity: Velocity<C>;
  readonly cond: C;
  readonly sigmas: Float64Array;
  /** Fraction of the schedule re-run: 0 returns y0, 1 starts from pure noise. */
  readonly strength: number;
  readonly seed: number;
}

/**
 * SDEdit (Meng et al. 2022), the baseline: noise y0 once to σ_k0 with k0 = int(N − N·strength) (diffusers
 * `scale_noise`: σ·ε + (1 − σ)·y0), then plain Euler with the new prompt. N − k0 model calls.
 */
export async function sdedit<C>(options: SdeditOptions<C>, hooks?: StepHooks): Promise<Float32Array> {
  const steps = checkSigmas(options.sigmas);
  checkRange('strength', options.strength, 0, 1);
  checkSeed('seed', options.seed);
  checkLatent('y0', options.y0);
  const from = sdeditStart(steps, options.strength);
  const sigma = options.sigmas[from];
  const x = gaussianNoise(options.y0.length, options.seed);
  for (let i = 0; i < x.length; i++) x[i] = sigma * x[i] + (1 - sigma) * options.y0[i];
  return reverseWalk(
    { ...options, x, from, etaAt: () => 0, sampler: 'ode', seed: options.seed, noiseScale: 1, reseed: 0 },
    hooks,
  );
}
