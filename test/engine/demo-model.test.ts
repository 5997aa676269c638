import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEMO_MODEL_VERSION,
  demoModelFiles,
  ensureDemoModel,
  generateDemoModel,
} from '../../src/engine/demo/generate.ts';
import { tempDir } from './helpers.ts';

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((p) => statSync(join(dir, p)).isFile())
    .sort();
}

describe('the demo model generator', () => {
  it('writes the diffusers/optimum FLUX.1 layout', () => {
    const dir = join(tempDir(), 'demo');
    generateDemoModel(dir);
    expect(listFiles(dir)).toEqual([
      'model_index.json',
      'scheduler/scheduler_config.json',
      'text_encoder/model.onnx',
      'text_encoder_2/model.onnx',
      'tokenizer/merges.txt',
      'tokenizer/tokenizer_config.json',
      'tokenizer/vocab.json',
      'tokenizer_2/tokenizer.json',
      'tokenizer_2/tokenizer_config.json',
      'transformer/config.json',
      'transformer/model.onnx',
      'vae_decoder/config.json',
      'vae_decoder/model.onnx',
      'vae_encoder/config.json',
      'vae_encoder/model.onnx',
    ]);
  });

  it('is deterministic and well under 20 MB', () => {
    const a = demoModelFiles();
    const b = demoModelFiles();
    let bytes = 0;
    for (const [path, contents] of a) {
      expect(Buffer.from(b.get(path)!)).toEqual(Buffer.from(contents));
      bytes += Buffer.byteLength(contents);
    }
    expect(bytes).toBeLessThan(20 * 1_048_576);
  });

  it('is generated on first use and left alone afterwards', () => {
    const dir = join(tempDir(), 'demo');
    ensureDemoModel(dir);
    const marker = join(dir, 'tokenizer', 'tokenizer_config.json');
    writeFileSync(marker, readFileSync(marker, 'utf8').replace('77', '77 '));
    ensureDemoModel(dir);
    expect(readFileSync(marker, 'utf8')).toContain('77 ');
  });

  it('is regenerated when the folder holds an older version', () => {
    const dir = join(tempDir(), 'demo');
    ensureDemoModel(dir);
    const index = join(dir, 'model_index.json');
    writeFileSync(
      index,
      readFileSync(index, 'utf8').replace(`"version": ${DEMO_MODEL_VERSION}`, `"version": ${DEMO_MODEL_VERSION - 1}`),
    );
    expect(JSON.parse(readFileSync(index, 'utf8'))._rfedit.version).toBe(DEMO_MODEL_VERSION - 1);
    ensureDemoModel(dir);
    expect(JSON.parse(readFileSync(index, 'utf8'))._rfedit.version).toBe(DEMO_MODEL_VERSION);
  });
});
