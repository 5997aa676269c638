/**
 * Button ids that carry their own state, so buttons keep working after a restart (no session
 * lookup), and that are signed, so a forged or altered id is refused.
 *
 * Format (≤ 100 chars, Discord's custom_id limit; Slack allows 255):
 *   rf1.<action letter>.<job id>.<arg>.<signature>
 * The signature is HMAC-SHA256(secret, everything before it), base64url, cut to 22 chars (132 bits).
 * `rf1` is the version: a new format gets `rf2` and old buttons can still be decoded alongside.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const ACTION_NAMES = [
  'variation',
  'subtle',
  'strong',
  'remix',
  'cancel',
  'delete',
  'info',
  'compare',
  'pick',
  'sweep',
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

export interface Action {
  action: ActionName;
  jobId: string;
  /** A short extra value (e.g. an image index); [A-Za-z0-9_-], up to 16 chars. */
  arg?: string;
}

export const ACTION_ID_MAX_LENGTH = 100;
const VERSION = 'rf1';
const SIGNATURE_CHARS = 22;
const LETTER_OF: Record<ActionName, string> = {
  variation: 'v',
  subtle: 's',
  strong: 'S',
  remix: 'r',
  cancel: 'c',
  delete: 'd',
  info: 'i',
  compare: 'C',
  pick: 'p',
  sweep: 'w',
};
const ACTION_OF = new Map(Object.entries(LETTER_OF).map(([name, letter]) => [letter, name as ActionName]));
const JOB_ID = /^[A-Za-z0-9_-]{1,40}$/;
const ARG = /^[A-Za-z0-9_-]{0,16}$/;
const MIN_SECRET_LENGTH = 16;
// Before compare was an action, adapters signed `info` with this argument; buttons posted then still work.
const LEGACY_COMPARE_ARG = 'compare';

export interface ActionCodec {
  encode(action: Action): string;
  /** null when the id is not ours, is of an unknown version, or was altered or signed with another secret. */
  decode(actionId: string): Action | null;
}

export function createActionCodec(secret: string): ActionCodec {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new TypeError(`The action-id secret must be at least ${MIN_SECRET_LENGTH} characters, got ${secret.length}`);
  }
  return {
    encode: (action) => encodeActionId(action, secret),
    decode: (actionId) => decodeActionId(actionId, secret),
  };
}

export function encodeActionId(action: Action, secret: string): string {
  const arg = action.arg ?? '';
  if (!JOB_ID.test(action.jobId))
    throw new TypeError(`Job id cannot go in an action id: ${JSON.stringify(action.jobId)}`);
  if (!ARG.test(arg)) throw new TypeError(`Action argument must match ${ARG}, got ${JSON.stringify(arg)}`);
  const payload = `${VERSION}.${LETTER_OF[action.action]}.${action.jobId}.${arg}`;
  const id = `${payload}.${sign(payload, secret)}`;
  if (id.length > ACTION_ID_MAX_LENGTH)
    throw new TypeError(`Action id is ${id.length} chars; the limit is ${ACTION_ID_MAX_LENGTH}`);
  return id;
}

export function decodeActionId(actionId: string, secret: string): Action | null {
  if (actionId.length > ACTION_ID_MAX_LENGTH) return null;
  const parts = actionId.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) return null;
  const [, letter, jobId, arg, signature] = parts;
  const action = ACTION_OF.get(letter);
  if (!action || !JOB_ID.test(jobId) || !ARG.test(arg)) return null;
  const expected = Buffer.from(sign(actionId.slice(0, actionId.length - signature.length - 1), secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (action === 'info' && arg === LEGACY_COMPARE_ARG) return { action: 'compare', jobId };
  return arg === '' ? { action, jobId } : { action, jobId, arg };
}

function sign(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url').slice(0, SIGNATURE_CHARS);
}
