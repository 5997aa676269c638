/**
 * Strength for people, knobs for power users.
 *
 * The paper's symbols: controller guidance γ steers the inversion (forward ODE) toward a fixed noise sample;
 * η steers the editing (reverse ODE) back toward the source latent y0 inside the controller window
 * [start, stop) of the N editing steps. η = 1 over the whole run returns the source exactly.
 *
 * Strength s ∈ [0, 1] moves only the editing side, so every strength reuses the same cached inversion:
 *   window stop / N = 1 − 1.5·s            for s ≤ ½      (1 → ¼)
 *                   = ½·(1 − s)            for s ≥ ½      (¼ → 0)
 *   η               = 1 − 0.2·s            for s ≤ ½      (1 → 0.9)
 *                   = 0.9·(1.5 − s)        for s ≥ ½      (0.9 → 0.45)
 *   start = 0, γ = 0.5
 * The window is non-increasing and η strictly decreasing in s, so neighbouring strengths (Subtle/Strong) give
 * different edits even where the window rounds to the same number of steps. s = 0 gives η = 1 over all N steps (the photo back); the default s = ½ gives
 * the paper's setting (γ 0.5, η 0.9, controller over the first 7 of 28 steps); s = 1 removes the controller.
 * For SDEdit, s is the fraction of the schedule re-run (start = int(N − N·s), as diffusers' img2img).
 * Fractions become step indices by truncation, as diffusers does (`int(stop_timestep · N)`): at 50 steps the
 * default window is 12 steps, not 13 (see docs/engine.md, "Windows at other step counts").
 */
import { randomInt } from 'node:crypto';
import { CONFIG_DEFAULTS, MAX_SEED } from '../config/schema.ts';
import { UserInputError } from '../errors.ts';
import { sdeditStart, stepIndex } from './flow/index.ts';
import type { EditMethod, EditParams, EditRequest, InversionConvention, SamplerName } from './types.ts';

export const DEFAULT_STRENGTH = 0.5;

/** Defaults for everything strength and presets do not decide. */
export interface ParamDefaults {
  steps: number;
  gamma: number;
  guidance: number;
  inversionSeed: number;
  sampler: SamplerName;
  method: EditMethod;
  convention: InversionConvention;
  etaDecayPower: number;
  noiseScale: number;
  reseed: number;
}

export const PARAM_DEFAULTS: Readonly<ParamDefaults> = {
  steps: 28,
  gamma: 0.5,
  guidance: 3.5,
  inversionSeed: 0,
  sampler: 'ode',
  method: 'rf-inversion',
  convention: 'consistent',
  etaDecayPower: 0,
  noiseScale: 1,
  reseed: 0,
};

/** The paper's Table 4, in steps out of 28; scaled to other step counts. */
export interface Preset {
  readonly description: string;
  readonly start: number;
  readonly stop: number;
  readonly eta: number;
}

export const PRESETS = {
  'object-insert': { description: 'add an object to the scene', start: 0, stop: 6, eta: 1.0 },
  'gender-edit': { description: 'change how a face reads as male or female', start: 0, stop: 8, eta: 1.0 },
  'age-edit': { description: 'make a face older or younger', start: 0, stop: 5, eta: 1.0 },
  'add-glasses': { description: 'add accessories such as glasses', start: 6, stop: 25, eta: 0.7 },
  stylize: { description: 'restyle the whole picture', start: 0, stop: 6, eta: 0.9 },
  'stroke-to-image': { description: 'turn a rough drawing into a picture', start: 3, stop: 5, eta: 0.9 },
} as const satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
const PAPER_STEPS = 28;

const SAMPLERS: readonly SamplerName[] = ['ode', 'sde', 'sde-paper'];
const METHODS: readonly EditMethod[] = ['rf-inversion', 'sdedit'];
const CONVENTIONS: readonly InversionConvention[] = ['consistent', 'diffusers'];
/** The bounds a request may ask for (configurable: engine.maxSteps, engine.maxGuidance). */
export interface ParamLimits {
  maxSteps: number;
  maxGuidance: number;
}

export const PARAM_LIMITS: Readonly<ParamLimits> = {
  maxSteps: CONFIG_DEFAULTS.engine.maxSteps,
  maxGuidance: CONFIG_DEFAULTS.engine.maxGuidance,
};

/** The controller window and η a strength maps to, for N steps. */
export function strengthToController(strength: number, steps: number): { start: number; stop: number; eta: number } {
  const s = checkNumber('strength', strength, 0, 1);
  const stopFraction = s <= 0.5 ? 1 - 1.5 * s : 0.5 * (1 - s);
  const eta = s <= 0.5 ? 1 - 0.2 * s : 0.9 * (1.5 - s);
  return { start: 0, stop: stepIndex(stopFraction * steps), eta: round6(eta) };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function scalePresetStep(step: number, steps: number): number {
  return Math.min(steps, stepIndex((step * steps) / PAPER_STEPS));
}

function checkNumber(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new UserInputError(
      'option_invalid',
      `${name} must be a number from ${min} to ${max}; got ${String(value)}.`,
      {
        details: { parameter: name, value },
      },
    );
  }
  return value;
}

