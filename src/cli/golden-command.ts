/**
 * `rfedit golden <fixture-dir> [--model dir] [--providers webgpu,cpu]` (also `npm run golden -- …`): checks a
 * FLUX.1 export against the diffusers goldens of a fixture folder made by the goldflux scripts, stage by stage,
 * on each execution provider that can start. Exit 0 only when every stage agrees.
 */
import { parseArgs } from 'node:util';
import { UserInputError } from '../errors.ts';
import type { ExecutionProviderName } from '../engine/flux/onnx-session.ts';
import { runGoldenCheck } from '../engine/golden/run.ts';
import type { CliIo } from './io.ts';

export const GOLDEN_USAGE = `Usage: rfedit golden <fixture-dir> [--model dir] [--providers webgpu,cpu]

  Checks a FLUX.1 ONNX export against golden outputs of the diffusers reference code, stage by stage
  (packing, VAE encode, schedule, every transformer call of the inversion and the edit, decode, the text path).
  <fixture-dir>  a folder with golden/rf-inversion, golden/onnx-dyn and/or golden/text (and model/)
  --model dir    check this export instead of <fixture-dir>/model (a variant of the same weights)
  --providers p  execution providers to check, each on its own (default cpu); one that cannot start is skipped`;

const PROVIDERS: readonly ExecutionProviderName[] = ['cuda', 'webgpu', 'cpu'];

function parseProviders(raw: string | undefined): ExecutionProviderName[] {
  if (raw === undefined) return ['cpu'];
  const names = raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const unknown = names.filter((p) => !PROVIDERS.includes(p as ExecutionProviderName));
  if (names.length === 0 || unknown.length > 0) {
    throw new UserInputError(
      'option_invalid',
      `--providers takes a comma-separated list of ${PROVIDERS.join(', ')}; got "${raw}".`,
    );
  }
  return names as ExecutionProviderName[];
}

export async function runGolden(argv: string[], io: CliIo): Promise<number> {
  const { values: flags, positionals } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      providers: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (flags.help) {
    io.out(GOLDEN_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    io.err(GOLDEN_USAGE);
    return 2;
  }
  const providers = parseProviders(flags.providers);
  const report = await runGoldenCheck(positionals[0], {
    ...(flags.model ? { modelDir: flags.model } : {}),
    providers,
    onStage: (provider, r) => io.out(`${r.ok ? 'ok  ' : 'FAIL'} [${provider}] ${r.stage}: ${r.detail}`),
    onSkip: (provider, reason) => io.out(`skip [${provider}] cannot start here: ${reason}`),
  });
  io.out(`Model ${report.fixture.modelDir} against ${report.fixture.dir}:`);
  for (const run of report.runs) {
    if (run.skipped) io.out(`  ${run.provider}: skipped (cannot start here)`);
    else if (run.firstFailure)
      io.out(`  ${run.provider}: FIRST DRIFT at "${run.firstFailure.stage}": ${run.firstFailure.detail}`);
    else
      io.out(
        `  ${run.provider}: all ${run.results.length} stages agree (relative tolerance ${run.tolerance.relative}, images within ${run.tolerance.levels} level(s))`,
      );
  }
  if (!report.runs.some((r) => !r.skipped)) io.out('No execution provider could start; nothing was checked.');
  return report.ok ? 0 : 1;
}
