/**
 * The one elementwise update every step of every sampler reduces to:
 *   x ← p·x + a·v + b·(x − y0) + c·z
 * (Euler: p = 1, c = 0; controller terms in b; stochastic samplers add c·z). One pass, no allocation.
 * Returns a probe that is 0 exactly when every new element is finite.
 */
export function affineStep(
  x: Float32Array,
  v: Float32Array,
  y0: Float32Array,
  z: Float32Array,
  p: number,
  a: number,
  b: number,
  c: number,
): number {
  const pb = p + b;
  let probe = 0;
  for (let i = 0; i < x.length; i++) {
    const next = pb * x[i] - b * y0[i] + a * v[i] + c * z[i];
    x[i] = next;
    probe += x[i] * 0; // read back: a finite double can still overflow float32
  }
  return probe;
}
