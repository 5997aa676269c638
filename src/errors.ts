/**
 * The error catalogue. Every error rfedit throws on purpose is an RfeditError with a stable `code`
 * and a `userMessage` that is safe to show in chat; adapters show `userMessage` and log the rest.
 */
export class RfeditError extends Error {
  readonly code: string;
  readonly userMessage: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, userMessage: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(userMessage, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = `RfeditError[${code}]`;
    this.code = code;
    this.userMessage = userMessage;
    this.details = options.details;
  }
}

/** The user asked for something we cannot do (bad image, bad option, bad prompt). */
export class UserInputError extends RfeditError {
  constructor(code: string, userMessage: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(code, userMessage, options);
    this.name = `UserInputError[${code}]`;
  }
}

/** Per-user limits, daily quota, full queue. */
export class QuotaError extends RfeditError {
  constructor(code: string, userMessage: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(code, userMessage, options);
    this.name = `QuotaError[${code}]`;
  }
}

/** A model export is missing, malformed, or cannot run here. */
export class ModelError extends RfeditError {
  constructor(code: string, userMessage: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(code, userMessage, options);
    this.name = `ModelError[${code}]`;
  }
}

/** A job or a step loop was stopped on purpose (user cancel, time limit, shutdown). */
export class CancelledError extends RfeditError {
  constructor(userMessage = 'The edit was cancelled.', options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super('cancelled', userMessage, options);
    this.name = 'CancelledError';
  }
}

/** Wrap anything at a boundary: known errors pass through, unknown ones get a reference id for the logs. */
export function asRfeditError(error: unknown, referenceId: string): RfeditError {
  if (error instanceof RfeditError) return error;
  return new RfeditError('internal', `Something went wrong on our side (reference ${referenceId}). Please try again.`, {
    cause: error,
  });
}
