/** `rfedit edit <image> --prompt "<text>" [options]`: one edit, written to a file. A thin shell over the engine. */
import { randomInt } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { promptWordsNote } from '../commands/prompt-words.ts';
import { UserInputError } from '../errors.ts';
import { createEngineFromSettings } from '../engine/index.ts';
import type { EditParams, EditRequest, EditResult } from '../engine/types.ts';
import { type GridKind, gridOfRequest } from '../commands/grid.ts';
import { GRID_SIZE } from '../commands/grid-size.ts';
import { type CliIo, stderrLogger } from './io.ts';
import { progressBar } from './progress-bar.ts';
import { engineSettings } from './settings.ts';

export const EDIT_USAGE = `Usage: rfedit edit <image> --prompt "<text>" [options]

  --strength s       0 = give me my photo back … 1 = follow the prompt freely (default 0.5)
  --preset p         object-insert | gender-edit | age-edit | add-glasses | stylize | stroke-to-image
  --seed n           editing seed (random if omitted)
  --steps n          inversion and editing steps (default 28)
  --gamma g          inversion controller guidance γ (default 0.5)
  --eta e            editing controller strength η
  --start i --stop j controller window in steps
  --guidance g       FLUX.1-dev distilled guidance (default 3.5)
  --sampler s        ode | sde | sde-paper
  --method m         rf-inversion | sdedit
  --convention c     consistent | diffusers: the inversion's time convention (default from engine.convention:
                     consistent; diffusers reproduces the community pipeline's results)
  --model dir        a FLUX.1 ONNX export (default: the built-in demo model)
  --data-dir dir     where the demo model and caches live (default: from the config, ./data)
  --out file         output path (default: <image>-edit-<seed>.<ext>)
  --max-bytes n      keep the output under n bytes (JPEG/WebP if PNG is too big)
  --count 4          four results to pick from, from one inversion: a 2×2 grid in --out, each at full size
                     beside it (<out>-1.png …)
  --sweep            the edit at strengths 0.25, 0.5, 0.75 and 1, from one inversion, the same way
  --json             print one JSON object on stdout`;

const OPTIONS = {
  prompt: { type: 'string' },
  strength: { type: 'string' },
  preset: { type: 'string' },
  seed: { type: 'string' },
  steps: { type: 'string' },
  gamma: { type: 'string' },
  eta: { type: 'string' },
  start: { type: 'string' },
  stop: { type: 'string' },
  guidance: { type: 'string' },
  sampler: { type: 'string' },
  method: { type: 'string' },
  convention: { type: 'string' },
  model: { type: 'string' },
  'data-dir': { type: 'string' },
  out: { type: 'string' },
  'max-bytes': { type: 'string' },
  count: { type: 'string' },
  sweep: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function numberFlag(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) {
    throw new UserInputError('option_invalid', `--${name} needs a number; got "${raw}".`);
  }
  return value;
}

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function toRequest(image: Uint8Array, flags: Flags): EditRequest {
  const overrides: Partial<Omit<EditParams, 'strength' | 'preset'>> = {};
  for (const key of ['seed', 'steps', 'gamma', 'eta', 'start', 'stop', 'guidance'] as const) {
    const value = numberFlag(key, flags[key]);
    if (value !== undefined) overrides[key] = value;
  }
  if (flags.sampler !== undefined) overrides.sampler = flags.sampler as EditParams['sampler'];
  if (flags.method !== undefined) overrides.method = flags.method as EditParams['method'];
  if (flags.convention !== undefined) overrides.convention = flags.convention as EditParams['convention'];
  const strength = numberFlag('strength', flags.strength);
  const maxOutputBytes = numberFlag('max-bytes', flags['max-bytes']);
  return {
    image,
    prompt: flags.prompt ?? '',
    ...(strength !== undefined ? { strength } : {}),
    ...(flags.preset !== undefined ? { preset: flags.preset } : {}),
    ...(maxOutputBytes !== undefined ? { maxOutputBytes } : {}),
    overrides,
  };
}

const EXTENSIONS: Record<EditResult['mime'], string> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/webp': '.webp',
};

