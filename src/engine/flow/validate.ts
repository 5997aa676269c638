import { InvalidParameterError } from './errors.ts';

/** A finite number in [min, max]. */
export function checkRange(name: string, value: number, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidParameterError(name, `a finite number from ${min} to ${max}`, value);
  }
}

/** An integer in [min, max]. */
export function checkInteger(name: string, value: number, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidParameterError(name, `a whole number from ${min} to ${max}`, value);
  }
}

/** A seed: a whole number from 0 to 2^53 − 1 (what JSON and chat options can carry exactly). */
export function checkSeed(name: string, value: number): void {
  checkInteger(name, value, 0, Number.MAX_SAFE_INTEGER);
}

/** A latent of the expected length, with no NaN or Infinity in it. */
export function checkLatent(name: string, value: Float32Array, length?: number): void {
  if (!(value instanceof Float32Array) || value.length === 0) {
    throw new InvalidParameterError(name, 'a non-empty Float32Array', value);
  }
  if (length !== undefined && value.length !== length) {
    throw new InvalidParameterError(name, `a Float32Array of length ${length} (the size of the other latents)`, value);
  }
  if (!allFinite(value))
    throw new InvalidParameterError(name, 'free of NaN and Infinity', `${name} with non-finite values`);
}

/** True when every element is finite. One multiply-add per element: a NaN or ±Infinity poisons the sum. */
export function allFinite(values: Float32Array): boolean {
  let probe = 0;
  for (let i = 0; i < values.length; i++) probe += values[i] * 0;
  return probe === 0;
}

/** The step schedule: N+1 descending sigmas from 1 to 0, N in 1..200. */
export function checkSigmas(sigmas: Float64Array): number {
  const steps = sigmas.length - 1;
  checkInteger('steps', steps, 1, 200);
  if (sigmas[0] !== 1 || sigmas[steps] !== 0) {
    throw new InvalidParameterError('sigmas', 'a schedule that starts at 1 and ends at 0', Array.from(sigmas));
  }
  for (let i = 0; i < steps; i++) {
    if (!(sigmas[i] > sigmas[i + 1])) {
      throw new InvalidParameterError('sigmas', 'strictly decreasing', Array.from(sigmas));
    }
  }
  return steps;
}
