import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { PHOTO_PATH, demoModel, tempDir } from './helpers.ts';

function capture(): CliIo & { stdout: string[]; stderrLines: string[] } {
  const stdout: string[] = [];
  const stderrLines: string[] = [];
  return { stdout, stderrLines, out: (l) => stdout.push(l), err: (l) => stderrLines.push(l), stderr: process.stderr };
}

describe('rfedit edit', () => {
  it('writes the edited image and prints one JSON object with --json', async () => {
    const dir = tempDir();
    const io = capture();
    const out = join(dir, 'out.png');
    const code = await main(
      [
        'edit',
        PHOTO_PATH,
        '--prompt',
        'red',
        '--steps',
        '6',
        '--seed',
        '9',
        '--data-dir',
        dir,
        '--model',
        demoModel({}, dir),
        '--out',
        out,
        '--json',
      ],
      io,
    );
    expect(code).toBe(0);
    expect(io.stdout).toHaveLength(1);
    const report = JSON.parse(io.stdout[0]);
    expect(report).toMatchObject({
      output: out,
      seed: 9,
      mime: 'image/png',
      inversionCached: false,
      transformerCalls: { invert: 6, edit: 6 },
    });
    expect(report.params).toMatchObject({ steps: 6, gamma: 0.5, sampler: 'ode', method: 'rf-inversion' });
    expect(Object.keys(report.timingsMs)).toEqual(
      expect.arrayContaining(['prepare', 'invert', 'edit', 'decode', 'total']),
    );
    const meta = await sharp(readFileSync(out)).metadata();
    expect([meta.width, meta.height]).toEqual([report.width, report.height]);
  });

  it('explains a bad flag value and exits 1', async () => {
    const io = capture();
    expect(await main(['edit', PHOTO_PATH, '--prompt', 'red', '--strength', 'lots'], io)).toBe(1);
    expect(io.stderrLines.join('\n')).toMatch(/--strength needs a number/);
  });

  it.each([
    [
      'a missing folder',
      (dir: string) => join(dir, 'no-such-folder', 'out.png'),
      /^--out .*out\.png: there is no folder .*no-such-folder; create it first\.$/,
    ],
    ['a folder', (dir: string) => dir, /^--out .* is a folder; give a file name, e\.g\. --out .*edit\.png\.$/],
  ])('refuses --out to %s in one line, exit 1, before any editing', async (_, out, says) => {
    const dir = tempDir();
    const io = capture();
    expect(
      await main(
        ['edit', PHOTO_PATH, '--prompt', 'red', '--data-dir', dir, '--model', join(dir, 'no-model'), '--out', out(dir)],
        io,
      ),
    ).toBe(1);
    expect(io.stderrLines).toHaveLength(1);
    expect(io.stderrLines[0]).toMatch(says);
  });

  it('reports an empty prompt in plain words', async () => {
    const dir = tempDir();
    const io = capture();
    expect(await main(['edit', PHOTO_PATH, '--data-dir', dir, '--model', demoModel({}, dir)], io)).toBe(1);
    expect(io.stderrLines.join('\n')).toMatch(/describe the edit/);
  });
});

describe('rfedit model check', () => {
  it('exits 0 for a usable export', async () => {
    const io = capture();
    expect(await main(['model', 'check', demoModel()], io)).toBe(0);
    expect(io.stdout.at(-1)).toMatch(/looks usable/);
  });

  it('exits 1 and prints the fix for a broken one', async () => {
    const io = capture();
    expect(await main(['model', 'check', join(tempDir(), 'empty')], io)).toBe(1);
    expect(io.stdout.join('\n')).toMatch(/does not exist/);
  });
});

describe('rfedit demo generate', () => {
  it('generates the demo model into a given folder', async () => {
    const dir = join(tempDir(), 'demo');
    expect(await main(['demo', 'generate', dir], capture())).toBe(0);
    expect(existsSync(join(dir, 'transformer', 'model.onnx'))).toBe(true);
  });
});