function checkInteger(name: string, value: unknown, min: number, max: number): number {
  const n = checkNumber(name, value, min, max);
  if (!Number.isInteger(n)) {
    throw new UserInputError('option_invalid', `${name} must be a whole number; got ${n}.`, {
      details: { parameter: name, value },
    });
  }
  return n;
}

function checkChoice<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !choices.includes(value as T)) {
    throw new UserInputError('option_invalid', `${name} must be one of ${choices.join(', ')}; got ${String(value)}.`, {
      details: { parameter: name, value },
    });
  }
  return value as T;
}

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

/** Resolution over a model's declared defaults and the configured bounds, with a random seed: needs no model loaded. */
export function paramResolver(
  defaults: ParamDefaults = PARAM_DEFAULTS,
  limits: ParamLimits = PARAM_LIMITS,
  randomSeed: () => number = () => randomInt(0, MAX_SEED),
): (request: Pick<EditRequest, 'strength' | 'preset' | 'overrides'>) => EditParams {
  return (request) => resolveEditParams(request, randomSeed, defaults, limits);
}

/**
 * Strength (or a preset) first, then every override on top. A preset wins over strength; strength is then
 * recorded as null. `randomSeed` supplies the editing seed when none is given.
 */
export function resolveEditParams(
  request: Pick<EditRequest, 'strength' | 'preset' | 'overrides'>,
  randomSeed: () => number,
  defaults: ParamDefaults = PARAM_DEFAULTS,
  limits: ParamLimits = PARAM_LIMITS,
): EditParams {
  const o = request.overrides ?? {};
  const steps = checkInteger('steps', o.steps ?? defaults.steps, 1, limits.maxSteps);
  const method = checkChoice('method', o.method ?? defaults.method, METHODS);
  let strength: number | null = null;
  let preset: string | null = null;
  let controller: { start: number; stop: number; eta: number };
  if (request.preset !== undefined && request.preset !== null && request.preset !== '') {
    if (!isPresetName(request.preset)) {
      throw new UserInputError(
        'unknown_preset',
        `There is no preset "${request.preset}". Try one of: ${PRESET_NAMES.join(', ')}.`,
        {
          details: { preset: request.preset },
        },
      );
    }
    const p: Preset = PRESETS[request.preset];
    preset = request.preset;
    controller = { start: scalePresetStep(p.start, steps), stop: scalePresetStep(p.stop, steps), eta: p.eta };
  } else {
    strength = checkNumber('strength', request.strength ?? DEFAULT_STRENGTH, 0, 1);
    controller =
      method === 'sdedit'
        ? { start: sdeditStart(steps, strength), stop: steps, eta: 0 }
        : strengthToController(strength, steps);
  }
  const hasControllerOverride = o.start !== undefined || o.stop !== undefined || o.eta !== undefined;
  const params: EditParams = {
    steps,
    gamma: checkNumber('gamma', o.gamma ?? defaults.gamma, 0, 1),
    eta: checkNumber('eta', o.eta ?? controller.eta, 0, 1),
    start: checkInteger('start', o.start ?? Math.min(controller.start, steps), 0, steps),
    stop: checkInteger('stop', o.stop ?? Math.min(controller.stop, steps), 0, steps),
    etaDecayPower: checkNumber('etaDecayPower', o.etaDecayPower ?? defaults.etaDecayPower, 0, 10),
    noiseScale: checkNumber('noiseScale', o.noiseScale ?? defaults.noiseScale, 0, 1),
    reseed: checkNumber('reseed', o.reseed ?? defaults.reseed, 0, 1),
    guidance: checkNumber('guidance', o.guidance ?? defaults.guidance, 0, limits.maxGuidance),
    seed: checkInteger('seed', o.seed ?? randomSeed(), 0, MAX_SEED),
    inversionSeed: checkInteger('inversionSeed', o.inversionSeed ?? defaults.inversionSeed, 0, MAX_SEED),
    sampler: checkChoice('sampler', o.sampler ?? defaults.sampler, SAMPLERS),
    method,
    convention: checkChoice('convention', o.convention ?? defaults.convention, CONVENTIONS),
    // Hand-set controller knobs mean the strength no longer describes the edit.
    strength: hasControllerOverride ? null : strength,
    preset: hasControllerOverride ? null : preset,
  };
  if (params.start > params.stop) {
    throw new UserInputError('option_invalid', `start (${params.start}) must not be after stop (${params.stop}).`, {
      details: { start: params.start, stop: params.stop },
    });
  }
  return params;
}
