/**
 * Stage-by-stage comparison with a golden: each stage reports its worst error against its tolerance, and a
 * run names the first stage that drifts.
 */

/** How close is close enough: float stages relative to the reference's largest magnitude, images in levels. */
export interface Tolerance {
  /** max|Δ| / max|ref| for float tensors. */
  readonly relative: number;
  /** Largest difference per channel of an 8-bit image. */
  readonly levels: number;
  /** Absolute, for times and sigmas fed to the model. */
  readonly time: number;
}

/** fp32 on the CPU: what the goldflux README measured, with headroom (worst seen 2.4e-6 relative). */
export const FP32_TOLERANCE: Tolerance = { relative: 1e-5, levels: 1, time: 1e-6 };
/** fp16 I/O or a GPU provider: fp16 has 11 significant bits (4.9e-4), and 56 transformer calls compound them. */
export const FP16_TOLERANCE: Tolerance = { relative: 2e-2, levels: 4, time: 1e-3 };

export interface StageResult {
  readonly stage: string;
  readonly ok: boolean;
  /** What was compared and how far apart, in words. */
  readonly detail: string;
}

export interface Drift {
  /** Largest absolute difference. */
  readonly maxAbs: number;
  /** Largest magnitude in the reference. */
  readonly maxRef: number;
  /** Index of the largest difference. */
  readonly at: number;
}

export function drift(got: ArrayLike<number>, want: ArrayLike<number>): Drift {
  if (got.length !== want.length) return { maxAbs: Infinity, maxRef: 0, at: -1 };
  let maxAbs = 0;
  let maxRef = 0;
  let at = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    // NaN compares false everywhere: count it as infinitely far.
    if (!(d <= maxAbs)) {
      maxAbs = Number.isNaN(d) ? Infinity : d;
      at = i;
    }
    maxRef = Math.max(maxRef, Math.abs(want[i]));
  }
  return { maxAbs, maxRef, at };
}

export function relative(d: Drift): number {
  return d.maxAbs / Math.max(d.maxRef, 1e-12);
}

export function describeDrift(d: Drift, sizes?: { got: number; want: number }): string {
  if (d.at < 0) return `length ${sizes?.got ?? '?'} vs ${sizes?.want ?? '?'}`;
  return `max|Δ| ${d.maxAbs.toExponential(2)} (relative ${relative(d).toExponential(2)}, max|ref| ${d.maxRef.toPrecision(3)})`;
}

/** Collects stage results in order and tells progress as it goes. */
export class StageLog {
  readonly results: StageResult[] = [];

  constructor(
    readonly tolerance: Tolerance,
    private readonly onStage: (result: StageResult) => void = () => {},
  ) {}

  add(stage: string, ok: boolean, detail: string): boolean {
    const result = { stage, ok, detail };
    this.results.push(result);
    this.onStage(result);
    return ok;
  }

  /** A float tensor against its golden, relative tolerance. */
  floats(stage: string, got: ArrayLike<number>, want: ArrayLike<number>, note = ''): boolean {
    const d = drift(got, want);
    const ok = relative(d) <= this.tolerance.relative;
    return this.add(stage, ok, `${describeDrift(d, { got: got.length, want: want.length })}${note ? `; ${note}` : ''}`);
  }

  /** Numbers that must agree exactly (token ids, positions). */
  exact(stage: string, got: ArrayLike<number>, want: ArrayLike<number>, what: string): boolean {
    const d = drift(got, want);
    const ok = d.maxAbs === 0;
    return this.add(
      stage,
      ok,
      ok ? `${what} equal (${want.length})` : `${what} differ first at index ${firstDifference(got, want)}`,
    );
  }

  /** 8-bit images, in levels per channel. */
  image(stage: string, got: Uint8Array, want: Uint8Array): boolean {
    const d = drift(got, want);
    let differing = 0;
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) differing++;
    const ok = d.maxAbs <= this.tolerance.levels;
    return this.add(
      stage,
      ok,
      d.at < 0
        ? `length ${got.length} vs ${want.length}`
        : `max ${d.maxAbs} level(s) per channel; ${differing} of ${want.length} bytes differ`,
    );
  }

  get firstFailure(): StageResult | null {
    return this.results.find((r) => !r.ok) ?? null;
  }
}

function firstDifference(got: ArrayLike<number>, want: ArrayLike<number>): number {
  const n = Math.max(got.length, want.length);
  for (let i = 0; i < n; i++) if (got[i] !== want[i]) return i;
  return -1;
}
