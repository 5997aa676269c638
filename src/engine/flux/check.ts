/**
 * `rfedit model check <dir>`: says, before any heavy work, whether a folder is an export rfedit can run, and
 * for each problem what to do about it. Reads only JSON files and the ONNX graphs' declared I/O (no weights,
 * no onnxruntime), so it also diagnoses exports that onnxruntime-node cannot open.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RfeditError } from '../../errors.ts';
import { type DeclaredIo, type DeclaredTensor, readDeclaredIo } from './declared-io.ts';
import { IO_NAMES, type NameSpec } from './io-names.ts';
import {
  COMPONENTS,
  type ComponentName,
  componentPath,
  readJson,
  readScheduleConfig,
  readVaeConfig,
} from './model-files.ts';

export interface ModelCheckFinding {
  level: 'error' | 'warning' | 'ok';
  /** Component folder or file the finding is about. */
  where: string;
  message: string;
  fix?: string;
}

export interface ModelCheckReport {
  dir: string;
  ok: boolean;
  findings: ModelCheckFinding[];
}

const FIX_EXPORT =
  'Export with optimum: `optimum-cli export onnx --model black-forest-labs/FLUX.1-dev <dir>` (see the README, "Running real FLUX.1 on a GPU host").';
const FIX_BF16 =
  "onnxruntime-node has no bfloat16 tensors. Re-export in fp32, or convert with onnxruntime's optimize_pipeline.py --float16 (I/O becomes fp16); bf16 inside the graph is fine.";

/** BFL's TensorRT-oriented layout: clip.opt/, t5.opt/, transformer.opt/, vae.opt/. */
function looksLikeBflExport(dir: string): boolean {
  return ['clip.opt', 't5.opt', 'transformer.opt', 'vae.opt'].some((d) => existsSync(join(dir, d)));
}

const FLOAT_TYPES = ['float32', 'float16'];
const ID_TYPES = ['int64', 'int32'];
const POSITION_TYPES = ['int64', 'int32', 'float32', 'float16'];

/** Expected dtypes per role; anything else is reported. */
function allowedTypes(component: ComponentName, role: string): string[] {
  if (role === 'token ids') return ID_TYPES;
  if (component === 'transformer' && (role === 'image ids' || role === 'text ids')) return POSITION_TYPES;
  return FLOAT_TYPES;
}

class Findings {
  readonly list: ModelCheckFinding[] = [];
  error(where: string, message: string, fix?: string): void {
    this.list.push({ level: 'error', where, message, ...(fix ? { fix } : {}) });
  }
  warning(where: string, message: string, fix?: string): void {
    this.list.push({ level: 'warning', where, message, ...(fix ? { fix } : {}) });
  }
  ok(where: string, message: string): void {
    this.list.push({ level: 'ok', where, message });
  }
  /** Runs a check that reports by throwing an RfeditError. */
  attempt(where: string, work: () => string, fix?: string): void {
    try {
      this.ok(where, work());
    } catch (error) {
      this.error(where, error instanceof RfeditError ? error.userMessage : String(error), fix);
    }
  }
}

function checkTokenizers(dir: string, f: Findings): void {
  const clip = join(dir, 'tokenizer');
  if (existsSync(join(clip, 'tokenizer.json'))) f.ok('tokenizer', 'CLIP tokenizer.json');
  else if (existsSync(join(clip, 'vocab.json')) && existsSync(join(clip, 'merges.txt')))
    f.ok('tokenizer', 'CLIP vocab.json + merges.txt');
  else
    f.error(
      'tokenizer',
      'No CLIP tokenizer (tokenizer.json, or vocab.json + merges.txt).',
      'Copy tokenizer/ from the diffusers FLUX.1 repository (openai/clip-vit-large-patch14 files).',
    );

  const t5 = join(dir, 'tokenizer_2');
  if (existsSync(join(t5, 'tokenizer.json'))) f.ok('tokenizer_2', 'T5 tokenizer.json');
  else if (existsSync(join(t5, 'spiece.model'))) {
    f.error(
      'tokenizer_2',
      'Only spiece.model found; rfedit reads the T5 tokenizer from tokenizer.json.',
      'In Python: T5TokenizerFast.from_pretrained("<dir>/tokenizer_2").save_pretrained("<dir>/tokenizer_2") writes tokenizer.json.',
    );
  } else f.error('tokenizer_2', 'No T5 tokenizer.json.', 'Copy tokenizer_2/ from the diffusers FLUX.1 repository.');

  const config = join(t5, 'tokenizer_config.json');
  const length = existsSync(config) ? readJson(config).model_max_length : undefined;
  if (typeof length === 'number' && length > 0 && length <= 4096) f.ok('tokenizer_2', `T5 length ${length}`);
  else
    f.warning(
      'tokenizer_2',
      "tokenizer_config.json names no usable model_max_length; the T5 length must then come from the export's input shape or the t5MaxLength option.",
      'Set "model_max_length": 512 (FLUX.1-dev) or 256 (schnell).',
    );
}

