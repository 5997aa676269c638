/**
 * Errors of the sampling library. It imports nothing else from rfedit, so these are plain RangeErrors with
 * structure; src/errors.ts maps them to user messages at the boundary.
 */

/** A parameter is outside its allowed range; the message names the parameter, the range and the value. */
export class InvalidParameterError extends RangeError {
  readonly code = 'invalid_parameter';
  constructor(
    readonly parameter: string,
    readonly allowed: string,
    readonly received: unknown,
  ) {
    super(`${parameter} must be ${allowed}; got ${formatValue(received)}.`);
    this.name = 'InvalidParameterError';
  }
}

/** The model produced NaN or Infinity; the sampler refuses to pass it on. */
export class NonFiniteError extends RangeError {
  readonly code = 'non_finite';
  constructor(
    readonly phase: string,
    readonly step: number,
    readonly sigma: number,
  ) {
    super(
      `The ${phase} pass produced NaN or Infinity at step ${step} (σ = ${sigma.toFixed(4)}); the model output is not usable.`,
    );
    this.name = 'NonFiniteError';
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value instanceof Float32Array) return `a Float32Array of length ${value.length}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
