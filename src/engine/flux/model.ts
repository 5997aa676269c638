/**
 * The small interface the engine knows a model by, and its implementation over a diffusers/optimum ONNX
 * folder. Everything FLUX-specific (packing, ids, scaling, tokenizers, dtypes) stays below this line.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError } from '../../errors.ts';
import {
  COMPONENTS,
  type ComponentName,
  type ModelFiles,
  type ScheduleConfig,
  type VaeConfig,
  componentPath,
  readModelFiles,
} from './model-files.ts';
import { type EngineLogger, type ExecutionProviderName, LazySession, silentLogger } from './onnx-session.ts';
import { type PromptEmbedding, TextEncoders } from './text-encoders.ts';
import { type FluxCondition, Transformer } from './transformer.ts';
import { Vae } from './vae.ts';

export interface FluxModelInfo {
  readonly dir: string;
  readonly name: string;
  /** Stable identity of the export (config files and weight file heads); part of every cache key. */
  readonly id: string;
  readonly schedule: ScheduleConfig;
  readonly vae: VaeConfig;
  /** Image sides must be multiples of this (VAE factor × 2 for the 2×2 packing). */
  readonly pixelMultiple: number;
}

export interface FluxModel {
  readonly info: FluxModelInfo;
  encodePrompt(text: string): Promise<PromptEmbedding>;
  /** RGB HWC bytes (sides multiples of info.pixelMultiple) → normalized packed latent. */
  encodeImage(rgb: Uint8Array, width: number, height: number): Promise<Float32Array>;
  decode(latent: Float32Array, width: number, height: number): Promise<Uint8Array>;
  condition(text: PromptEmbedding, guidance: number, width: number, height: number): FluxCondition;
  velocity(x: Float32Array, sigma: number, cond: FluxCondition): Promise<Float32Array>;
  /** Several latents at one σ in one call; only where `batchable()` (a dynamic batch axis). */
  velocityBatch(xs: readonly Float32Array[], sigma: number, conds: readonly FluxCondition[]): Promise<Float32Array[]>;
  batchable(): Promise<boolean>;
  /** True when the transformer takes a guidance input (FLUX.1-dev); loads it if needed. */
  hasGuidance(): Promise<boolean>;
  close(): Promise<void>;
}

export interface FluxModelOptions {
  /** Tried in order, CPU last. @default ['cpu'] */
  executionProviders?: readonly ExecutionProviderName[];
  /** @default 0 (onnxruntime decides) */
  intraOpNumThreads?: number;
  /** Overrides the T5 length read from the export (e.g. 256 for schnell when its tokenizer says 512). */
  t5MaxLength?: number;
  logger?: EngineLogger;
}

/** Hash of the small files plus the first 64 KiB and size of each model.onnx: cheap, and changes when the export does. */
function modelId(files: ModelFiles): string {
  const hash = createHash('sha256');
  for (const rel of [
    'model_index.json',
    'scheduler/scheduler_config.json',
    'vae_decoder/config.json',
    'vae_encoder/config.json',
  ]) {
    try {
      hash.update(rel).update(statSync(join(files.dir, rel)).size.toString());
    } catch {
      hash.update(`${rel}:absent`);
    }
  }
  for (const component of COMPONENTS) {
    const path = componentPath(files.dir, component);
    hash.update(component).update(statSync(path).size.toString()).update(fileHead(path, 65_536));
  }
  hash.update(JSON.stringify([files.vae, files.schedule]));
  return hash.digest('hex').slice(0, 16);
}

function fileHead(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const read = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

function checkComponentsExist(dir: string): void {
  const missing: ComponentName[] = COMPONENTS.filter((c) => {
    try {
      return !statSync(componentPath(dir, c)).isFile();
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    const hint = missing.includes('vae_encoder')
      ? ' RF-Inversion needs a VAE encoder; the TensorRT-oriented official exports ship none, so export with optimum (see the README, "Running real FLUX.1 on a GPU host").'
      : '';
    throw new ModelError(
      'model_components_missing',
      `The model folder ${dir} lacks ${missing.map((m) => `${m}/model.onnx`).join(', ')}.${hint} Run \`rfedit model check ${dir}\` for details.`,
      { details: { dir, missing } },
    );
  }
}

export function loadFluxModel(dir: string, options: FluxModelOptions = {}): FluxModel {
  const files = readModelFiles(dir);
  checkComponentsExist(dir);
  const settings = {
    executionProviders: options.executionProviders ?? ['cpu'],
    intraOpNumThreads: options.intraOpNumThreads ?? 0,
    logger: options.logger ?? silentLogger,
    shared: { failedProviders: new Set<ExecutionProviderName>(), opening: Promise.resolve() as Promise<unknown> },
  };
  const sessions = Object.fromEntries(
    COMPONENTS.map((c) => [c, new LazySession(componentPath(dir, c), settings)]),
  ) as Record<ComponentName, LazySession>;
  const text = new TextEncoders(sessions.text_encoder, sessions.text_encoder_2, {
    dir,
    clipLengthHint: files.clipMaxLength,
    t5LengthHint: options.t5MaxLength ?? files.t5MaxLengthFromTokenizer,
  });
  const vae = new Vae(sessions.vae_encoder, sessions.vae_decoder, files.vae);
  const transformer = new Transformer(sessions.transformer);
  const info: FluxModelInfo = {
    dir,
    name: files.name,
    id: modelId(files),
    schedule: files.schedule,
    vae: files.vae,
    pixelMultiple: vae.pixelMultiple,
  };
  return {
    info,
    encodePrompt: (prompt) => text.encode(prompt),
    encodeImage: (rgb, width, height) => vae.encode(rgb, width, height),
    decode: (latent, width, height) => vae.decode(latent, width, height),
    condition: (embedding, guidance, width, height) => ({
      text: embedding,
      guidance,
      rows: height / info.pixelMultiple,
      cols: width / info.pixelMultiple,
    }),
    velocity: (x, sigma, cond) => transformer.velocity(x, sigma, cond),
    velocityBatch: (xs, sigma, conds) => transformer.velocityBatch(xs, sigma, conds),
    batchable: () => transformer.batchable(),
    hasGuidance: () => transformer.hasGuidance(),
    close: async () => {
      await Promise.all(Object.values(sessions).map((s) => s.close()));
    },
  };
}
