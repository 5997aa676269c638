/**
 * Algorithm 1 of RF-Inversion: the controlled forward ODE that carries the clean latent y0 to structured
 * noise, steering with controller guidance γ toward a fixed noise sample y1 (paper Eq. 8):
 *
 *   dY = [ (1 − γ)·vθ(Y, σ, c∅) + γ·(y1 − Y)/(1 − σ) ] dσ,   Y(0) = y0,   σ: 0 → 1
 *
 * where c∅ is the null prompt. Two conventions for the time the model is fed (see the README's
 * "Time conventions"):
 *  - `consistent` (default): the state walks the editing schedule backwards, σ_N = 0 → σ_0 = 1, and the model
 *    and the controller both see the σ the state is at. γ = 1 lands exactly on y1, and inverting then
 *    regenerating with γ = η = 0 converges to the source at first order as N grows.
 *  - `diffusers`: examples/community/pipeline_flux_rf_inversion.py. Step sizes are the shifted schedule's,
 *    taken in denoising order (σ_i − σ_{i+1}), while the model and the controller see τ_i = i/(N+1), which
 *    is neither shifted nor the state's time. The published results come from it.
 */
import { affineStep } from './kernel.ts';
import { callVelocity, checkProbe, reportStep, throwIfStopped } from './steps.ts';
import { INVERSION_CONVENTIONS, type InversionConvention, type StepHooks, type Velocity } from './types.ts';
import { checkLatent, checkRange, checkSigmas } from './validate.ts';
import { InvalidParameterError } from './errors.ts';

export interface InvertOptions<C> {
  /** Clean (packed) image latent. */
  readonly y0: Float32Array;
  /** The fixed noise sample the controller steers toward (a seeded gaussianNoise). */
  readonly y1: Float32Array;
  readonly velocity: Velocity<C>;
  /** Conditioning for the null prompt. */
  readonly cond: C;
  /** Descending schedule, N+1 values from 1 to 0 (fluxSigmas). */
  readonly sigmas: Float64Array;
  /** Controller guidance γ in [0, 1]; 0.5 in the paper. */
  readonly gamma: number;
  /** @default 'consistent' */
  readonly convention?: InversionConvention;
}

/** One inversion step: from the state's time, by a positive step, with the model and controller at modelTime. */
interface InversionStep {
  readonly modelTime: number;
  readonly stepSize: number;
  readonly reached: number;
}

function inversionSteps(sigmas: Float64Array, convention: InversionConvention): InversionStep[] {
  const n = sigmas.length - 1;
  const steps: InversionStep[] = [];
  for (let i = 0; i < n; i++) {
    if (convention === 'consistent') {
      // Walk the schedule backwards: σ_{N−i} → σ_{N−i−1}.
      const from = sigmas[n - i];
      const to = sigmas[n - i - 1];
      steps.push({ modelTime: from, stepSize: to - from, reached: to });
    } else {
      // diffusers: τ_i = i/(N+1); the state moves by σ_i − σ_{i+1} and has reached 1 − σ_{i+1}.
      steps.push({ modelTime: i / (n + 1), stepSize: sigmas[i] - sigmas[i + 1], reached: 1 - sigmas[i + 1] });
    }
  }
  return steps;
}

/** Inverts y0 to structured noise. Returns a new array; y0 and y1 are not modified. */
export async function invert<C>(options: InvertOptions<C>, hooks?: StepHooks): Promise<Float32Array> {
  const { y0, y1, velocity, cond, sigmas, gamma } = options;
  const convention = options.convention ?? 'consistent';
  const total = checkSigmas(sigmas);
  checkRange('gamma', gamma, 0, 1);
  if (!INVERSION_CONVENTIONS.includes(convention)) {
    throw new InvalidParameterError('convention', `one of ${INVERSION_CONVENTIONS.join(', ')}`, convention);
  }
  checkLatent('y0', y0);
  checkLatent('y1', y1, y0.length);

  const y = Float32Array.from(y0);
  const steps = inversionSteps(sigmas, convention);
  for (let i = 0; i < total; i++) {
    throwIfStopped(hooks);
    const { modelTime, stepSize, reached } = steps[i];
    const v = await callVelocity(velocity, y, modelTime, cond);
    // Y ← Y + h·[(1 − γ)·v + γ·(y1 − Y)/(1 − t)]  =  Y + h(1−γ)·v − (hγ/(1−t))·(Y − y1)
    const toTarget = (stepSize * gamma) / (1 - modelTime);
    const probe = affineStep(y, v, y1, y1, 1, stepSize * (1 - gamma), -toTarget, 0);
    checkProbe(probe, 'invert', i, reached);
    await reportStep(hooks, 'invert', i + 1, total, reached, y);
  }
  return y;
}
