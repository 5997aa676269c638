/**
 * Checks a model export against the goldens of a fixture folder, stage by stage, once per execution provider.
 * `rfedit golden` and the golden test both run this, so a new export variant is checked without a new test.
 */
import { readDeclaredIo } from '../flux/declared-io.ts';
import { componentPath } from '../flux/model-files.ts';
import { loadFluxModel } from '../flux/model.ts';
import type { EngineLogger, ExecutionProviderName } from '../flux/onnx-session.ts';
import { type Fixture, openFixture } from './fixture.ts';
import { checkOnnxDyn } from './onnx-dyn.ts';
import { RawSessions } from './raw-sessions.ts';
import { checkRfInversion } from './rf-inversion.ts';
import { FP16_TOLERANCE, FP32_TOLERANCE, StageLog, type StageResult, type Tolerance } from './stages.ts';
import { checkText } from './text.ts';

export interface GoldenCheckOptions {
  /** A model folder to check instead of the fixture's model/ (e.g. an fp16 variant of the same weights). */
  modelDir?: string;
  /** Each provider is checked on its own, in order. @default ['cpu'] */
  providers?: readonly ExecutionProviderName[];
  /** Told every stage as it finishes. */
  onStage?: (provider: ExecutionProviderName, result: StageResult) => void;
  /** Told when a provider cannot start here (and is skipped). */
  onSkip?: (provider: ExecutionProviderName, reason: string) => void;
}

export interface ProviderRun {
  provider: ExecutionProviderName;
  /** Why the provider was skipped; absent when it ran. */
  skipped?: string;
  tolerance: Tolerance;
  results: StageResult[];
  firstFailure: StageResult | null;
}

export interface GoldenCheckReport {
  fixture: Fixture;
  runs: ProviderRun[];
  /** Every provider that could start agreed at every stage, and at least one could. */
  ok: boolean;
}

/** fp16 tolerances for fp16 I/O or a GPU provider (GPU kernels may compute in reduced precision). */
function toleranceFor(modelDir: string, provider: ExecutionProviderName): Tolerance {
  if (provider !== 'cpu') return FP16_TOLERANCE;
  const io = readDeclaredIo(componentPath(modelDir, 'transformer'));
  return [...io.inputs, ...io.outputs].some((t) => t.type === 'float16') ? FP16_TOLERANCE : FP32_TOLERANCE;
}

/** Collects the reason a provider fell back, from the session code's warning. */
function fallbackLogger(): EngineLogger & { reasons: string[] } {
  const reasons: string[] = [];
  return {
    reasons,
    debug() {},
    info() {},
    warn(fields) {
      const reason = (fields as { reason?: unknown }).reason;
      reasons.push(typeof reason === 'string' ? reason : JSON.stringify(fields));
    },
  };
}

/** onnxruntime's messages start with a source location and a failed assertion; keep the last sentence. */
function shortReason(reason: string): string {
  const line = reason.split('\n')[0].trim();
  const sentences = line.split(/(?<=\.) (?=[A-Z])/);
  return sentences.at(-1) ?? line;
}

async function runProvider(
  fixture: Fixture,
  provider: ExecutionProviderName,
  options: GoldenCheckOptions,
): Promise<ProviderRun> {
  const tolerance = toleranceFor(fixture.modelDir, provider);
  const logger = fallbackLogger();
  const model = loadFluxModel(fixture.modelDir, { executionProviders: [provider], logger });
  const raw = new RawSessions(fixture.modelDir, { executionProviders: [provider], intraOpNumThreads: 0, logger });
  try {
    // Opening the transformer tells whether the provider starts; a fallback to the CPU is a skip, not a pass.
    await model.hasGuidance();
    if (logger.reasons.length > 0) {
      const reason = shortReason(logger.reasons[0]);
      options.onSkip?.(provider, reason);
      return { provider, skipped: reason, tolerance, results: [], firstFailure: null };
    }
    const log = new StageLog(tolerance, (r) => options.onStage?.(provider, r));
    const { golden } = fixture;
    if (golden['rf-inversion']) await checkRfInversion(model, golden['rf-inversion'], log);
    if (golden['onnx-dyn']) await checkOnnxDyn(model, raw, golden['onnx-dyn'], log);
    if (golden.text) await checkText(model, raw, golden.text, fixture.modelDir, log);
    if (logger.reasons.length > 0)
      log.add('execution provider', false, `a session fell back from ${provider}: ${logger.reasons[0]}`);
    return { provider, tolerance, results: log.results, firstFailure: log.firstFailure };
  } finally {
    await Promise.all([model.close(), raw.close()]);
  }
}

export async function runGoldenCheck(fixtureDir: string, options: GoldenCheckOptions = {}): Promise<GoldenCheckReport> {
  const fixture = openFixture(fixtureDir, options.modelDir);
  const runs: ProviderRun[] = [];
  for (const provider of options.providers ?? ['cpu']) runs.push(await runProvider(fixture, provider, options));
  const ran = runs.filter((r) => !r.skipped);
  return { fixture, runs, ok: ran.length > 0 && ran.every((r) => r.firstFailure === null) };
}
