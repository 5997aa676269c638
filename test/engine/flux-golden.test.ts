/**
 * The real FLUX.1 path against the diffusers reference code: a tiny FLUX.1 built from the real diffusers and
 * transformers classes, exported in optimum's layout, with golden RF-Inversion outputs (see the fixture's
 * README.md). The fixture lives outside the repository: $RFEDIT_TINY_FLUX, else ../shared/fixtures/tiny-flux
 * beside the checkout, else /work/shared/fixtures/tiny-flux.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { readDeclaredIo } from '../../src/engine/flux/declared-io.ts';
import { findTinyFlux } from '../../src/engine/golden/fixture.ts';
import { type ProviderRun, runGoldenCheck } from '../../src/engine/golden/run.ts';
import { FP16_TOLERANCE } from '../../src/engine/golden/stages.ts';
import { PHOTO_PATH, tempDir } from './helpers.ts';

const REPO = join(import.meta.dirname, '..', '..');
const FIXTURE = findTinyFlux(REPO);
if (!FIXTURE) {
  console.warn(
    'tiny-flux fixture absent (set RFEDIT_TINY_FLUX or lay shared/ beside the checkout): the FLUX.1 golden tests are skipped.',
  );
}

function capture(): CliIo & { stdout: string[]; stderrLines: string[] } {
  const stdout: string[] = [];
  const stderrLines: string[] = [];
  return { stdout, stderrLines, out: (l) => stdout.push(l), err: (l) => stderrLines.push(l), stderr: process.stderr };
}

/** The failure message names the first stage that drifts. */
function firstDrift(run: ProviderRun): string | null {
  return run.firstFailure ? `first drift at "${run.firstFailure.stage}": ${run.firstFailure.detail}` : null;
}

const VARIANTS = join(REPO, 'test', 'fixtures', 'tiny-flux-variants');

/** A complete model folder: the fixture's model/ with a variant's files laid over it (variants keep only what differs). */
function variantModel(variant: string): string {
  const dir = join(tempDir('rfedit-golden-'), 'model');
  cpSync(join(FIXTURE!, 'model'), dir, { recursive: true });
  cpSync(join(VARIANTS, variant, 'model'), dir, { recursive: true });
  return dir;
}

/** The fixture's model with VAE configs edited: a copy, so the fixture stays untouched. */
function modelWithVaeConfig(edit: (config: Record<string, unknown>) => void): string {
  const dir = join(tempDir('rfedit-golden-'), 'model');
  cpSync(join(FIXTURE!, 'model'), dir, { recursive: true });
  for (const part of ['vae_encoder', 'vae_decoder']) {
    const path = join(dir, part, 'config.json');
    const config = JSON.parse(readFileSync(path, 'utf8'));
    edit(config);
    writeFileSync(path, JSON.stringify(config));
  }
  return dir;
}

describe('finding the tiny-flux fixture', () => {
  it('prefers $RFEDIT_TINY_FLUX, then shared/ beside the checkout, and ignores a folder without goldens', () => {
    const root = tempDir('rfedit-find-');
    const own = join(root, 'own');
    mkdirSync(join(own, 'golden'), { recursive: true });
    const repo = join(root, 'checkout');
    const sibling = join(root, 'shared', 'fixtures', 'tiny-flux');
    mkdirSync(join(sibling, 'golden'), { recursive: true });
    expect(findTinyFlux(repo, { RFEDIT_TINY_FLUX: own })).toBe(own);
    expect(findTinyFlux(repo, { RFEDIT_TINY_FLUX: join(root, 'nowhere') })).toBe(sibling);
    expect(findTinyFlux(repo, {})).toBe(sibling);
  });
});

