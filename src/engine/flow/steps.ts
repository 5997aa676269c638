/** Shared plumbing of the step loops: calling the model safely, reporting, stopping. */
import { InvalidParameterError, NonFiniteError } from './errors.ts';
import type { FlowPhase, StepHooks, Velocity } from './types.ts';

/** Calls the model and checks that its answer is a usable latent of the right size. */
export async function callVelocity<C>(
  velocity: Velocity<C>,
  x: Float32Array,
  sigma: number,
  cond: C,
): Promise<Float32Array> {
  const v = await velocity(x, sigma, cond);
  if (!(v instanceof Float32Array) || v.length !== x.length) {
    throw new InvalidParameterError('velocity output', `a Float32Array of length ${x.length}`, v);
  }
  return v;
}

/** Throws if the last update left NaN or Infinity behind (probe from affineStep). */
export function checkProbe(probe: number, phase: FlowPhase, step: number, sigma: number): void {
  if (probe !== 0) throw new NonFiniteError(phase, step, sigma);
}

export function throwIfStopped(hooks: StepHooks | undefined): void {
  hooks?.signal?.throwIfAborted();
}

export async function reportStep(
  hooks: StepHooks | undefined,
  phase: FlowPhase,
  step: number,
  total: number,
  sigma: number,
  x: Float32Array,
): Promise<void> {
  if (hooks?.onStep) await hooks.onStep({ phase, step, total, sigma, x });
}
