/**
 * The error catalogue. Every error rfedit throws on purpose is an RfeditError with a stable `code`
 * and a `userMessage` that is safe to show in chat; adapters show `userMessage` and log the rest.
 */
import { randomBytes } from 'node:crypto';

/**
 * Every code a user, an adapter or the audit log can see, by area. One code per cause: a command option, a
 * typed flag and an engine parameter that is out of range or not allowed are all `option_invalid`.
 */
export const ERROR_CODES = [
  // what was asked
  'prompt_empty',
  'prompt_too_long',
  'prompt_invalid',
  'prompt_blocked',
  'option_invalid',
  'option_missing',
  'option_unknown',
  'option_unexpected',
  'option_misplaced',
  'unknown_preset',
  'command_missing',
  'command_unknown',
  'command_on_page',
  'action_invalid',
  'reaction_unknown',
  'modal_stale',
  'remix_empty',
  'no_strength',
  'strength_at_limit',
  'request_invalid',
  'user_name_invalid',
  // images
  'image_missing',
  'image_empty',
  'image_type',
  'image_source',
  'image_unreadable',
  'image_too_large',
  'image_too_many_pixels',
  'image_too_small',
  'image_too_narrow',
  'image_expired',
  'download_failed',
  'slack_file_host',
  'slack_file_login_page',
  'output_too_large',
  'result_too_large',
  'compare_no_result',
  'compare_refused',
  // who may
  'job_not_found',
  'not_owner',
  'not_admin',
  // limits and the queue
  'queue_full',
  'user_queue_full',
  'daily_quota',
  'queue_unavailable',
  'redis_unreachable',
  'shutting_down',
  // a job's end
  'cancelled',
  'job_timeout',
  'interrupted',
  'disk_full',
  // the model
  'model_components_missing',
  'model_config_invalid',
  'model_file_invalid',
  'model_file_missing',
  'model_input_dtype',
  'model_io_names',
  'model_load_failed',
  'model_non_finite',
  'model_output_dtype',
  'model_output_shape',
  'model_out_of_memory',
  'tokenizer_invalid',
  'tokenizer_missing',
  'vae_config_missing',
  't5_length_unknown',
  // running rfedit
  'config_invalid',
  'output_unwritable',
  'fixture_invalid',
  'web_password_missing',
  'web_password_short',
  // ours
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class RfeditError extends Error {
  readonly code: ErrorCode;
  readonly userMessage: string;
  readonly details?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    userMessage: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(userMessage, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = `RfeditError[${code}]`;
    this.code = code;
    this.userMessage = userMessage;
    this.details = options.details;
  }
}

/** The user asked for something we cannot do (bad image, bad option, bad prompt). */
export class UserInputError extends RfeditError {
  constructor(
    code: ErrorCode,
    userMessage: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, userMessage, options);
    this.name = `UserInputError[${code}]`;
  }
}

/** Per-user limits, daily quota, full queue. */
export class QuotaError extends RfeditError {
  constructor(
    code: ErrorCode,
    userMessage: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, userMessage, options);
    this.name = `QuotaError[${code}]`;
  }
}

/** A model export is missing, malformed, or cannot run here. */
export class ModelError extends RfeditError {
  constructor(
    code: ErrorCode,
    userMessage: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, userMessage, options);
    this.name = `ModelError[${code}]`;
  }
}

/** A job or a step loop was stopped on purpose (user cancel, time limit, shutdown). */
export class CancelledError extends RfeditError {
  constructor(
    userMessage = 'The edit was cancelled.',
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super('cancelled', userMessage, options);
    this.name = 'CancelledError';
  }
}

/** A fresh id a user can quote and the logs carry, for a failure that has no job id. */
export function newReferenceId(): string {
  return randomBytes(6).toString('base64url');
}

/** The failure a user sees for anything we did not expect: no internals, a reference id to quote. */
export function internalFailure(referenceId: string, cause?: unknown): RfeditError {
  return new RfeditError('internal', `Something went wrong on our side (reference ${referenceId}). Please try again.`, {
    cause,
  });
}

/**
 * The one way an error becomes what a user is told: known errors pass through; anything else becomes `internal`
 * with a reference id (the job's, or a fresh one), and is handed to `report` with that id for the logs.
 */
export function userFailure(
  error: unknown,
  options: { referenceId?: string; report?: (error: unknown, referenceId: string) => void } = {},
): RfeditError {
  if (error instanceof RfeditError) return error;
  const referenceId = options.referenceId ?? newReferenceId();
  options.report?.(error, referenceId);
  if (isDiskFull(error)) {
    return new RfeditError(
      'disk_full',
      'The bot is out of storage space, so it could not take this. Please try again later; the operators have been told.',
      { cause: error },
    );
  }
  return internalFailure(referenceId, error);
}

/** The out-of-space errors of the file system and of SQLite, which reports them as SQLITE_FULL. */
export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL';
}
