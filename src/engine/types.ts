/**
 * The engine's contract with the rest of rfedit (jobs, commands, CLI). Everything below the engine
 * (ONNX, sharp, the samplers) stays behind this interface.
 */

/** `ode`: controlled reverse ODE (deterministic). `sde`: the better-conditioned stochastic sampler
 *  (re-noises a predicted clean latent; default for variations). `sde-paper`: the authors' Euler–Maruyama
 *  discretisation of the rectified SDE, kept for comparison. */
export type SamplerName = 'ode' | 'sde' | 'sde-paper';
export type EditMethod = 'rf-inversion' | 'sdedit';
/** Which time the inversion feeds the model; see src/engine/flow/invert.ts. */
export type InversionConvention = 'consistent' | 'diffusers';

/** Every knob of one edit, fully resolved (what `info` shows and what a variation copies). */
export interface EditParams {
  /** Inversion and editing steps (N). */
  steps: number;
  /** Controller guidance γ of the forward (inversion) ODE, in [0, 1]. */
  gamma: number;
  /** Controller strength η of the reverse (editing) ODE, in [0, 1]. */
  eta: number;
  /** Controller window [start, stop) in steps, 0 ≤ start ≤ stop ≤ steps. */
  start: number;
  stop: number;
  /** η decay power p: η_i = η·(1 − i/N)^p; 0 means no decay. */
  etaDecayPower: number;
  /** Distilled guidance fed to FLUX.1-dev (ignored by models without a guidance input). */
  guidance: number;
  /** Seed of the editing pass (the stochastic sampler's noise; SDEdit's noise). */
  seed: number;
  /** Seed of the inversion's noise target y1; kept fixed across variations so the inversion is reused. */
  inversionSeed: number;
  sampler: SamplerName;
  /** Variance scale of the stochastic samplers' noise (1 = the rectified SDE). Absent in records made before it existed. */
  noiseScale?: number;
  /** Share of fresh noise the stochastic samplers mix into the starting latent (by variance). Absent in older records. */
  reseed?: number;
  method: EditMethod;
  convention: InversionConvention;
  /** The user-facing strength 0..1 these parameters were derived from (null when set by hand). */
  strength: number | null;
  /** The preset they came from, if any. */
  preset: string | null;
  /**
   * Only from a model that says which words it knows (the built-in demo; never real FLUX.1): the prompt's words
   * it used and those it ignored. Recorded with the result so every chat can say so.
   */
  promptWords?: PromptWords;
}

export interface PromptWords {
  used: string[];
  ignored: string[];
}

/** The words a model with a fixed vocabulary knows (the built-in demo), for /help and honest results. */
export interface ModelVocabulary {
  /** How replies name the model: "the demo model". */
  readonly modelName: string;
  /** Every word, under the headings /help lists them by. */
  readonly groups: ReadonlyArray<{ readonly title: string; readonly words: readonly string[] }>;
  /** Which of a prompt's words the model uses and which it ignores (filler words are in neither). */
  read(prompt: string): PromptWords;
}

export interface EditRequest {
  /** The source photo as uploaded (any format sharp reads). */
  image: Uint8Array;
  prompt: string;
  /** 0 = give me my photo back, 1 = follow the prompt freely. */
  strength?: number;
  preset?: string;
  /** Power-user overrides; anything given wins over strength and preset. */
  overrides?: Partial<Omit<EditParams, 'strength' | 'preset'>>;
  /**
   * Parameters already resolved (a queued job's, resolved once at submit): run exactly these; strength, preset and
   * overrides are then not looked at.
   */
  params?: EditParams;
  /**
   * A grid: several results from one inversion, each with its full parameters (the first is `params`). They must
   * share what the inversion depends on (steps, γ, inversion seed, convention, method) and the guidance; the
   * result's `image` is then a 2×2 grid of them, and `cells` holds each at full size.
   */
  cells?: readonly EditParams[];
  /** The grid cells' labels (e.g. their strengths). @default "1", "2", … */
  cellLabels?: readonly string[];
  /** Output format; PNG unless a byte limit forces JPEG/WebP. */
  maxOutputBytes?: number;
  signal?: AbortSignal;
}

export type EditPhase = 'prepare' | 'encode-prompt' | 'encode-image' | 'invert' | 'edit' | 'decode';

export interface EditProgress {
  phase: EditPhase;
  /** Steps done within the phase, and the phase's total. */
  step: number;
  total: number;
  /** Overall fraction 0..1 across all phases of this edit. */
  fraction: number;
  /** A small PNG preview of the current latent, at most every few steps. */
  preview?: Uint8Array;
}

/** The photo's own size, when the engine worked on a smaller copy (its pixel budget), so people can be told. */
export interface ScaledFrom {
  width: number;
  height: number;
  pixelBudget: number;
}

/** One cell of a grid, at full size. */
export interface CellResult {
  image: Uint8Array;
  mime: 'image/png' | 'image/jpeg' | 'image/webp';
  params: EditParams;
}

export interface EditResult {
  image: Uint8Array;
  mime: 'image/png' | 'image/jpeg' | 'image/webp';
  width: number;
  height: number;
  /** Present when the result is smaller than the photo. */
  scaledFrom?: ScaledFrom;
  params: EditParams;
  /** A grid's cells at full size, in grid order (absent for a single result; `image` is then the grid). */
  cells?: CellResult[];
  /** A grid cell's size (`width`/`height` are then the grid picture's). */
  cellWidth?: number;
  cellHeight?: number;
  /** Transformer evaluations made by this edit, per phase (a cached inversion makes 0; a batched call of B latents counts B). */
  transformerCalls: { invert: number; edit: number };
  inversionCached: boolean;
  timingsMs: Partial<Record<EditPhase, number>> & { total: number };
}

export interface EditEngine {
  /** Resolves strength, preset and overrides into full parameters without running anything (no model needed). */
  resolveParams(request: Pick<EditRequest, 'strength' | 'preset' | 'overrides'>): EditParams;
  edit(request: EditRequest, onProgress?: (progress: EditProgress) => void): Promise<EditResult>;
  close(): Promise<void>;
  /** Set only by models with a fixed vocabulary (the built-in demo). */
  readonly vocabulary?: ModelVocabulary | null;
}
