/**
 * The local web chat: node:http serves the page and its small JSON API; a WebSocket pushes job
 * cards as the core's events arrive. It holds no state of its own beyond the scrollback (see
 * transcript.ts): jobs, images and delivery live in the core's stores.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { BotCore, JobEvent } from '../../commands/index.ts';
import { COMMAND_LIMIT_DEFAULTS } from '../../commands/index.ts';
import { QUEUE_DEFAULTS } from '../../jobs/queue.ts';
import { RfeditError } from '../../errors.ts';
import { prepareSpoolDir } from './body-sink.ts';
import { cardFromEvent, createSequence } from './cards.ts';
import { createChatApi } from './chat-api.ts';
import type { ChatApi, WebClient } from './chat-api.ts';
import { addressKey, ClientQuota } from './client-quota.ts';
import type { ClientLimits } from './client-quota.ts';
import {
  HttpError,
  parseJsonObject,
  readBody,
  readJson,
  requestTooLarge,
  sendAndClose,
  sendBytes,
  sendJson,
  stringField,
  uploadTooLarge,
} from './http-io.ts';
import { NAME_HEADER, WEB_CHANNEL_ID, webUser } from './identity.ts';
import { LiveHub } from './live-hub.ts';
import { LOGIN_PATH, LOGIN_PROBLEMS, LoginThrottle, loginPage } from './login.ts';
import { isAllowedOrigin, isLoopbackHost } from './request-origin.ts';
import { RAW_SECURITY_HEADERS, setSecurityHeaders } from './security-headers.ts';
import { createSessions } from './session.ts';
import { loadStaticAssets } from './static-assets.ts';
import type { StaticAsset } from './static-assets.ts';
import { Transcript } from './transcript.ts';
import { UPLOAD_LIMIT_DEFAULTS, UploadGate } from './upload-gate.ts';
import type { UploadLimits } from './upload-gate.ts';

export interface WebChatLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface WebChatOptions {
  core: BotCore;
  /** @default '127.0.0.1'. Any other address needs `password`: start() refuses without one. */
  host?: string;
  /**
   * Asked once per browser before the chat opens (RFEDIT_WEB_PASSWORD). Optional on loopback, required on any
   * other address; at least 8 characters. Changing it signs everyone out.
   */
  password?: string;
  /**
   * Signs the identity cookies. Keep it stable across restarts (the app passes RFEDIT_SECRET or the one kept in
   * the data folder), or everyone gets a new identity and loses their scrollback. @default random per process
   */
  secret?: string;
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
  /** Bytes held at once, uploads per client, body time limits. @default UPLOAD_LIMIT_DEFAULTS */
  uploads?: Partial<UploadLimits>;
  /**
   * Edits per client (the address without a password, the identity with one), over the core's per-user limits,
   * which a fresh cookie would reset. @default { perClientQueued: QUEUE_DEFAULTS.perUserQueued, dailyPerClient: 0 }
   */
  clientLimits?: Partial<ClientLimits>;
  logger?: WebChatLogger;
}

export interface WebChat {
  start(): Promise<{ url: string }>;
  stop(): Promise<void>;
}

const FORM_BYTES = 64 * 1024; // JSON requests and the text part of an upload
const LOGIN_FORM_BYTES = 4 * 1024;
const MIN_PASSWORD_LENGTH = 8;
const SILENT_LOGGER: WebChatLogger = { info() {}, warn() {}, error() {} };
const FINAL_EVENTS = new Set<JobEvent['type']>(['done', 'failed', 'cancelled']);

