/**
 * The diffusers/optimum folder layout of a FLUX.1 ONNX export, and the numbers read from its JSON files.
 * Architecture numbers come from the files, never from constants: the demo model and FLUX.1 differ in all of them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError } from '../../errors.ts';

export const COMPONENTS = ['text_encoder', 'text_encoder_2', 'transformer', 'vae_encoder', 'vae_decoder'] as const;
export type ComponentName = (typeof COMPONENTS)[number];

export function componentPath(dir: string, component: ComponentName): string {
  return join(dir, component, 'model.onnx');
}

/** Shift parameters of `scheduler/scheduler_config.json` (FlowMatchEulerDiscreteScheduler). */
export interface ScheduleConfig {
  dynamic: boolean;
  baseSeqLen: number;
  maxSeqLen: number;
  baseShift: number;
  maxShift: number;
  shift: number;
}

/** What the VAE config says: z = (latent − shift)·scale goes into the transformer; pixels/latent = spatialFactor. */
export interface VaeConfig {
  latentChannels: number;
  spatialFactor: number;
  scalingFactor: number;
  shiftFactor: number;
}

export interface ModelFiles {
  dir: string;
  /** model_index.json `_class_name` and the rfedit name if present (e.g. "FluxPipeline", "demo"). */
  pipelineClass: string;
  name: string;
  schedule: ScheduleConfig;
  vae: VaeConfig;
  /** CLIP token length (tokenizer_config model_max_length, 77 for CLIP-L). */
  clipMaxLength: number;
  /** T5 token length from tokenizer_2/tokenizer_config.json, if it names one that is sensible. */
  t5MaxLengthFromTokenizer: number | null;
}

type Json = Record<string, unknown>;

export function readJson(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ModelError('model_file_missing', `The model folder is missing ${path}.`, { cause, details: { path } });
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError('not an object');
    return value as Json;
  } catch (cause) {
    throw new ModelError('model_file_invalid', `${path} is not a JSON object.`, { cause, details: { path } });
  }
}

function readOptionalJson(path: string): Json | null {
  return existsSync(path) ? readJson(path) : null;
}

function numberField(json: Json, key: string, where: string): number {
  const value = json[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ModelError('model_config_invalid', `${where} has no numeric "${key}".`, { details: { where, key } });
  }
  return value;
}

function optionalNumber(json: Json | null, key: string): number | null {
  const value = json?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function readScheduleConfig(dir: string): ScheduleConfig {
  const where = join(dir, 'scheduler', 'scheduler_config.json');
  const json = readJson(where);
  return {
    dynamic: json.use_dynamic_shifting === true,
    baseSeqLen: optionalNumber(json, 'base_image_seq_len') ?? 256,
    maxSeqLen: optionalNumber(json, 'max_image_seq_len') ?? 4096,
    baseShift: optionalNumber(json, 'base_shift') ?? 0.5,
    maxShift: optionalNumber(json, 'max_shift') ?? 1.15,
    shift: optionalNumber(json, 'shift') ?? 1,
  };
}

/** optimum copies the VAE config into vae_decoder/ and vae_encoder/; a plain diffusers folder has vae/. */
export function vaeConfigPaths(dir: string): string[] {
  return ['vae_decoder', 'vae_encoder', 'vae'].map((folder) => join(dir, folder, 'config.json'));
}

export function readVaeConfig(dir: string): VaeConfig {
  const where = vaeConfigPaths(dir).find((path) => existsSync(path));
  if (!where) {
    throw new ModelError(
      'vae_config_missing',
      `No VAE config.json found in ${dir} (looked in vae_decoder/, vae_encoder/, vae/).`,
    );
  }
  const json = readJson(where);
  const blocks = json.block_out_channels;
  if (!Array.isArray(blocks) || blocks.length === 0) {
    throw new ModelError('model_config_invalid', `${where} has no block_out_channels list.`, { details: { where } });
  }
  return {
    latentChannels: numberField(json, 'latent_channels', where),
    // diffusers: vae_scale_factor = 2 ** (len(block_out_channels) - 1)
    spatialFactor: 2 ** (blocks.length - 1),
    scalingFactor: numberField(json, 'scaling_factor', where),
    shiftFactor: optionalNumber(json, 'shift_factor') ?? 0,
  };
}

export function readModelFiles(dir: string): ModelFiles {
  const index = readJson(join(dir, 'model_index.json'));
  const clipConfig = readOptionalJson(join(dir, 'tokenizer', 'tokenizer_config.json'));
  const t5Config = readOptionalJson(join(dir, 'tokenizer_2', 'tokenizer_config.json'));
  const t5Length = optionalNumber(t5Config, 'model_max_length');
  const rfedit = index._rfedit as Json | undefined;
  return {
    dir,
    pipelineClass: typeof index._class_name === 'string' ? index._class_name : 'unknown',
    name: typeof rfedit?.name === 'string' ? rfedit.name : dir,
    schedule: readScheduleConfig(dir),
    vae: readVaeConfig(dir),
    clipMaxLength: optionalNumber(clipConfig, 'model_max_length') ?? 77,
    // HF writes a huge sentinel (1e30) when a tokenizer has no limit; only a real length counts.
    t5MaxLengthFromTokenizer: t5Length !== null && t5Length > 0 && t5Length <= 4096 ? t5Length : null,
  };
}
