/**
 * The few HTTP chores node:http leaves to us: a body reader that refuses oversized uploads before
 * buffering them, JSON in and out, and one error type that carries its status code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UserInputError } from '../../errors.ts';
import { fileSink, memorySink } from './body-sink.ts';
import type { UploadGate } from './upload-gate.ts';

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

/** How a body is read: its limit, the budget it is held against, and the messages for each refusal. */
export interface BodyRules {
  maxBytes: number;
  /** The 413 answer for a body of `bytes` (`atLeast`: more were coming). */
  tooLarge(bytes: number, atLeast: boolean): HttpError;
  gate: UploadGate;
  /** Counts the body against this client's uploads in progress (photo uploads only). */
  client?: string;
  /** The first line (an upload's JSON part) must end within `maxBytes`, checked as the bytes arrive. */
  firstLine?: { maxBytes: number; tooLong: HttpError };
  /** Spool the body to a temporary file in this folder while it arrives (photo uploads); else keep it in memory. */
  spoolDir?: string;
}

/** What a body of unknown length reserves to begin with; it grows as bytes arrive. */
const UNKNOWN_LENGTH_RESERVE = 64 * 1024;

/**
 * Reads the whole body, but refuses as soon as it is known to break a rule: over `maxBytes` (from
 * Content-Length before the first byte, or while streaming when the sender gave no length or lied), no
 * room in the budget, too many uploads from this client, a first line too long, or a sender that stalls
 * (`idleTimeoutMs` without a byte) or dawdles (`bodyTimeoutMs` in all). What was read is dropped at once.
 */
export function readBody(request: IncomingMessage, rules: BodyRules): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > rules.maxBytes) return Promise.reject(rules.tooLarge(declared, false));
  const ticket = rules.gate.admit(Number.isFinite(declared) ? declared : UNKNOWN_LENGTH_RESERVE, rules.client);
  const { bodyTimeoutMs, idleTimeoutMs } = rules.gate.limits;
  const sink = rules.spoolDir === undefined ? memorySink() : fileSink(rules.spoolDir);
  return new Promise<Buffer>((resolve, reject) => {
    let received = 0;
    let lineEnded = rules.firstLine === undefined;
    let idle: NodeJS.Timeout;
    let settled = false;
    const finish = (error: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(total);
      clearTimeout(idle);
      request.off('data', onData).off('end', onEnd).off('error', finish).off('close', onClose);
      if (error === null) {
        sink
          .finish()
          .then(resolve, (failure: unknown) => reject(storageFailure(failure)))
          .finally(() => ticket.release());
        return;
      }
      sink.discard();
      ticket.release();
      reject(storageFailure(error));
    };
    const total = setTimeout(
      () => finish(uploadTimedOut(`did not arrive within ${Math.round(bodyTimeoutMs / 1000)} s`)),
      bodyTimeoutMs,
    );
    const restartIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(
        () => finish(uploadTimedOut(`stalled (nothing arrived for ${Math.round(idleTimeoutMs / 1000)} s)`)),
        idleTimeoutMs,
      );
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      try {
        if (received > rules.maxBytes) throw rules.tooLarge(received, true);
        ticket.grow(received);
        if (!lineEnded) {
          const newline = chunk.indexOf(0x0a);
          lineEnded = newline !== -1;
          const lineBytes = lineEnded ? received - chunk.length + newline : received;
          if (lineBytes > rules.firstLine!.maxBytes) throw rules.firstLine!.tooLong;
        }
        if (!sink.write(chunk)) {
          request.pause(); // the disk is behind: hold the sender rather than the bytes
          sink.onDrain(() => request.resume());
        }
      } catch (error) {
        return finish(error); // the sender's answer says why; sendAndClose drains what is still coming
      }
      restartIdle();
    };
    const onEnd = () => finish(null);
    const onClose = () =>
      finish(
        new HttpError(400, 'upload_aborted', 'The upload was cut off before it was complete. Please send it again.'),
      );
    request.on('data', onData).on('end', onEnd).on('error', finish).on('close', onClose);
    restartIdle();
  });
}

/** A full disk while spooling an upload is the server's problem, said in words; anything else passes through. */
function storageFailure(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return error;
  return new HttpError(
    507,
    'server_storage_full',
    'The server has no room to receive photos right now. Please try again later.',
  );
}

function uploadTimedOut(how: string): HttpError {
  return new HttpError(408, 'upload_timeout', `The upload ${how}. Please check your connection and send it again.`);
}

/** The 413 for a photo upload: names the photo's limit (`shownLimit`, without the room left for the text). */
export function uploadTooLarge(shownLimit: number): BodyRules['tooLarge'] {
  return (bytes, atLeast) =>
    new HttpError(
      413,
      'upload_too_large',
      `That upload is ${atLeast ? 'at least ' : ''}${formatSize(bytes)}; the limit here is ${formatSize(shownLimit)}. Please send a smaller photo.`,
    );
}

/** The 413 for a button press, reaction or form: no page sends one this large. */
export function requestTooLarge(limit: number): BodyRules['tooLarge'] {
  return () =>
    new HttpError(
      413,
      'request_too_large',
      `That request is larger than the ${formatSize(limit)} this chat accepts for a button or form. Please reload the page and try again.`,
    );
}

/** "254 KB", "20.0 MB". */
export function formatSize(bytes: number): string {
  const mib = 1024 * 1024;
  return bytes < mib ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / mib).toFixed(1)} MB`;
}

/** A small JSON request (a button press, reaction or form), read within `maxBytes` before it is parsed. */
export async function readJson(
  request: IncomingMessage,
  maxBytes: number,
  gate: UploadGate,
): Promise<Record<string, unknown>> {
  const body = await readBody(request, { maxBytes, tooLarge: requestTooLarge(maxBytes), gate });
  return parseJsonObject(body.toString('utf8'));
}

export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(
      400,
      'bad_request',
      'The page sent a request the server could not read. Please reload the page.',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(
      400,
      'bad_request',
      'The page sent a request the server could not read. Please reload the page.',
    );
  }
  return value as Record<string, unknown>;
}

/** A string field of a parsed request, or a clear error naming the field. */
export function stringField(
  body: Record<string, unknown>,
  name: string,
  options: { optional?: boolean } = {},
): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (options.optional) return undefined;
    throw new UserInputError('request_invalid', `The request is missing "${name}". Please reload the page.`);
  }
  if (typeof value !== 'string')
    throw new UserInputError('request_invalid', `"${name}" must be text. Please reload the page.`);
  return value;
}

export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-store',
  });
  response.end(body);
}

export function sendBytes(
  response: ServerResponse,
  contentType: string,
  bytes: Uint8Array,
  cacheControl: string,
  status = 200,
): void {
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': bytes.byteLength,
    'cache-control': cacheControl,
  });
  response.end(bytes);
}

/**
 * Answers an upload refused before it was read: the reply goes out at once and the connection closes
 * afterwards, so the rest of a large body is never buffered.
 */
export function sendAndClose(request: IncomingMessage, response: ServerResponse, status: number, value: unknown): void {
  response.setHeader('connection', 'close'); // the sender must not send another request on this connection
  // With that header node destroys the socket as soon as the answer is written; bytes the sender is still sending
  // would then meet a reset, which can swallow the answer. Close only the sending side here; the drain below ends it.
  const socket = request.socket as typeof request.socket & { destroySoon?: () => void };
  socket.destroySoon = () => socket.end();
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