/** Checked before the edit runs, so a typo in --out costs no minutes of work. */
function checkOutPath(out: string): void {
  if (statSync(out, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UserInputError(
      'option_invalid',
      `--out ${out} is a folder; give a file name, e.g. --out ${join(out, 'edit.png')}.`,
    );
  }
  if (!statSync(dirname(out), { throwIfNoEntry: false })?.isDirectory()) {
    throw new UserInputError('option_invalid', `--out ${out}: there is no folder ${dirname(out)}; create it first.`);
  }
}

function writeOutput(out: string, bytes: Uint8Array): void {
  try {
    writeFileSync(out, bytes);
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
    throw new UserInputError('output_unwritable', `Could not write ${out} (${reason}); choose another --out.`, {
      cause,
    });
  }
}

function gridFlag(flags: Flags): GridKind | undefined {
  const count = numberFlag('count', flags.count);
  if (count !== undefined && count !== 1 && count !== GRID_SIZE)
    throw new UserInputError('option_invalid', `--count is 1 or ${GRID_SIZE}; got ${count}.`);
  if (flags.sweep && count === GRID_SIZE)
    throw new UserInputError('option_invalid', '--sweep already makes four results; leave out --count.');
  if (flags.sweep && flags.strength !== undefined)
    throw new UserInputError(
      'option_invalid',
      '--sweep shows the strengths 0.25, 0.5, 0.75 and 1; leave out --strength.',
    );
  return flags.sweep ? 'sweep' : count === GRID_SIZE ? 'candidates' : undefined;
}

export async function runEdit(argv: string[], io: CliIo): Promise<number> {
  const { values: flags, positionals } = parseArgs({
    args: argv,
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  if (flags.help) {
    io.out(EDIT_USAGE);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UserInputError('option_invalid', `Give exactly one image file.\n\n${EDIT_USAGE}`);
  const imagePath = resolve(positionals[0]);
  let image: Uint8Array;
  try {
    image = readFileSync(imagePath);
  } catch (cause) {
    throw new UserInputError('image_missing', `Cannot read ${imagePath}.`, { cause });
  }
  const request = toRequest(image, flags);
  const gridKind = gridFlag(flags);
  if (flags.out !== undefined) checkOutPath(resolve(flags.out));
  const engine = createEngineFromSettings({
    ...engineSettings({ model: flags.model, dataDir: flags['data-dir'] }),
    logger: stderrLogger(io),
  });
  if (gridKind)
    Object.assign(
      request,
      gridOfRequest(
        gridKind,
        request,
        (r) => engine.resolveParams(r),
        () => randomInt(0, 0xffff_ffff),
      ),
    );
  const bar = progressBar(io.stderr, io.stderr.isTTY === true && !flags.json);
  try {
    const result = await engine.edit(request, (p) => bar.update(p));
    bar.done();
    const out = resolve(
      flags.out ?? `${basename(imagePath, extname(imagePath))}-edit-${result.params.seed}${EXTENSIONS[result.mime]}`,
    );
    writeOutput(out, result.image);
    const cellFiles = (result.cells ?? []).map((cell, i) => {
      const file = `${out.slice(0, out.length - extname(out).length)}-${i + 1}${EXTENSIONS[cell.mime]}`;
      writeOutput(file, cell.image);
      return file;
    });
    if (flags.json) {
      io.out(
        JSON.stringify({
          output: out,
          ...(cellFiles.length > 0 ? { cells: cellFiles } : {}),
          width: result.width,
          height: result.height,
          mime: result.mime,
          seed: result.params.seed,
          params: result.params,
          transformerCalls: result.transformerCalls,
          inversionCached: result.inversionCached,
          timingsMs: result.timingsMs,
        }),
      );
    } else {
      if (cellFiles.length > 0)
        io.err(`Wrote the ${cellFiles.length} cells at full size: ${cellFiles.map((f) => basename(f)).join(', ')}.`);
      io.err(
        `Wrote ${out} (${result.width}×${result.height}, seed ${result.params.seed}, ${result.transformerCalls.invert}+${result.transformerCalls.edit} transformer calls${result.inversionCached ? ', inversion from cache' : ''}, ${(result.timingsMs.total / 1000).toFixed(1)} s).`,
      );
      const note = promptWordsNote(result.params, { helpHint: false });
      if (note) io.err(note);
    }
    return 0;
  } finally {
    bar.done();
    await engine.close();
  }
}
