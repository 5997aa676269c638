/**
 * Writes the built-in demo model: the same folder layout, file formats and tensor names as an optimum
 * FLUX.1 export, tiny and exact (see components.ts and vocabulary.ts). Deterministic: the same variant
 * always produces the same bytes. Written to a temporary folder and renamed, so a half-written model is
 * never picked up.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  DEMO_LATENT_CHANNELS,
  type GraphVariant,
  textEncoderGraph,
  transformerGraph,
  vaeDecoderGraph,
  vaeEncoderGraph,
} from './components.ts';
import { buildClipVocabulary, buildT5Vocabulary } from './tokenizer-files.ts';
import { clipTokenizerJson } from '../flux/tokenizers.ts';
import { DEMO_EMBEDDING_DIM, DEMO_WORDS, clipRow, t5Row } from './vocabulary.ts';

/** Bump when the generated files change, so an old demo folder is regenerated. */
export const DEMO_MODEL_VERSION = 2;

export interface DemoModelVariant extends GraphVariant {
  /** `vocab-merges` like FLUX.1-dev's tokenizer/, or a single tokenizer.json. */
  clipTokenizer: 'vocab-merges' | 'tokenizer-json';
  /** T5 token length written to tokenizer_2/tokenizer_config.json (FLUX.1-dev: 512). */
  t5Length: number;
  /** VAE normalization written to the VAE config (FLUX.1: 0.3611 and 0.1159). */
  scalingFactor: number;
  shiftFactor: number;
}

export const DEMO_VARIANT_DEFAULTS: Readonly<DemoModelVariant> = {
  floatType: 'float32',
  idsType: 'int64',
  positionIdsType: 'int64',
  guidance: true,
  vaeEncoderOutput: 'latent_parameters',
  clipTokenizer: 'vocab-merges',
  t5Length: 64,
  scalingFactor: 1,
  shiftFactor: 0,
};

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Path → contents of every file of the demo model. */
export function demoModelFiles(variant: Partial<DemoModelVariant> = {}): Map<string, string | Uint8Array> {
  const v: DemoModelVariant = { ...DEMO_VARIANT_DEFAULTS, ...variant };
  const files = new Map<string, string | Uint8Array>();
  const clip = buildClipVocabulary(DEMO_WORDS);
  const t5 = buildT5Vocabulary(DEMO_WORDS);

  files.set(
    'model_index.json',
    json({
      _class_name: 'FluxPipeline',
      _diffusers_version: '0.32.0',
      _rfedit: {
        name: 'demo',
        version: DEMO_MODEL_VERSION,
        variant: v,
        about: 'rfedit demo model: closed-form Gaussian flow, not a generator of real edits',
      },
      scheduler: ['diffusers', 'FlowMatchEulerDiscreteScheduler'],
      text_encoder: ['transformers', 'CLIPTextModel'],
      text_encoder_2: ['transformers', 'T5EncoderModel'],
      tokenizer: ['transformers', 'CLIPTokenizer'],
      tokenizer_2: ['transformers', 'T5TokenizerFast'],
      transformer: ['diffusers', 'FluxTransformer2DModel'],
      vae: ['diffusers', 'AutoencoderKL'],
    }),
  );
  // The demo's latent grid is 4 px a token (FLUX.1: 16), so FLUX's 256…4096-token range becomes 16× longer:
  // the schedule's shift then matches FLUX.1's at the same pixel count.
  files.set(
    'scheduler/scheduler_config.json',
    json({
      _class_name: 'FlowMatchEulerDiscreteScheduler',
      base_image_seq_len: 4096,
      base_shift: 0.5,
      max_image_seq_len: 65536,
      max_shift: 1.15,
      num_train_timesteps: 1000,
      shift: 3.0,
      use_dynamic_shifting: true,
    }),
  );
  const vaeConfig = json({
    _class_name: 'AutoencoderKL',
    in_channels: 3,
    out_channels: 3,
    latent_channels: DEMO_LATENT_CHANNELS,
    // Two blocks → spatial factor 2 (diffusers: 2 ** (len(block_out_channels) − 1)); 2×2×3 = 12 ≤ 16 channels.
    block_out_channels: [16, 16],
    scaling_factor: v.scalingFactor,
    shift_factor: v.shiftFactor,
  });
  files.set('vae_encoder/config.json', vaeConfig);
  files.set('vae_decoder/config.json', vaeConfig);
  files.set(
    'transformer/config.json',
    json({
      _class_name: 'FluxTransformer2DModel',
      in_channels: DEMO_LATENT_CHANNELS * 4,
      guidance_embeds: v.guidance,
      joint_attention_dim: DEMO_EMBEDDING_DIM,
      pooled_projection_dim: DEMO_EMBEDDING_DIM,
    }),
  );

  if (v.clipTokenizer === 'vocab-merges') {
    files.set('tokenizer/vocab.json', json(clip.vocab));
    files.set('tokenizer/merges.txt', `#version: 0.2\n${clip.merges.join('\n')}\n`);
  } else {
    files.set('tokenizer/tokenizer.json', json(clipTokenizerJson(clip.vocab, clip.merges)));
  }
  files.set(
    'tokenizer/tokenizer_config.json',
    json({
      model_max_length: 77,
      bos_token: '<|startoftext|>',
      eos_token: '<|endoftext|>',
      pad_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
      do_lower_case: true,
    }),
  );
  files.set('tokenizer_2/tokenizer.json', json(t5.tokenizerJson));
  files.set(
    'tokenizer_2/tokenizer_config.json',
    json({ model_max_length: v.t5Length, eos_token: '</s>', pad_token: '<pad>', unk_token: '<unk>' }),
  );

  const clipTable = Array.from({ length: Object.keys(clip.vocab).length }, () => clipRow(null));
  for (const [word, id] of clip.wordIds) clipTable[id] = clipRow(word);
  const t5Table = Array.from({ length: t5.size }, () => t5Row());

  files.set('text_encoder/model.onnx', textEncoderGraph('clip', clipTable, v));
  files.set('text_encoder_2/model.onnx', textEncoderGraph('t5', t5Table, v));
  files.set('transformer/model.onnx', transformerGraph(DEMO_EMBEDDING_DIM, v));
  files.set('vae_encoder/model.onnx', vaeEncoderGraph(v));
  files.set('vae_decoder/model.onnx', vaeDecoderGraph(v));
  return files;
}

/** Writes the demo model to `dir`, replacing whatever is there. */
export function generateDemoModel(dir: string, variant: Partial<DemoModelVariant> = {}): void {
  const staging = `${dir}.tmp-${process.pid}-${Date.now()}`;
  rmSync(staging, { recursive: true, force: true });
  for (const [rel, contents] of demoModelFiles(variant)) {
    const path = join(staging, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, contents);
  }
  mkdirSync(dirname(dir), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
}

/** True when `dir` holds a demo model written by this version of the generator. */
export function isCurrentDemoModel(dir: string): boolean {
  const index = join(dir, 'model_index.json');
  if (!existsSync(index)) return false;
  try {
    const parsed = JSON.parse(readFileSync(index, 'utf8')) as { _rfedit?: { name?: string; version?: number } };
    return parsed._rfedit?.name === 'demo' && parsed._rfedit.version === DEMO_MODEL_VERSION;
  } catch {
    return false;
  }
}

/** Generates the demo model on first use; returns its folder. */
export function ensureDemoModel(dir: string): string {
  if (!isCurrentDemoModel(dir)) generateDemoModel(dir);
  return dir;
}
