/**
 * The engine's public face: factories and the contract types. Jobs, commands and the CLI import from here.
 *
 *   createEngine({ modelDir, cacheDir?, executionProviders?, pixelBudget?, … }): EditEngine
 *   createDemoEngine(dataDir, overrides?): EditEngine   // generates <dataDir>/models/demo on first use
 */
import { join } from 'node:path';
import { ensureDemoModel } from './demo/generate.ts';
import { DEMO_MODEL_VOCABULARY } from './demo/vocabulary.ts';
import { ENGINE_DEFAULTS, type EngineOptions, FluxEditEngine } from './edit-engine.ts';
import { PARAM_DEFAULTS } from './params.ts';
import type { EngineLogger, ExecutionProviderName } from './flux/onnx-session.ts';
import { loadFluxModel } from './flux/model.ts';

export type * from './types.ts';
export { ENGINE_DEFAULTS, FluxEditEngine, type EngineOptions } from './edit-engine.ts';
export { DEFAULT_STRENGTH, PARAM_DEFAULTS, PRESETS, PRESET_NAMES, strengthToController, type ParamDefaults, type PresetName } from './params.ts';
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

export function createDemoEngine(dataDir: string, overrides: Partial<EngineOptions> = {}): FluxEditEngine {
  const modelDir = ensureDemoModel(demoModelDir(dataDir));
  return createEngine({
    cacheDir: join(dataDir, 'cache', 'inversions'),
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
  threads: number;
  /** 0 = the model's own default (1 MP for FLUX.1, 512×512 for the demo). */
  pixelBudget: number;
  maxInputBytes: number;
  maxInputPixels: number;
  inversionCacheMemoryMB: number;
  inversionCacheDiskMB: number;
  promptCacheEntries: number;
  logger?: EngineLogger;
}

/** Maps configuration onto engine options; the demo model is generated on first use. */
export function createEngineFromSettings(s: EngineSettings): FluxEditEngine {
  const options: Partial<EngineOptions> = {
    cacheDir: join(s.dataDir, 'cache', 'inversions'),
    executionProviders: s.executionProviders,
    intraOpNumThreads: s.threads,
    maxInputBytes: s.maxInputBytes,
    maxInputPixels: s.maxInputPixels,
    inversionCacheMemoryBytes: s.inversionCacheMemoryMB * 1_048_576,
    inversionCacheDiskBytes: s.inversionCacheDiskMB * 1_048_576,
    promptCacheEntries: s.promptCacheEntries,
    ...(s.pixelBudget > 0 ? { pixelBudget: s.pixelBudget } : {}),
    ...(s.logger ? { logger: s.logger } : {}),
  };
  if (s.model === 'demo') {
    const { executionProviders: _ignored, ...demoOptions } = options; // the demo runs on the CPU
    return createDemoEngine(s.dataDir, demoOptions);
  }
  return createEngine({ ...options, modelDir: s.model });
}
