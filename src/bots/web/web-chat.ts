/**
 * The local web chat: node:http serves the page and its small JSON API; a WebSocket pushes job
 * cards as the core's events arrive. It holds no state of its own beyond the scrollback (see
 * transcript.ts): jobs, images and delivery live in the core's stores.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { BotCore, JobEvent } from '../../commands/index.ts';
import { COMMAND_LIMIT_DEFAULTS } from '../../commands/index.ts';
import { RfeditError } from '../../errors.ts';
import { cardFromEvent, createSequence } from './cards.ts';
import { createChatApi } from './chat-api.ts';
import type { ChatApi } from './chat-api.ts';
import { HttpError, parseJsonObject, readJson, readLimitedBody, sendAndClose, sendBytes, sendJson, stringField } from './http-io.ts';
import { USER_HEADER, WEB_CHANNEL_ID, webUser } from './identity.ts';
import { LiveHub } from './live-hub.ts';
import { isAllowedOrigin } from './request-origin.ts';
import { loadStaticAssets } from './static-assets.ts';
import type { StaticAsset } from './static-assets.ts';
import { Transcript } from './transcript.ts';

export interface WebChatLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface WebChatOptions {
  core: BotCore;
  /** @default '127.0.0.1' (the page has no login; keep it on this machine) */
  host?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** Where the scrollback is kept across restarts; without it, it lasts as long as the process. */
  dataDir?: string;
  /**
   * Largest upload read at all; bigger ones are refused from their Content-Length before reading.
   * Keep it at or above the core's `limits.maxImageBytes`, so the core's own size message answers
   * images just over its limit. @default 21 MiB (the core's 20 MiB default plus room)
   */
  maxUploadBytes?: number;
  logger?: WebChatLogger;
}

export interface WebChat {
  start(): Promise<{ url: string }>;
  stop(): Promise<void>;
}

const FORM_BYTES = 64 * 1024; // JSON requests and the text part of an upload
const SILENT_LOGGER: WebChatLogger = { info() {}, warn() {}, error() {} };
const FINAL_EVENTS = new Set<JobEvent['type']>(['done', 'failed', 'cancelled']);

