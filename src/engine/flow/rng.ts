/**
 * Seeded Gaussian numbers that are the same on every machine.
 *
 * Uniforms come from xoshiro128** (integer-only: Math.imul, shifts, xor), seeded through splitmix32, so the
 * bit stream is exact everywhere. Normals use the Marsaglia–Tsang ziggurat (128 layers): about 99% of draws
 * cost one integer, one comparison and one multiplication, which keeps a 1024² latent's worth of noise under a
 * millisecond. The tables and the rare slow path use Math.exp/Math.log, which V8 implements with its own port
 * of fdlibm rather than the platform libm, so Node gives the same bits on x64 and arm64.
 */
import { checkSeed } from './validate.ts';

const TWO_POW_32 = 4294967296;
const ZIGGURAT_R = 3.442619855899; // start of the tail of the 128-layer normal ziggurat
const ZIGGURAT_AREA = 9.91256303526217e-3; // area of each layer

/** Layer tables: k = acceptance thresholds on the 25-bit value, w = value scale, f = density at layer edges. */
const ZIGGURAT = buildZiggurat();

function buildZiggurat(): { k: Int32Array; w: Float64Array; f: Float64Array } {
  const m = 2 ** 24; // values are signed 25-bit integers
  const kExact = new Float64Array(128);
  const w = new Float64Array(128);
  const f = new Float64Array(128);
  let d = ZIGGURAT_R;
  let t = d;
  const q = ZIGGURAT_AREA / Math.exp(-0.5 * d * d);
  kExact[0] = (d / q) * m;
  kExact[1] = 0;
  w[0] = q / m;
  w[127] = d / m;
  f[0] = 1;
  f[127] = Math.exp(-0.5 * d * d);
  for (let i = 126; i >= 1; i--) {
    d = Math.sqrt(-2 * Math.log(ZIGGURAT_AREA / d + Math.exp(-0.5 * d * d)));
    kExact[i + 1] = (d / t) * m;
    t = d;
    f[i] = Math.exp(-0.5 * d * d);
    w[i] = d / m;
  }
  // For an integer h, |h| < k exactly when |h| < ceil(k): integer thresholds keep the hot comparison in int32.
  const k = Int32Array.from(kExact, Math.ceil);
  return { k, w, f };
}

export class GaussianRng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed: number) {
    checkSeed('seed', seed);
    // Fold both halves of a 53-bit seed into splitmix32's state so that every seed gives its own stream.
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_POW_32) >>> 0;
    let state = (low ^ Math.imul(high, 0x9e3779b9)) >>> 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next() ^ high;
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** The next 32 random bits, as an unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in the open interval (0, 1). */
  private nextUniform(): number {
    return (this.nextUint32() + 0.5) / TWO_POW_32;
  }

  /** One standard normal number (the same ziggurat as fillNormal, one draw at a time). */
  nextNormal(): number {
    return this.fillNormal(this.single)[0];
  }

  private readonly single = new Float32Array(1);

  /**
   * Fills `out` with standard normal numbers, in place. The fast path runs on locals with no calls; the ~1%
   * of draws that land in a wedge or the tail are noted and finished in a second pass (keeping the slow path
   * out of the hot loop halves its cost). Deterministic, but not the same sequence as repeated nextNormal().
   */
  fillNormal(out: Float32Array): Float32Array {
    const { k, w } = ZIGGURAT;
    let pending = this.pending;
    let rejected = 0;
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < out.length; i++) {
      // xoshiro128** inlined
      const r = Math.imul(s1, 5);
      const u = Math.imul((r << 7) | (r >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const layer = u & 127;
      const h = u >> 7;
      if (Math.abs(h) < k[layer]) {
        out[i] = h * w[layer];
      } else {
        if (2 * rejected + 2 > pending.length) pending = this.growPending();
        pending[2 * rejected] = i;
        pending[2 * rejected + 1] = u;
        rejected++;
      }
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    for (let j = 0; j < rejected; j++) {
      const u = pending[2 * j + 1];
      out[pending[2 * j]] = this.normalSlowPath(u >> 7, u & 127);
    }
    return out;
  }

  /** Rejected draws of one fill: (index, raw bits) pairs; grown rarely and kept, so steady state allocates nothing. */
  private pending: Int32Array = new Int32Array(2048);

  private growPending(): Int32Array {
    const grown = new Int32Array(this.pending.length * 2);
    grown.set(this.pending);
    this.pending = grown;
    return grown;
  }

  /** The rare case (about 1%): the base strip's tail, or a wedge between two layers. */
  private normalSlowPath(h: number, layer: number): number {
    const { k, w, f } = ZIGGURAT;
    for (;;) {
      const x = h * w[layer];
      if (layer === 0) {
        let tail: number;
        let y: number;
        do {
          tail = -Math.log(this.nextUniform()) / ZIGGURAT_R;
          y = -Math.log(this.nextUniform());
        } while (y + y < tail * tail);
        return h > 0 ? ZIGGURAT_R + tail : -ZIGGURAT_R - tail;
      }
      if (f[layer] + this.nextUniform() * (f[layer - 1] - f[layer]) < Math.exp(-0.5 * x * x)) return x;
      const u = this.nextUint32();
      layer = u & 127;
      h = (u | 0) >> 7;
      if (Math.abs(h) < k[layer]) return h * w[layer];
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** `length` standard normal numbers from `seed`: the same numbers for the same seed on every machine. */
export function gaussianNoise(length: number, seed: number): Float32Array {
  return new GaussianRng(seed).fillNormal(new Float32Array(length));
}
