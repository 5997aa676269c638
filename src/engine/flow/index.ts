/** src/engine/flow: pure RF-Inversion math over Float32Array. Imports nothing else from rfedit. */
export type { Velocity, StepEvent, StepHooks, FlowPhase, SamplerKind, InversionConvention } from './types.ts';
export { SAMPLER_KINDS, INVERSION_CONVENTIONS } from './types.ts';
export {
  fluxSigmas,
  shiftMu,
  timeShift,
  imageSeqLen,
  sdeditStart,
  stepIndex,
  SCHEDULE_DEFAULTS,
  type ScheduleOptions,
} from './schedule.ts';
export { GaussianRng, gaussianNoise } from './rng.ts';
export { invert, type InvertOptions } from './invert.ts';
export {
  edit,
  sample,
  sdedit,
  etaSchedule,
  type EditOptions,
  type SampleOptions,
  type SdeditOptions,
} from './reverse.ts';
export { lockstep, oneByOne, type BatchVelocity, type Lockstep } from './lockstep.ts';
export { InvalidParameterError, NonFiniteError } from './errors.ts';
