/**
 * The one thing the samplers know about a model: its velocity vθ(x, σ, c), the raw FLUX output.
 * It predicts ε − x0 = dx/dσ on the straight path x_σ = (1 − σ)·x0 + σ·ε (σ = 1 noise, σ = 0 image).
 * A velocity may return its own buffer; the samplers read it before the next call and never keep it.
 */
export type Velocity<C> = (x: Float32Array, sigma: number, cond: C) => Promise<Float32Array>;

export type FlowPhase = 'invert' | 'edit';

export interface StepEvent {
  readonly phase: FlowPhase;
  /** Steps done so far in this pass (1-based after the first step). */
  readonly step: number;
  readonly total: number;
  /** The noise level the state has reached. */
  readonly sigma: number;
  /** The live state; read it during the callback, copy it to keep it. */
  readonly x: Float32Array;
}

/** Watch and stop a pass without the loop knowing who listens. */
export interface StepHooks {
  readonly onStep?: (event: StepEvent) => void | Promise<void>;
  /** Checked before every model call: an aborted signal stops the pass at the next step. */
  readonly signal?: AbortSignal;
}

/**
 * `ode`: the controlled reverse ODE, Euler steps (deterministic).
 * `sde`: stochastic sampler that re-noises the predicted clean latent with the exact Gaussian posterior of
 *        the straight path (the rectified SDE's linear part integrated exactly); well conditioned at σ = 1.
 * `sde-paper`: the authors' Euler–Maruyama step of the rectified SDE (drift 2v + x/(1 − σ)); stiff near σ = 1.
 */
export type SamplerKind = 'ode' | 'sde' | 'sde-paper';
export const SAMPLER_KINDS: readonly SamplerKind[] = ['ode', 'sde', 'sde-paper'];

/**
 * Time fed to the model during inversion.
 * `consistent`: the inversion walks the editing schedule backwards and the model sees the σ the state is at.
 * `diffusers`: the community pipeline's choice, model time i/(N+1) with the denoising step sizes.
 */
export type InversionConvention = 'consistent' | 'diffusers';
export const INVERSION_CONVENTIONS: readonly InversionConvention[] = ['consistent', 'diffusers'];
