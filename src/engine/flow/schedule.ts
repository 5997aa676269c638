/**
 * The FLUX.1 sigma schedule (diffusers FlowMatchEulerDiscreteScheduler, BFL `get_schedule`).
 * σ = 1 is pure noise, σ = 0 the clean latent; the schedule is data computed up front and the samplers only
 * walk consecutive pairs.
 */
import { checkInteger, checkRange } from './validate.ts';

/** Shift parameters, as in a FLUX.1 `scheduler_config.json`. */
export interface ScheduleOptions {
  /** Packed image sequence length L = (H/16)·(W/16); 4096 for 1024×1024. */
  readonly imageSeqLen: number;
  /** Resolution-dependent shift (FLUX.1-dev). False for schnell, which uses the fixed `shift`. @default true */
  readonly dynamic?: boolean;
  /** @default 256 */
  readonly baseSeqLen?: number;
  /** @default 4096 */
  readonly maxSeqLen?: number;
  /** @default 0.5 */
  readonly baseShift?: number;
  /** @default 1.15 (diffusers changed 1.16 → 1.15 in PR #10807) */
  readonly maxShift?: number;
  /** Fixed shift when not dynamic; 1 means no shift (schnell). @default 1 */
  readonly shift?: number;
}

export const SCHEDULE_DEFAULTS: Required<Omit<ScheduleOptions, 'imageSeqLen'>> = {
  dynamic: true,
  baseSeqLen: 256,
  maxSeqLen: 4096,
  baseShift: 0.5,
  maxShift: 1.15,
  shift: 1,
};

/** mu of the time shift, linear in the sequence length (256 → 0.5, 4096 → 1.15). */
export function shiftMu(imageSeqLen: number, options: Omit<ScheduleOptions, 'imageSeqLen'> = {}): number {
  const o = { ...SCHEDULE_DEFAULTS, ...options };
  const slope = (o.maxShift - o.baseShift) / (o.maxSeqLen - o.baseSeqLen);
  return imageSeqLen * slope + (o.baseShift - slope * o.baseSeqLen);
}

/** Exponential time shift: exp(mu) / (exp(mu) + (1/t − 1)). */
export function timeShift(mu: number, t: number): number {
  return Math.exp(mu) / (Math.exp(mu) + (1 / t - 1));
}

/**
 * N+1 descending sigmas: linspace(1, 1/N, N) shifted, then a terminal 0.
 * Dynamic: shifted with mu from the sequence length. Otherwise σ = shift·t / (1 + (shift − 1)·t).
 */
export function fluxSigmas(steps: number, options: ScheduleOptions): Float64Array {
  checkInteger('steps', steps, 1, 200);
  checkInteger('imageSeqLen', options.imageSeqLen, 1, 1 << 20);
  const o = { ...SCHEDULE_DEFAULTS, ...options };
  checkRange('shift', o.shift, 1e-3, 1e3);
  const mu = shiftMu(o.imageSeqLen, o);
  const sigmas = new Float64Array(steps + 1);
  for (let k = 0; k < steps; k++) {
    // linspace(1, 1/N, N): the last entry is 1/N, never 0, so the shift formulas stay finite.
    const t = steps === 1 ? 1 : 1 + (k * (1 / steps - 1)) / (steps - 1);
    sigmas[k] = o.dynamic ? timeShift(mu, t) : (o.shift * t) / (1 + (o.shift - 1) * t);
  }
  sigmas[steps] = 0;
  return sigmas;
}

/** The packed sequence length of an image: FLUX packs 2×2 latent patches of an 8× VAE, so 16 pixels a side. */
export function imageSeqLen(widthPx: number, heightPx: number, pixelsPerToken = 16): number {
  return Math.floor(heightPx / pixelsPerToken) * Math.floor(widthPx / pixelsPerToken);
}

/**
 * A fraction of the schedule as a step index, as diffusers does: `int(x)` (e.g. `int(stop_timestep · N)`).
 * Rounded to 6 decimals first so that float noise in a formula (1 − 1.5·0.4 = 0.3999…) does not cost the step
 * that the decimal fraction typed into diffusers keeps.
 */
export function stepIndex(x: number): number {
  return Math.trunc(Math.round(x * 1e6) / 1e6);
}

/** SDEdit's first step for a strength: diffusers img2img `get_timesteps`, t_start = int(max(N − N·strength, 0)). */
export function sdeditStart(steps: number, strength: number): number {
  return stepIndex(Math.max(steps - steps * strength, 0));
}