export function createWebChat(options: WebChatOptions): WebChat {
  const { core } = options;
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? SILENT_LOGGER;
  const maxUploadBytes = options.maxUploadBytes ?? COMMAND_LIMIT_DEFAULTS.maxImageBytes + 1024 * 1024;
  const password = options.password === '' ? undefined : options.password;
  const sessions = createSessions(options.secret ?? randomBytes(32).toString('base64url'), password);
  const gate = new UploadGate({ ...UPLOAD_LIMIT_DEFAULTS, ...options.uploads });
  // Uploads in progress wait on disk, not in memory: in the data folder, or a folder of this chat's own (start()).
  let spoolDir = '';
  const quota = new ClientQuota({
    perClientQueued: QUEUE_DEFAULTS.perUserQueued,
    dailyPerClient: 0,
    ...options.clientLimits,
  });
  const logins = new LoginThrottle();
  const hub = new LiveHub();
  const nextSeq = createSequence();
  const api = createChatApi({ core, transcript: new Transcript(options.dataDir), hub, quota, nextSeq });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  let assets = new Map<string, StaticAsset>();
  let unsubscribe: (() => void) | null = null;

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => answerError(request, response, error));
  });

  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/live' || !isAllowedOrigin(request, host)) {
      socket.end(`HTTP/1.1 400 Bad Request\r\n${RAW_SECURITY_HEADERS}connection: close\r\n\r\n`);
      return;
    }
    const userId = sessions.identify(request); // the cookie, never a name the client picks
    if (userId === null) {
      socket.end(`HTTP/1.1 401 Unauthorized\r\n${RAW_SECURITY_HEADERS}connection: close\r\n\r\n`);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => hub.add(userId, ws));
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    setSecurityHeaders(request, response);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    if (!isAllowedOrigin(request, host))
      throw new HttpError(403, 'foreign_origin', 'This chat only answers its own page.');
    const asset = method === 'GET' ? assets.get(url.pathname) : undefined;
    if (asset) return sendBytes(response, asset.contentType, asset.bytes, 'no-cache');
    if (method === 'GET' && url.pathname === '/healthz') return sendJson(response, 200, { ok: true });
    if (method === 'GET' && url.pathname === '/favicon.ico') return void response.writeHead(204).end(); // no icon; spares a 404 in the console
    if (url.pathname === LOGIN_PATH) return signIn(request, response, method);
    if (method === 'POST' && url.pathname === '/api/session') return startSession(request, response);
    if (url.pathname !== '/api' && !url.pathname.startsWith('/api/'))
      throw new HttpError(404, 'not_found', 'There is nothing here.');
    const userId = sessions.identify(request);
    if (userId === null) throw new HttpError(401, 'not_signed_in', 'Your session has ended. Please reload the page.');
    const client: WebClient = {
      user: webUser(userId, headerValue(request, NAME_HEADER)),
      key: password ? `id:${userId}` : addressKey(request.socket.remoteAddress),
    };
    const image = /^\/api\/jobs\/([A-Za-z0-9_-]{1,40})\/(source|result)$/.exec(url.pathname);
    if (method === 'GET' && image) {
      const { mime, bytes } = await api.image(client.user, image[1], image[2] as 'source' | 'result');
      return sendBytes(response, mime, bytes, 'private, max-age=31536000, immutable');
    }
    const endpoint = `${method} ${url.pathname}`;
    switch (endpoint) {
      case 'GET /api/scrollback':
        return sendJson(response, 200, api.scrollback(client.user));
      case 'POST /api/send':
        return sendJson(response, 200, await handleSend(request, client, api, { gate, spoolDir }, maxUploadBytes));
      case 'POST /api/action': {
        const body = await readJson(request, FORM_BYTES, gate);
        return sendJson(
          response,
          200,
          await api.action(client, stringField(body, 'actionId')!, stringField(body, 'threadId')!),
        );
      }
      case 'POST /api/react': {
        const body = await readJson(request, FORM_BYTES, gate);
        return sendJson(
          response,
          200,
          await api.react(
            client,
            stringField(body, 'jobId')!,
            stringField(body, 'emoji')!,
            stringField(body, 'threadId')!,
          ),
        );
      }
      case 'POST /api/remix': {
        const body = await readJson(request, FORM_BYTES, gate);
        const strength =
          body.strength === undefined || body.strength === null || body.strength === ''
            ? undefined
            : Number(body.strength);
        return sendJson(
          response,
          200,
          await api.remix(
            client,
            stringField(body, 'jobId')!,
            stringField(body, 'prompt', { optional: true }),
            strength,
            stringField(body, 'threadId')!,
          ),
        );
      }
      default:
        throw new HttpError(404, 'not_found', 'There is nothing here.');
    }
  }

  /**
   * The page calls this first. It answers with the identity the cookie proves, or, without a password, issues a
   * new one. With a password only the sign-in form issues identities, so the page is sent there.
   */
  function startSession(request: IncomingMessage, response: ServerResponse): void {
    const known = sessions.identify(request);
    if (known !== null) return sendJson(response, 200, { id: known });
    if (password) throw new HttpError(401, 'sign_in_required', 'This chat needs its password. Please sign in.');
    const { id, setCookie } = sessions.issue();
    response.setHeader('set-cookie', setCookie);
    sendJson(response, 200, { id });
  }

  async function signIn(request: IncomingMessage, response: ServerResponse, method: string): Promise<void> {
    if (!password) return void response.writeHead(303, { location: '/' }).end(); // nothing to sign in to
    if (method !== 'POST') return sendBytes(response, 'text/html; charset=utf-8', loginPage(), 'no-store');
    const address = addressKey(request.socket.remoteAddress);
    const wait = logins.waitMinutes(address);
    if (wait > 0)
      return sendBytes(response, 'text/html; charset=utf-8', loginPage(LOGIN_PROBLEMS.tooMany(wait)), 'no-store', 429);
    const form = await readBody(request, {
      maxBytes: LOGIN_FORM_BYTES,
      tooLarge: requestTooLarge(LOGIN_FORM_BYTES),
      gate,
    });
    if (!sessions.checkPassword(new URLSearchParams(form.toString('utf8')).get('password') ?? '')) {
      logins.failed(address);
      logger.warn({ address }, 'web chat: a wrong password');
      return sendBytes(response, 'text/html; charset=utf-8', loginPage(LOGIN_PROBLEMS.wrong), 'no-store', 401);
    }
    response.writeHead(303, { location: '/', 'set-cookie': sessions.issue().setCookie }).end();
  }

  function answerError(request: IncomingMessage, response: ServerResponse, error: unknown): void {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    if (error instanceof HttpError) {
      const body = { error: { code: error.code, text: error.userMessage } };
      if (error.status === 429 || error.status === 503) response.setHeader('retry-after', '60');
      // A body refused unread: close afterwards rather than read the rest of it.
      if (!request.complete) return sendAndClose(request, response, error.status, body);
      return sendJson(response, error.status, body);
    }
    if (error instanceof RfeditError)
      return sendJson(response, 400, { error: { code: error.code, text: error.userMessage } });
    logger.error({ err: error, url: request.url }, 'web chat request failed');
    sendJson(response, 500, {
      error: { code: 'internal', text: 'Something went wrong on our side. Please try again.' },
    });
  }

  function forward(event: JobEvent): void {
    if (event.place.platform !== 'web') return;
    if (FINAL_EVENTS.has(event.type)) quota.finished(event.jobId);
    const job = core.getJob(event.jobId);
    if (!job || job.deleted) return;
    const delivered = hub.sendTo(event.owner.id, { type: 'card', card: cardFromEvent(event, job, core, nextSeq()) });
    // Only an outcome someone saw counts as delivered; otherwise the next page load shows it (and confirms it).
    if (delivered === 0 || !FINAL_EVENTS.has(event.type)) return;
    if (event.type === 'done')
      core.recordMessage(job.id, {
        role: 'result',
        platform: 'web',
        channelId: WEB_CHANNEL_ID,
        threadId: job.place.threadId,
        messageId: job.id,
      });
    else core.markDelivered(job.id);
  }

  return {
    async start() {
      if (!isLoopbackHost(host) && !password) {
        throw new RfeditError(
          'web_password_missing',
          `The web chat is set to listen on ${host}, where other machines can reach it, but it has no password. ` +
            `Set RFEDIT_WEB_PASSWORD (at least ${MIN_PASSWORD_LENGTH} characters), or keep it on this machine with web.host: 127.0.0.1 (RFEDIT_WEB__HOST), or turn it off with RFEDIT_WEB__ENABLED=false.`,
        );
      }
      if (password && password.length < MIN_PASSWORD_LENGTH) {
        throw new RfeditError(
          'web_password_short',
          `RFEDIT_WEB_PASSWORD is too short: use at least ${MIN_PASSWORD_LENGTH} characters.`,
        );
      }
      assets = await loadStaticAssets();
      spoolDir =
        options.dataDir === undefined
          ? mkdtempSync(join(tmpdir(), 'rfedit-uploads-'))
          : prepareSpoolDir(join(options.dataDir, 'web-chat', 'uploads'));
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
      if (options.dataDir === undefined && spoolDir) rmSync(spoolDir, { recursive: true, force: true });
    },
  };
}