function sameDim(a: number | string | undefined, b: number | string | undefined): boolean {
  return typeof a !== 'number' || typeof b !== 'number' || a === b;
}

function checkTensors(
  component: ComponentName,
  declared: DeclaredTensor[],
  specs: readonly NameSpec[],
  kind: 'input' | 'output',
  f: Findings,
): Map<string, DeclaredTensor> {
  const found = new Map<string, DeclaredTensor>();
  for (const spec of specs) {
    const tensor = declared.find((t) => spec.accepted.includes(t.name));
    if (!tensor) {
      if (spec.required === false) continue;
      f.error(
        component,
        `No ${spec.role} ${kind} (expected ${spec.accepted.join(' or ')}; the graph has ${declared.map((t) => t.name).join(', ') || 'none'}).`,
        FIX_EXPORT,
      );
      continue;
    }
    found.set(spec.role, tensor);
    if (tensor.type === 'bfloat16') f.error(component, `${kind} ${tensor.name} is bfloat16.`, FIX_BF16);
    else if (!allowedTypes(component, spec.role).includes(tensor.type)) {
      f.error(
        component,
        `${kind} ${tensor.name} is ${tensor.type}; expected ${allowedTypes(component, spec.role).join(' or ')}.`,
        FIX_EXPORT,
      );
    }
  }
  return found;
}

function checkComponent(dir: string, component: ComponentName, f: Findings): Map<string, DeclaredTensor> | null {
  const path = componentPath(dir, component);
  if (!existsSync(path)) {
    if (component === 'vae_encoder') {
      f.error(
        component,
        'vae_encoder/model.onnx is missing. RF-Inversion must encode the photo; the official TensorRT-oriented FLUX.1 ONNX exports ship only a decoder.',
        `Export the VAE encoder with optimum (it writes vae_encoder/ and vae_decoder/). ${FIX_EXPORT}`,
      );
    } else {
      f.error(component, `${component}/model.onnx is missing.`, FIX_EXPORT);
    }
    return null;
  }
  let io: DeclaredIo;
  try {
    io = readDeclaredIo(path);
  } catch (error) {
    f.error(
      component,
      `model.onnx is not a readable ONNX model (${error instanceof Error ? error.message : String(error)}).`,
      'Re-export or re-download the file; keep weights over 2 GB in external data files.',
    );
    return null;
  }
  const missingData = io.externalFiles.filter((name) => !existsSync(join(dir, component, name)));
  if (missingData.length > 0) {
    f.error(
      component,
      `External weight files are missing: ${missingData.join(', ')}.`,
      'Keep each model.onnx beside the data files it names.',
    );
  }
  const spec = IO_NAMES[component];
  const inputs = checkTensors(component, io.inputs, spec.inputs, 'input', f);
  const outputs = checkTensors(component, io.outputs, spec.outputs, 'output', f);
  const sizeMb = statSync(path).size / 1_048_576;
  f.ok(
    component,
    `inputs ${io.inputs.map((t) => `${t.name}:${t.type}`).join(', ')}; outputs ${io.outputs.map((t) => `${t.name}:${t.type}`).join(', ')} (${sizeMb.toFixed(1)} MB graph${io.externalFiles.length ? ` + ${io.externalFiles.length} data file(s)` : ''})`,
  );
  const byRole = new Map<string, DeclaredTensor>();
  for (const [role, tensor] of inputs) byRole.set(`in:${role}`, tensor);
  for (const [role, tensor] of outputs) byRole.set(`out:${role}`, tensor);
  return byRole;
}

