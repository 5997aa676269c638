/**
 * Who a web chat client is: an identity the server issues in a signed, HttpOnly, SameSite=Strict cookie.
 * The page cannot read or choose it; names typed in the page are display names only. The signing key mixes
 * in the password (when one is set), so changing the password ends every session.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'rfedit_session';
const ID_BYTES = 16;
const ID = /^[A-Za-z0-9_-]{22}$/;
const MAX_AGE_S = 365 * 86_400;

export interface Sessions {
  /** A new identity and the Set-Cookie value that hands it to the browser. */
  issue(): { id: string; setCookie: string };
  /** The identity the request's cookie proves, or null (no cookie, forged, or signed before the password changed). */
  identify(request: IncomingMessage): string | null;
  /** Whether `attempt` is the configured password (constant time); false when none is configured. */
  checkPassword(attempt: string): boolean;
}

export function createSessions(secret: string, password?: string): Sessions {
  const key = createHmac('sha256', secret)
    .update('rfedit web chat session\0')
    .update(password ?? '')
    .digest();
  const sign = (id: string) => createHmac('sha256', key).update(id).digest('base64url');
  const passwordDigest = password === undefined ? null : sha256(password);
  return {
    issue() {
      const id = randomBytes(ID_BYTES).toString('base64url');
      return {
        id,
        setCookie: `${SESSION_COOKIE}=${id}.${sign(id)}; Path=/; Max-Age=${MAX_AGE_S}; HttpOnly; SameSite=Strict`,
      };
    },
    identify(request) {
      const value = cookieValue(request.headers.cookie, SESSION_COOKIE);
      const dot = value?.indexOf('.') ?? -1;
      if (value === undefined || dot === -1) return null;
      const id = value.slice(0, dot);
      if (!ID.test(id)) return null;
      const given = Buffer.from(value.slice(dot + 1));
      const expected = Buffer.from(sign(id));
      return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
    },
    checkPassword(attempt) {
      return passwordDigest !== null && timingSafeEqual(sha256(attempt), passwordDigest);
    },
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
