/**
 * Keeps other web sites out of a chat that listens on this machine. A page elsewhere can make the
 * browser open a WebSocket or post a form to 127.0.0.1 (no CORS check applies to either), and a DNS
 * name pointed at 127.0.0.1 can pose as the chat itself; so requests must name this server in Host
 * and, when the browser sends an Origin, come from the same host.
 */
import type { IncomingMessage } from 'node:http';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** `listenHost` is what the server was bound to; on a loopback address only loopback names are accepted. */
export function isAllowedOrigin(request: IncomingMessage, listenHost: string): boolean {
  const host = request.headers.host;
  if (!host) return false;
  if (LOOPBACK_NAMES.has(listenHost) && !LOOPBACK_NAMES.has(hostname(host))) return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true; // not sent by a browser page (curl, tests, same-origin GETs)
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Whether the chat listens only where other machines cannot reach it (any 127.x address, ::1, localhost). */
export function isLoopbackHost(listenHost: string): boolean {
  return LOOPBACK_NAMES.has(listenHost) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(listenHost);
}

function hostname(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
}
