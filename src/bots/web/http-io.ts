/**
 * The few HTTP chores node:http leaves to us: a body reader that refuses oversized uploads before
 * buffering them, JSON in and out, and one error type that carries its status code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UserInputError } from '../../errors.ts';

/** A request the server refuses with a status code; `reply` is what the page shows. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly userMessage: string,
  ) {
    super(userMessage);
    this.name = `HttpError[${status} ${code}]`;
  }
}

/**
 * Reads the whole body, but refuses as soon as it is known to exceed `maxBytes`: from Content-Length
 * before the first byte, or while streaming when the sender gave no length or lied about it.
 * `shownLimit` is the limit the message names (the photo's, without the room left for the form fields).
 */
export function readLimitedBody(request: IncomingMessage, maxBytes: number, shownLimit = maxBytes): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(uploadTooLarge(declared, shownLimit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) {
        // Stop keeping the bytes; sendAndClose drains what is still coming so the sender can read the 413.
        request.removeAllListeners('data');
        reject(uploadTooLarge(received, shownLimit, 'at least'));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks, received)));
    request.on('error', reject);
  });
}

function uploadTooLarge(bytes: number, limit: number, qualifier = ''): HttpError {
  const size = `${qualifier ? `${qualifier} ` : ''}${formatSize(bytes)}`;
  return new HttpError(413, 'upload_too_large', `That upload is ${size}; the limit here is ${formatSize(limit)}. Please send a smaller photo.`);
}

/** "254 KB", "20.0 MB". */
export function formatSize(bytes: number): string {
  const mib = 1024 * 1024;
  return bytes < mib ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / mib).toFixed(1)} MB`;
}

export async function readJson(request: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const body = await readLimitedBody(request, maxBytes);
  return parseJsonObject(body.toString('utf8'));
}

export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'bad_request', 'The page sent a request the server could not read. Please reload the page.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'bad_request', 'The page sent a request the server could not read. Please reload the page.');
  }
  return value as Record<string, unknown>;
}

/** A string field of a parsed request, or a clear error naming the field. */
export function stringField(body: Record<string, unknown>, name: string, options: { optional?: boolean } = {}): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (options.optional) return undefined;
    throw new UserInputError('request_invalid', `The request is missing "${name}". Please reload the page.`);
  }
  if (typeof value !== 'string') throw new UserInputError('request_invalid', `"${name}" must be text. Please reload the page.`);
  return value;
}

export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, 'cache-control': 'no-store' });
  response.end(body);
}

export function sendBytes(response: ServerResponse, contentType: string, bytes: Uint8Array, cacheControl: string): void {
  response.writeHead(200, { 'content-type': contentType, 'content-length': bytes.byteLength, 'cache-control': cacheControl });
  response.end(bytes);
}

/**
 * Answers an upload refused before it was read: the reply goes out at once and the connection closes
 * afterwards, so the rest of a large body is never buffered.
 */
export function sendAndClose(request: IncomingMessage, response: ServerResponse, status: number, value: unknown): void {
  response.setHeader('connection', 'close');
  sendJson(response, status, value);
  // A client still sending its body would get a reset instead of this answer if the socket closed now: discard
  // the rest of the body, then close, but never wait longer or read more than a bounded amount.
  let drained = 0;
  const close = () => request.destroy();
  const timer = setTimeout(close, DRAIN_MAX_MS);
  timer.unref();
  request.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_MAX_BYTES) close();
  });
  request.on('end', () => (response.writableFinished ? close() : response.on('finish', close)));
  request.on('close', () => clearTimeout(timer));
  request.resume();
}

/** How much of a refused body is read (and thrown away) so the sender sees the refusal. */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
const DRAIN_MAX_MS = 10_000;