/**
 * The upload: a JSON line ({text, filename, contentType}), a newline, then the photo's bytes (none when nothing is
 * attached). The line must end within 64 KB, checked as it arrives, so it is never parsed at the size of a photo.
 */
async function handleSend(
  request: IncomingMessage,
  client: WebClient,
  api: ChatApi,
  where: { gate: UploadGate; spoolDir: string },
  maxUploadBytes: number,
) {
  const body = await readBody(request, {
    maxBytes: maxUploadBytes + FORM_BYTES,
    tooLarge: uploadTooLarge(maxUploadBytes),
    ...where,
    client: client.key,
    firstLine: {
      maxBytes: FORM_BYTES,
      tooLong: new HttpError(
        413,
        'message_too_large',
        'That message is too long: the text and the file name may take up to 64 KB together. Please shorten it.',
      ),
    },
  });
  const newline = body.indexOf(0x0a);
  const header = parseJsonObject(body.subarray(0, newline === -1 ? body.length : newline).toString('utf8'));
  const bytes =
    newline === -1
      ? new Uint8Array(0)
      : new Uint8Array(body.buffer, body.byteOffset + newline + 1, body.length - newline - 1);
  const text = stringField(header, 'text')!;
  const filename = stringField(header, 'filename', { optional: true });
  // A named file with no bytes is an empty file (answered as such), not a missing photo.
  const attachment =
    bytes.byteLength === 0 && !filename
      ? null
      : { bytes, filename, contentType: stringField(header, 'contentType', { optional: true }) };
  return api.send(client, text, attachment);
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
