/**
 * The engine's public face: factories and the contract types. Jobs, commands and the CLI import from here.
 *
 *   createEngine({ modelDir, cacheDir?, executionProviders?, pixelBudget?, … }): EditEngine
 *   createDemoEngine(dataDir, overrides?): EditEngine   // generates <dataDir>/models/demo on first use
 */
import { join } from 'node:path';
import type { DiskSpace } from '../disk-space.ts';
import { ensureDemoModel } from './demo/generate.ts';
import { DEMO_MODEL_VOCABULARY } from './demo/vocabulary.ts';
import { ENGINE_DEFAULTS, type EngineOptions, FluxEditEngine } from './edit-engine.ts';
import { PARAM_DEFAULTS, type ParamDefaults } from './params.ts';
import type { EngineLogger, ExecutionProviderName } from './flux/onnx-session.ts';
import type { InversionConvention } from './types.ts';
import { loadFluxModel } from './flux/model.ts';

export type * from './types.ts';
export { ENGINE_DEFAULTS, FluxEditEngine, type EngineOptions } from './edit-engine.ts';
export {
  paramResolver,
  DEFAULT_STRENGTH,
  PARAM_DEFAULTS,
  PRESETS,
  PRESET_NAMES,
  strengthToController,
  type ParamDefaults,
  type PresetName,
} from './params.ts';
export { loadFluxModel, type FluxModel, type FluxModelInfo } from './flux/model.ts';
export { checkModelDir, type ModelCheckReport, type ModelCheckFinding } from './flux/check.ts';
export { ensureDemoModel, generateDemoModel } from './demo/generate.ts';
export type { EngineLogger, ExecutionProviderName } from './flux/onnx-session.ts';

export type EngineConfig = Partial<EngineOptions> & Pick<EngineOptions, 'modelDir'>;

export function createEngine(config: EngineConfig): FluxEditEngine {
  const options = { ...ENGINE_DEFAULTS, ...config };
  const model = loadFluxModel(options.modelDir, {
    executionProviders: options.executionProviders,
    intraOpNumThreads: options.intraOpNumThreads,
    ...(options.t5MaxLength === null ? {} : { t5MaxLength: options.t5MaxLength }),
    logger: options.logger,
  });
  return new FluxEditEngine(model, options);
}

/** The demo pixel budget: 512×512, small enough for a CPU. */
export const DEMO_PIXEL_BUDGET = 512 * 512;

/** Inversions kept across restarts (safe to delete: they are recomputed on demand). */
export function inversionCacheDir(dataDir: string): string {
  return join(dataDir, 'cache', 'inversions');
}

export function demoModelDir(dataDir: string): string {
  return join(dataDir, 'models', 'demo');
}

/**
 * The demo's own defaults (figures: `npm run bench -- --only demo`, README "The demo model"). Its Gaussian is
 * diagonal in a frequency basis, so every frequency is independent and nothing in it removes noise:
 *  - γ = 0: the uncontrolled inversion is already exact and fully editable; at the paper's γ 0.5 half of every
 *    frequency is swapped for the random target noise and nothing takes it out again (edges are lost);
 *  - a variation re-runs the ODE from the cached inversion with 30 % of fresh noise mixed into its start
 *    (reseed 0.3) instead of re-drawing noise at every step, which would wash the edit out into grain.
 * η and the controller window follow the strength exactly as for FLUX.1. FLUX.1 exports keep the paper's γ 0.5
 * and the full SDE. The demo is a few kilobytes of ONNX, so CUDA is not tried; it reports which of a prompt's
 * words it knows.
 */
export const DEMO_ENGINE_DEFAULTS: Partial<EngineOptions> = {
  params: { ...PARAM_DEFAULTS, gamma: 0, noiseScale: 0, reseed: 0.3 },
  executionProviders: ['cpu'],
  pixelBudget: DEMO_PIXEL_BUDGET,
  vocabulary: DEMO_MODEL_VOCABULARY,
};

/** The parameter defaults a model declares (`demo` or a FLUX.1 export folder), known without loading it. */
export function paramDefaultsFor(model: string, convention?: InversionConvention): ParamDefaults {
  const base = model === 'demo' ? (DEMO_ENGINE_DEFAULTS.params ?? PARAM_DEFAULTS) : PARAM_DEFAULTS;
  return convention ? { ...base, convention } : base;
}

export function createDemoEngine(dataDir: string, overrides: Partial<EngineOptions> = {}): FluxEditEngine {
  const modelDir = ensureDemoModel(demoModelDir(dataDir));
  return createEngine({
    cacheDir: inversionCacheDir(dataDir),
    ...DEMO_ENGINE_DEFAULTS,
    ...overrides,
    modelDir,
  });
}

/** The engine section of rfedit's configuration (src/config/schema.ts), plus the data folder. */
export interface EngineSettings {
  dataDir: string;
  /** `demo` or the folder of a FLUX.1 ONNX export. */
  model: string;
  executionProviders: readonly ExecutionProviderName[];
  /** The inversion's time convention when a request does not choose one. @default 'consistent' */
  convention?: InversionConvention;
  threads: number;
  /** 0 = the model's own default (1 MP for FLUX.1, 512×512 for the demo). */
  pixelBudget: number;
  maxInputBytes: number;
  maxInputPixels: number;
  maxPromptChars: number;
  maxSteps: number;
  maxGuidance: number;
  inversionCacheMemoryMB: number;
  inversionCacheDiskMB: number;
  promptCacheEntries: number;
  logger?: EngineLogger;
  /** The data volume's free space (the inversion cache keeps it above the floor). */
  disk?: DiskSpace;
}

/** Maps configuration onto engine options; the demo model is generated on first use. */
export function createEngineFromSettings(s: EngineSettings): FluxEditEngine {
  const options: Partial<EngineOptions> = {
    cacheDir: inversionCacheDir(s.dataDir),
    executionProviders: s.executionProviders,
    intraOpNumThreads: s.threads,
    maxInputBytes: s.maxInputBytes,
    maxInputPixels: s.maxInputPixels,
    maxPromptChars: s.maxPromptChars,
    limits: { maxSteps: s.maxSteps, maxGuidance: s.maxGuidance },
    inversionCacheMemoryBytes: s.inversionCacheMemoryMB * 1_048_576,
    inversionCacheDiskBytes: s.inversionCacheDiskMB * 1_048_576,
    promptCacheEntries: s.promptCacheEntries,
    ...(s.pixelBudget > 0 ? { pixelBudget: s.pixelBudget } : {}),
    ...(s.logger ? { logger: s.logger } : {}),
    ...(s.disk ? { disk: s.disk } : {}),
  };
  const withConvention = (base: ParamDefaults): Partial<EngineOptions> =>
    s.convention ? { params: { ...base, convention: s.convention } } : {};
  if (s.model === 'demo') {
    const { executionProviders: _ignored, ...demoOptions } = options; // the demo runs on the CPU
    return createDemoEngine(s.dataDir, {
      ...demoOptions,
      ...withConvention(DEMO_ENGINE_DEFAULTS.params ?? PARAM_DEFAULTS),
    });
  }
  // A grid's passes batch where a GPU provider comes first (on the CPU, one after another is as fast: npm run bench).
  const batchCells = s.executionProviders[0] !== 'cpu';
  return createEngine({ ...options, ...withConvention(PARAM_DEFAULTS), batchCells, modelDir: s.model });
}