export function createWebChat(options: WebChatOptions): WebChat {
  const { core } = options;
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? SILENT_LOGGER;
  const maxUploadBytes = options.maxUploadBytes ?? COMMAND_LIMIT_DEFAULTS.maxImageBytes + 1024 * 1024;
  const hub = new LiveHub();
  const nextSeq = createSequence();
  const api = createChatApi({ core, transcript: new Transcript(options.dataDir), hub, nextSeq });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  let assets = new Map<string, StaticAsset>();
  let unsubscribe: (() => void) | null = null;

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => answerError(request, response, error));
  });

  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    let userId: string;
    try {
      if (url.pathname !== '/live' || !isAllowedOrigin(request, host)) throw new Error('not the live endpoint, or not from this page');
      userId = webUser(url.searchParams.get('user')).id;
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => hub.add(userId, ws));
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    if (!isAllowedOrigin(request, host)) throw new HttpError(403, 'foreign_origin', 'This chat only answers its own page.');
    const asset = method === 'GET' ? assets.get(url.pathname) : undefined;
    if (asset) return sendBytes(response, asset.contentType, asset.bytes, 'no-cache');
    if (method === 'GET' && url.pathname === '/healthz') return sendJson(response, 200, { ok: true });
    if (method === 'GET' && url.pathname === '/favicon.ico') return void response.writeHead(204).end(); // no icon; spares a 404 in the console
    const image = /^\/api\/jobs\/([A-Za-z0-9_-]{1,40})\/(source|result)$/.exec(url.pathname);
    if (method === 'GET' && image) {
      const { mime, bytes } = await api.image(webUser(url.searchParams.get('user')), image[1], image[2] as 'source' | 'result');
      return sendBytes(response, mime, bytes, 'private, max-age=31536000, immutable');
    }
    if (!url.pathname.startsWith('/api/')) throw new HttpError(404, 'not_found', 'There is nothing here.');
    const user = webUser(headerValue(request, USER_HEADER));
    const endpoint = `${method} ${url.pathname}`;
    switch (endpoint) {
      case 'GET /api/scrollback':
        return sendJson(response, 200, api.scrollback(user));
      case 'POST /api/send':
        return sendJson(response, 200, await handleSend(request, user, api, maxUploadBytes));
      case 'POST /api/action': {
        const body = await readJson(request, FORM_BYTES);
        return sendJson(response, 200, await api.action(user, stringField(body, 'actionId')!, stringField(body, 'threadId')!));
      }
      case 'POST /api/react': {
        const body = await readJson(request, FORM_BYTES);
        return sendJson(response, 200, await api.react(user, stringField(body, 'jobId')!, stringField(body, 'emoji')!, stringField(body, 'threadId')!));
      }
      case 'POST /api/remix': {
        const body = await readJson(request, FORM_BYTES);
        const strength = body.strength === undefined || body.strength === null || body.strength === '' ? undefined : Number(body.strength);
        return sendJson(response, 200, await api.remix(user, stringField(body, 'jobId')!, stringField(body, 'prompt', { optional: true }), strength, stringField(body, 'threadId')!));
      }
      default:
        throw new HttpError(404, 'not_found', 'There is nothing here.');
    }
  }

  function answerError(request: IncomingMessage, response: ServerResponse, error: unknown): void {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    if (error instanceof HttpError) {
      const body = { error: { code: error.code, text: error.userMessage } };
      // An upload refused unread: close afterwards rather than read the rest of it.
      if (error.status === 413) return sendAndClose(request, response, error.status, body);
      return sendJson(response, error.status, body);
    }
    if (error instanceof RfeditError) return sendJson(response, 400, { error: { code: error.code, text: error.userMessage } });
    logger.error({ err: error, url: request.url }, 'web chat request failed');
    sendJson(response, 500, { error: { code: 'internal', text: 'Something went wrong on our side. Please try again.' } });
  }

  function forward(event: JobEvent): void {
    if (event.place.platform !== 'web') return;
    const job = core.getJob(event.jobId);
    if (!job || job.deleted) return;
    const delivered = hub.sendTo(event.owner.id, { type: 'card', card: cardFromEvent(event, job, core, nextSeq()) });
    // Only an outcome someone saw counts as delivered; otherwise the next page load shows it (and confirms it).
    if (delivered === 0 || !FINAL_EVENTS.has(event.type)) return;
    if (event.type === 'done') core.recordMessage(job.id, { role: 'result', platform: 'web', channelId: WEB_CHANNEL_ID, threadId: job.place.threadId, messageId: job.id });
    else core.markDelivered(job.id);
  }

  return {
    async start() {
      assets = await loadStaticAssets();
      unsubscribe = core.events.onEvent((event) => {
        try {
          forward(event);
        } catch (error) {
          logger.error({ err: error, jobId: event.jobId }, 'web chat could not show a job event');
        }
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, host, () => resolve());
      });
      const { address, port } = server.address() as AddressInfo;
      const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}/`;
      logger.info({ url }, 'web chat is listening');
      return { url };
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = null;
      hub.closeAll();
      sockets.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** The upload: a JSON line ({text, filename, contentType}), a newline, then the photo's bytes (none when nothing is attached). */
async function handleSend(request: IncomingMessage, user: ReturnType<typeof webUser>, api: ChatApi, maxUploadBytes: number) {
  const body = await readLimitedBody(request, maxUploadBytes + FORM_BYTES, maxUploadBytes);
  const newline = body.indexOf(0x0a);
  const header = parseJsonObject(body.subarray(0, newline === -1 ? body.length : newline).toString('utf8'));
  const bytes = newline === -1 ? new Uint8Array(0) : new Uint8Array(body.buffer, body.byteOffset + newline + 1, body.length - newline - 1);
  const text = stringField(header, 'text')!;
  const filename = stringField(header, 'filename', { optional: true });
  // A named file with no bytes is an empty file (answered as such), not a missing photo.
  const attachment =
    bytes.byteLength === 0 && !filename ? null : { bytes, filename, contentType: stringField(header, 'contentType', { optional: true }) };
  return api.send(user, text, attachment);
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
