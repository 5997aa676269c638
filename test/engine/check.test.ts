import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/engine/demo/onnx-graph.ts';
import { checkModelDir } from '../../src/engine/flux/check.ts';
import { demoModel, tempDir } from './helpers.ts';

const root = tempDir();
let counter = 0;
const freshModel = () => demoModel({}, join(root, `m${++counter}`));

function errors(dir: string): string[] {
  return checkModelDir(dir)
    .findings.filter((f) => f.level === 'error')
    .map((f) => `${f.where}: ${f.message} | ${f.fix ?? ''}`);
}

/** Replaces a component with a one-node graph (Identity) with the given I/O. */
function writeGraph(
  dir: string,
  component: string,
  input: [string, 'float32' | 'bfloat16'],
  output: [string, 'float32' | 'bfloat16'],
): void {
  const g = new GraphBuilder(component);
  g.input(input[0], input[1], ['batch', 3, 'h', 'w']);
  g.output(output[0], output[1], ['batch', 3, 'h', 'w']);
  g.op('Identity', [input[0]], {}, output[0]);
  writeFileSync(join(dir, component, 'model.onnx'), g.encode());
}

describe('model check', () => {
  it('passes the generated demo model', () => {
    const report = checkModelDir(freshModel());
    expect(report.ok).toBe(true);
    expect(report.findings.filter((f) => f.level === 'ok').length).toBeGreaterThan(5);
  });

  it('names a missing VAE encoder and says how to get one', () => {
    const dir = freshModel();
    rmSync(join(dir, 'vae_encoder', 'model.onnx'));
    expect(errors(dir)).toEqual([expect.stringMatching(/vae_encoder.*missing.*only a decoder.*optimum/s)]);
  });

  it('flags bfloat16 inputs and outputs with the conversion to use', () => {
    const dir = freshModel();
    writeGraph(dir, 'vae_decoder', ['latent_sample', 'bfloat16'], ['sample', 'bfloat16']);
    const found = errors(dir);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/latent_sample is bfloat16.*--float16/);
  });

  it('lists the names it expected and the ones it found when names differ', () => {
    const dir = freshModel();
    writeGraph(dir, 'vae_decoder', ['z', 'float32'], ['rgb', 'float32']);
    expect(errors(dir)).toEqual([
      expect.stringMatching(/No latent input \(expected latent_sample or latent; the graph has z\)/),
      expect.stringMatching(/No image output \(expected sample or images; the graph has rgb\)/),
    ]);
  });

  it('catches a transformer whose channels do not match the VAE', () => {
    const dir = freshModel();
    writeFileSync(
      join(dir, 'vae_decoder', 'config.json'),
      JSON.stringify({ latent_channels: 8, block_out_channels: [1, 1], scaling_factor: 1 }),
    );
    rmSync(join(dir, 'vae_encoder', 'config.json'));
    expect(errors(dir)).toContainEqual(
      expect.stringMatching(/hidden_states has 64 channels; the VAE's 8 latent channels pack to 32/),
    );
  });

  it('recognises the TensorRT-oriented official layout', () => {
    const dir = join(root, 'bfl');
    for (const d of ['clip.opt', 't5.opt', 'transformer.opt/bf16', 'vae.opt'])
      mkdirSync(join(dir, d), { recursive: true });
    const found = errors(dir);
    expect(found[0]).toMatch(/TensorRT-oriented.*optimum-cli export onnx/);
    expect(found).toContainEqual(expect.stringMatching(/vae_encoder/));
  });

  it('says when a T5 tokenizer comes only as spiece.model', () => {
    const dir = freshModel();
    rmSync(join(dir, 'tokenizer_2', 'tokenizer.json'));
    writeFileSync(join(dir, 'tokenizer_2', 'spiece.model'), 'x');
    expect(errors(dir)).toEqual([expect.stringMatching(/spiece\.model.*T5TokenizerFast/)]);
  });

  it('reports a folder that does not exist', () => {
    expect(checkModelDir(join(root, 'nope')).ok).toBe(false);
  });
});