describe.skipIf(!FIXTURE)('FLUX.1 against the diffusers goldens (tiny-flux)', () => {
  it('reproduces every stage of the diffusers RF-Inversion run, the other shapes and the text path', async () => {
    const report = await runGoldenCheck(FIXTURE!);
    const [cpu] = report.runs;
    expect(firstDrift(cpu)).toBeNull();
    expect(report.ok).toBe(true);
    const stages = cpu.results.map((r) => r.stage);
    // Every stage the issue names is compared, in pipeline order.
    const expected = [
      /^packing/,
      /^img_ids/,
      /^vae encode/,
      /^schedule: mu/,
      /^schedule: sigmas/,
      /^inversion \(convention diffusers.*every transformer call/,
      /^inversion: inverted latent/,
      /^edit \(.*every transformer call/,
      /^edit: edited latent/,
      /^decode/,
      /^onnx-dyn: transformer/,
      /^onnx-dyn: vae_encoder/,
      /^onnx-dyn: vae_decoder/,
      /^text: CLIP tokenizer \(vocab.json/,
      /^text: CLIP tokenizer \(tokenizer.json/,
      /^text: T5 tokenizer/,
      /^text: encodePrompt/,
    ];
    let from = 0;
    for (const pattern of expected) {
      const at = stages.findIndex((s, i) => i >= from && pattern.test(s));
      expect(at, `stage ${pattern} in order`).toBeGreaterThanOrEqual(0);
      from = at;
    }
    // 28 inversion and 28 edit calls, each compared.
    expect(cpu.results.find((r) => r.stage.startsWith('inversion ('))?.detail).toMatch(/^28 calls/);
    expect(cpu.results.find((r) => r.stage.startsWith('edit ('))?.detail).toMatch(/^28 calls/);
  });

  it('fails naming the first stage that drifts: a wrong VAE shift shows at the encoder, not later', async () => {
    const model = modelWithVaeConfig((c) => {
      c.shift_factor = 0.2;
    });
    const report = await runGoldenCheck(FIXTURE!, { modelDir: model });
    expect(report.ok).toBe(false);
    expect(report.runs[0].firstFailure?.stage).toMatch(/^vae encode/);
    // Packing with the golden's own numbers still agrees: the drift is placed where it starts.
    expect(report.runs[0].results.find((r) => r.stage.startsWith('packing'))?.ok).toBe(true);
  });

  it('`rfedit golden` prints a line per stage and exits 0 only when every stage agrees', async () => {
    const good = capture();
    expect(await main(['golden', FIXTURE!], good)).toBe(0);
    expect(good.stdout.filter((l) => l.startsWith('ok   [cpu]')).length).toBeGreaterThan(20);
    expect(good.stdout.at(-1)).toMatch(/cpu: all \d+ stages agree/);

    const bad = capture();
    const model = modelWithVaeConfig((c) => {
      c.scaling_factor = 0.5;
    });
    expect(await main(['golden', FIXTURE!, '--model', model], bad)).toBe(1);
    expect(bad.stdout.at(-1)).toMatch(/cpu: FIRST DRIFT at "vae encode/);
  });

  it('checks each execution provider that can start and says in one line which cannot', async () => {
    const io = capture();
    const code = await main(['golden', FIXTURE!, '--providers', 'webgpu,cpu'], io);
    expect(code).toBe(0);
    const webgpu = io.stdout.filter((l) => l.includes('[webgpu]'));
    // Without an adapter (this machine: no Vulkan, Dawn rejects lavapipe) one skip line; on a GPU host, stages.
    if (webgpu.some((l) => l.startsWith('skip'))) expect(webgpu).toHaveLength(1);
    else expect(webgpu.every((l) => l.startsWith('ok'))).toBe(true);
    expect(io.stdout.at(-1)).toMatch(/cpu: all \d+ stages agree/);
  });

  it('rejects an unknown provider name, and a folder without goldens, in plain words', async () => {
    const io = capture();
    expect(await main(['golden', FIXTURE!, '--providers', 'tpu'], io)).toBe(1);
    expect(io.stderrLines.join('\n')).toMatch(/--providers takes/);
    const notFixture = capture();
    expect(await main(['golden', join(FIXTURE!, 'model')], notFixture)).toBe(1);
    expect(notFixture.stderrLines.join('\n')).toMatch(/not a fixture folder/);
  });
});

describe.skipIf(!FIXTURE)('rfedit on the tiny FLUX.1 export, end to end', () => {
  it('`rfedit model check` finds the optimum-layout export usable', async () => {
    const io = capture();
    expect(await main(['model', 'check', join(FIXTURE!, 'model'), '--json'], io)).toBe(0);
    const report = JSON.parse(io.stdout[0]);
    expect(report.findings.filter((f: { level: string }) => f.level !== 'ok')).toEqual([]);
    expect(report.findings.map((f: { where: string }) => f.where)).toEqual(
      expect.arrayContaining([
        'tokenizer',
        'tokenizer_2',
        'text_encoder',
        'text_encoder_2',
        'transformer',
        'vae_encoder',
        'vae_decoder',
      ]),
    );
  });

  it('`rfedit edit --model` runs tokenizers, both text encoders, the transformer and the VAE, in either convention', async () => {
    const dir = tempDir('rfedit-golden-edit-');
    // A 192×128 copy of the test photo keeps the run short; the pipeline is the same at any size.
    const small = join(dir, 'photo.png');
    await sharp(PHOTO_PATH).resize(192, 128).png().toFile(small);
    for (const convention of ['diffusers', 'consistent']) {
      const io = capture();
      const out = join(dir, `${convention}.png`);
      const code = await main(
        [
          'edit',
          small,
          '--prompt',
          'a red apple',
          '--seed',
          '7',
          '--convention',
          convention,
          '--model',
          join(FIXTURE!, 'model'),
          '--data-dir',
          dir,
          '--out',
          out,
          '--json',
        ],
        io,
      );
      expect(code, io.stderrLines.join('\n')).toBe(0);
      const report = JSON.parse(io.stdout[0]);
      expect(report).toMatchObject({
        width: 192,
        height: 128,
        transformerCalls: { invert: 28, edit: 28 },
        inversionCached: false,
      });
      expect(report.params).toMatchObject({ convention, steps: 28, gamma: 0.5, eta: 0.9, start: 0, stop: 7 });
      expect(report.timingsMs['encode-prompt']).toBeGreaterThan(0);
      const meta = await sharp(readFileSync(out)).metadata();
      expect([meta.width, meta.height]).toEqual([192, 128]);
    }
  });

  it('rejects an unknown --convention with the choices', async () => {
    const io = capture();
    expect(
      await main(
        [
          'edit',
          PHOTO_PATH,
          '--prompt',
          'red',
          '--convention',
          'sideways',
          '--model',
          join(FIXTURE!, 'model'),
          '--data-dir',
          tempDir(),
        ],
        io,
      ),
    ).toBe(1);
    expect(io.stderrLines.join('\n')).toMatch(/convention must be one of consistent, diffusers/);
  });
});

describe.skipIf(!FIXTURE)('variants of the same weights (test/fixtures/tiny-flux-variants)', () => {
  it('an fp16-I/O export (weights rounded to fp16) agrees with the fp32 goldens at fp16 tolerance', async () => {
    const model = variantModel('fp16-io');
    const io = readDeclaredIo(join(model, 'transformer', 'model.onnx'));
    expect(io.inputs.find((t) => t.name === 'hidden_states')?.type).toBe('float16');
    expect(io.outputs[0].type).toBe('float16');
    const report = await runGoldenCheck(FIXTURE!, { modelDir: model });
    expect(firstDrift(report.runs[0])).toBeNull();
    expect(report.runs[0].tolerance).toEqual(FP16_TOLERANCE);
    // fp16 is really in effect: the encoder drifts by more than fp32 ever does, and still within tolerance.
    expect(report.runs[0].results.find((r) => r.stage.startsWith('vae encode'))?.detail).toMatch(
      /relative [0-9.]+e-(3|4)/,
    );
  });

  it('a no-guidance (schnell-like) export with a fixed-shift schedule reproduces its own diffusers goldens', async () => {
    const model = variantModel('no-guidance');
    expect(readDeclaredIo(join(model, 'transformer', 'model.onnx')).inputs.map((t) => t.name)).not.toContain(
      'guidance',
    );
    const check = capture();
    expect(await main(['model', 'check', model], check)).toBe(0);
    const report = await runGoldenCheck(join(VARIANTS, 'no-guidance'), { modelDir: model });
    expect(firstDrift(report.runs[0])).toBeNull();
    expect(report.runs[0].results.map((r) => r.stage)).not.toContain('schedule: mu');
  });
});