/** Cross-component shape checks where both sides declare fixed sizes. */
function checkShapes(dir: string, io: Partial<Record<ComponentName, Map<string, DeclaredTensor>>>, f: Findings): void {
  let latentChannels: number | null = null;
  try {
    latentChannels = readVaeConfig(dir).latentChannels;
  } catch {
    return;
  }
  const hidden = io.transformer?.get('in:packed latent');
  if (hidden && !sameDim(hidden.shape[2], latentChannels * 4)) {
    f.error(
      'transformer',
      `hidden_states has ${hidden.shape[2]} channels; the VAE's ${latentChannels} latent channels pack to ${latentChannels * 4}.`,
      'Use the VAE config that belongs to this transformer.',
    );
  }
  const encoded = io.vae_encoder?.get('out:latent');
  if (
    encoded &&
    typeof encoded.shape[1] === 'number' &&
    encoded.shape[1] !== latentChannels &&
    encoded.shape[1] !== 2 * latentChannels
  ) {
    f.error(
      'vae_encoder',
      `${encoded.name} has ${encoded.shape[1]} channels; expected ${latentChannels} or ${2 * latentChannels} (mean ‖ logvar).`,
      'Use the VAE config that belongs to this encoder.',
    );
  }
  const pooledOut = io.text_encoder?.get('out:pooled output');
  const pooledIn = io.transformer?.get('in:CLIP pooled');
  if (pooledOut && pooledIn && !sameDim(pooledOut.shape.at(-1), pooledIn.shape.at(-1))) {
    f.error(
      'transformer',
      `pooled_projections expects ${pooledIn.shape.at(-1)} values but text_encoder gives ${pooledOut.shape.at(-1)}.`,
      'The text encoder and transformer come from different exports.',
    );
  }
  const t5Out = io.text_encoder_2?.get('out:hidden states');
  const t5In = io.transformer?.get('in:T5 states');
  if (t5Out && t5In && !sameDim(t5Out.shape.at(-1), t5In.shape.at(-1))) {
    f.error(
      'transformer',
      `encoder_hidden_states expects width ${t5In.shape.at(-1)} but text_encoder_2 gives ${t5Out.shape.at(-1)}.`,
      'The T5 encoder and transformer come from different exports.',
    );
  }
}

export function checkModelDir(dir: string): ModelCheckReport {
  const f = new Findings();
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    f.error(dir, 'The folder does not exist.');
    return { dir, ok: false, findings: f.list };
  }
  if (looksLikeBflExport(dir)) {
    f.error(
      dir,
      `This looks like Black Forest Labs' TensorRT-oriented ONNX export (${readdirSync(dir)
        .filter((d) => d.endsWith('.opt'))
        .join(', ')}): no VAE encoder, bf16/fp8 I/O, and it is built for TensorRT, not onnxruntime.`,
      FIX_EXPORT,
    );
  }
  f.attempt(
    'model_index.json',
    () => `pipeline ${String(readJson(join(dir, 'model_index.json'))._class_name ?? 'unknown')}`,
    FIX_EXPORT,
  );
  f.attempt(
    'scheduler',
    () => {
      const s = readScheduleConfig(dir);
      return s.dynamic
        ? `dynamic shift ${s.baseShift}…${s.maxShift} over ${s.baseSeqLen}…${s.maxSeqLen} tokens`
        : `fixed shift ${s.shift}`;
    },
    'Copy scheduler/scheduler_config.json from the diffusers FLUX.1 repository.',
  );
  f.attempt(
    'vae config',
    () => {
      const v = readVaeConfig(dir);
      return `${v.latentChannels} latent channels, ×${v.spatialFactor}, scaling ${v.scalingFactor}, shift ${v.shiftFactor}`;
    },
    'optimum writes the VAE config.json into vae_encoder/ and vae_decoder/; copy vae/config.json there if it is missing.',
  );
  checkTokenizers(dir, f);
  const io: Partial<Record<ComponentName, Map<string, DeclaredTensor>>> = {};
  for (const component of COMPONENTS) {
    const found = checkComponent(dir, component, f);
    if (found) io[component] = found;
  }
  checkShapes(dir, io, f);
  return { dir, ok: !f.list.some((x) => x.level === 'error'), findings: f.list };
}
