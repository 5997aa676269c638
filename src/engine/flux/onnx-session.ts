/**
 * The only place that creates onnxruntime sessions. Sessions load lazily, by path (so external weight files
 * over 2 GiB never pass through a Buffer), on the first execution provider that works, falling back in
 * order with a logged reason. Tensors cross the edge as Float32Array / number[] and are converted to the
 * dtype each input declares (fp16 as raw halves, int64 as BigInt64Array).
 */
import * as ort from 'onnxruntime-node';
import { ModelError } from '../../errors.ts';
import { float32ToHalves, halvesToFloat32 } from './float16.ts';

export type ExecutionProviderName = 'cuda' | 'webgpu' | 'cpu';

/** pino-compatible; the engine never needs more than this. */
export interface EngineLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export const silentLogger: EngineLogger = { debug() {}, info() {}, warn() {} };

export interface SessionSettings {
  /** Tried in order; 'cpu' is always the last resort. */
  executionProviders: readonly ExecutionProviderName[];
  /** Shared by a model's sessions: providers that already failed are not tried again, and sessions open one at
   *  a time so a missing provider is probed (and logged) once and load peaks stay low. */
  shared?: { failedProviders: Set<ExecutionProviderName>; opening: Promise<unknown> };
  /** 0 lets onnxruntime choose. */
  intraOpNumThreads: number;
  logger: EngineLogger;
}

export interface TensorInfo {
  name: string;
  type: string;
  /** Empty when the model does not declare a shape; strings are symbolic dimensions. */
  shape: ReadonlyArray<number | string>;
}

export interface LoadedSession {
  session: ort.InferenceSession;
  provider: ExecutionProviderName;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

function describe(metadata: readonly ort.InferenceSession.ValueMetadata[], names: readonly string[]): TensorInfo[] {
  return names.map((name) => {
    const meta = metadata.find((m) => m.name === name);
    if (meta?.isTensor) return { name, type: meta.type, shape: meta.shape };
    return { name, type: 'unknown', shape: [] };
  });
}

/** One model file; opened on first use and kept until close(). */
export class LazySession {
  private loading: Promise<LoadedSession> | null = null;

  constructor(
    readonly path: string,
    private readonly settings: SessionSettings,
  ) {}

  get(): Promise<LoadedSession> {
    if (!this.loading) {
      const shared = this.settings.shared;
      this.loading = shared ? shared.opening.catch(() => undefined).then(() => this.open()) : this.open();
      if (shared) shared.opening = this.loading;
    }
    return this.loading;
  }

  private async open(): Promise<LoadedSession> {
    const failed = this.settings.shared?.failedProviders;
    const providers = [
      ...this.settings.executionProviders.filter((p) => p !== 'cpu' && !failed?.has(p)),
      'cpu' as const,
    ];
    let lastError: unknown;
    for (const provider of providers) {
      try {
        const session = await ort.InferenceSession.create(this.path, {
          executionProviders: [provider],
          graphOptimizationLevel: 'all',
          // onnxruntime prints a failed provider library load itself; we log the reason once, below.
          logSeverityLevel: provider === 'cpu' ? 2 : 4,
          ...(this.settings.intraOpNumThreads > 0 ? { intraOpNumThreads: this.settings.intraOpNumThreads } : {}),
        });
        this.settings.logger.debug({ path: this.path, provider }, 'onnx session ready');
        return {
          session,
          provider,
          inputs: describe(session.inputMetadata, session.inputNames),
          outputs: describe(session.outputMetadata, session.outputNames),
        };
      } catch (error) {
        lastError = error;
        if (provider !== 'cpu') {
          failed?.add(provider);
          this.settings.logger.warn(
            { path: this.path, provider, reason: error instanceof Error ? error.message : String(error) },
            `execution provider ${provider} unavailable, falling back`,
          );
        }
      }
    }
    this.loading = null;
    throw new ModelError('model_load_failed', `Could not load ${this.path}: ${errorText(lastError)}`, {
      cause: lastError,
    });
  }

  async close(): Promise<void> {
    const loading = this.loading;
    this.loading = null;
    if (!loading) return;
    try {
      await (await loading).session.release();
    } catch {
      // A session that failed to open has nothing to release.
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A float input in whatever float dtype the model declares. */
export function floatTensor(info: TensorInfo, values: Float32Array, dims: readonly number[]): ort.Tensor {
  if (info.type === 'float16') return new ort.Tensor('float16', float32ToHalves(values), dims);
  if (info.type === 'float32') return new ort.Tensor('float32', values, dims);
  throw unsupportedType(info, 'float32 or float16');
}

/** An id or position input: int64, int32 or a float type, as the model declares. */
export function numberTensor(info: TensorInfo, values: ArrayLike<number>, dims: readonly number[]): ort.Tensor {
  switch (info.type) {
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(Array.from(values, (v) => BigInt(Math.trunc(v)))), dims);
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(values), dims);
    case 'float32':
      return new ort.Tensor('float32', Float32Array.from(values), dims);
    case 'float16':
      return new ort.Tensor('float16', float32ToHalves(values), dims);
    default:
      throw unsupportedType(info, 'int64, int32, float32 or float16');
  }
}

/** Reads a float output as Float32Array whatever its dtype. */
export function readFloats(tensor: ort.Tensor, name: string): Float32Array {
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  if (tensor.type === 'float16') return halvesToFloat32(tensor.data as Uint16Array);
  throw new ModelError(
    'model_output_dtype',
    `Output ${name} is ${tensor.type}; rfedit reads float32 or float16 outputs.`,
  );
}

function unsupportedType(info: TensorInfo, expected: string): ModelError {
  return new ModelError(
    'model_input_dtype',
    `Input ${info.name} is ${info.type}; rfedit feeds ${expected}.` +
      (info.type === 'bfloat16' ? ' onnxruntime-node has no bfloat16 tensors: re-export with fp16 or fp32 I/O.' : ''),
    { details: { input: info.name, type: info.type } },
  );
}

/** Picks the first of several accepted names (exports differ), or throws naming what was found. */
export function pickName(
  available: readonly TensorInfo[],
  accepted: readonly string[],
  what: string,
  component: string,
): TensorInfo {
  for (const name of accepted) {
    const found = available.find((info) => info.name === name);
    if (found) return found;
  }
  throw new ModelError(
    'model_io_names',
    `${component} has no ${what} (expected ${accepted.join(' or ')}; found ${available.map((a) => a.name).join(', ') || 'none'}).`,
    { details: { component, accepted, found: available.map((a) => a.name) } },
  );
}

export function findName(available: readonly TensorInfo[], accepted: readonly string[]): TensorInfo | null {
  for (const name of accepted) {
    const found = available.find((info) => info.name === name);
    if (found) return found;
  }
  return null;
}
