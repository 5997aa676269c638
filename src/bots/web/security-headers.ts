/**
 * Headers on every answer: the page may only load its own script, styles and images, talk to its own
 * server, and never be framed (clickjacking of Delete or Cancel); no answer is content-sniffed (an image
 * that also parses as HTML stays an image).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

// A Host header the origin check already accepted; anything odd here only drops the ws: sources.
const HOST = /^[A-Za-z0-9.:[\]-]{1,300}$/;

export function contentSecurityPolicy(host: string | undefined): string {
  // 'self' covers same-origin WebSockets in current browsers; the explicit ws(s) sources cover the rest.
  const sockets = host !== undefined && HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src 'self'${sockets}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

export function setSecurityHeaders(request: IncomingMessage, response: ServerResponse): void {
  response.setHeader('content-security-policy', contentSecurityPolicy(request.headers.host));
  response.setHeader('x-frame-options', 'DENY');
  response.setHeader('x-content-type-options', 'nosniff');
  // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on form posts (the sign-in form).
  response.setHeader('referrer-policy', 'same-origin');
  response.setHeader('cross-origin-resource-policy', 'same-origin');
}

/** For the raw answers written to an upgrade socket, which bypass ServerResponse. */
export const RAW_SECURITY_HEADERS = 'x-content-type-options: nosniff\r\nx-frame-options: DENY\r\n';
