/**
 * The HTTP core both platform fakes stand on: a server on 127.0.0.1 (port 0), a route table, a record of every
 * request with its parsed body, faults a test can queue for the next matching call, and a static file server.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Recorder } from './recorder.ts';

export interface UploadedFile {
  /** Multipart field name, e.g. `files[0]` (Discord) or `file`/`body` (Slack). */
  readonly field: string;
  readonly filename: string;
  readonly contentType: string;
  readonly data: Buffer;
}

export interface RecordedRequest {
  /** Arrival order across the whole server, from 1. */
  readonly seq: number;
  readonly method: string;
  /** Percent-decoded pathname: Discord's `%40original` is recorded as `@original`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: Buffer;
  /** The body when it was `application/json`, else undefined. */
  readonly json: unknown;
  /** Text fields of an urlencoded or multipart body. */
  readonly fields: Readonly<Record<string, string>>;
  readonly files: readonly UploadedFile[];
  /** The status the fake answered with (a queued fault's status when one fired). */
  status: number;
  responseBody: unknown;
  /** True when an injected fault answered instead of the route. */
  faulted: boolean;
}

export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Buffer/string are sent as is; anything else as JSON; undefined sends no body and no Content-Type. */
  readonly body?: unknown;
  /** Send the headers and the first half of the body, then stall until the server closes (download timeouts). */
  readonly stall?: boolean;
}

export type RouteHandler = (req: RecordedRequest, params: string[]) => Reply | Promise<Reply>;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handle: RouteHandler;
}

interface QueuedFault {
  readonly matches: (req: RecordedRequest) => boolean;
  readonly reply: Reply;
  remaining: number;
}

export interface ServeOptions {
  readonly contentType: string;
  readonly filename?: string;
  /** Answer instead of the file when this returns a reply (e.g. Slack's login page without a token). */
  readonly guard?: (req: RecordedRequest) => Reply | undefined;
  /** Stall mid-body, for testing a download time limit. */
  readonly stall?: boolean;
}

export interface ServedFile {
  readonly url: string;
  readonly path: string;
  readonly data: Buffer;
  readonly contentType: string;
  readonly filename: string;
}

export class LoopbackServer {
  readonly requests: Recorder<RecordedRequest>;
  private readonly server: Server;
  private readonly routes: Route[] = [];
  private readonly faults: QueuedFault[] = [];
  private readonly upgrades = new Map<string, (req: IncomingMessage, socket: Duplex, head: Buffer) => void>();
  private readonly files = new Map<string, ServedFile & Pick<ServeOptions, 'guard' | 'stall'>>();
  private seq = 0;
  private fileSeq = 0;
  private port = 0;

  constructor(name: string) {
    this.requests = new Recorder<RecordedRequest>(
      `${name} requests`,
      (r) => `#${r.seq} ${r.method} ${r.path} → ${r.status}`,
    );
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('upgrade', (req, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const upgrade = this.upgrades.get(path);
      if (upgrade) upgrade(req, socket, head);
      else socket.destroy();
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsOrigin(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    this.requests.rejectAll('server closed');
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  route(method: string, pattern: RegExp, handle: RouteHandler): void {
    this.routes.push({ method, pattern, handle });
  }

  onUpgrade(path: string, handler: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): void {
    this.upgrades.set(path, handler);
  }

  /** The next `times` requests that match get `reply` instead of reaching their route. */
  injectFault(matches: (req: RecordedRequest) => boolean, reply: Reply, times = 1): void {
    this.faults.push({ matches, reply, remaining: times });
  }

  /** Serves `data` at a fresh URL on this server with its Content-Type and Content-Length (GET and HEAD). */
  serve(data: Buffer, options: ServeOptions): ServedFile {
    const filename = options.filename ?? 'file.bin';
    const path = `/files/${++this.fileSeq}/${encodeURIComponent(filename)}`;
    const file = {
      url: `${this.origin}${path}`,
      path,
      data,
      contentType: options.contentType,
      filename,
      guard: options.guard,
      stall: options.stall,
    };
    this.files.set(path, file);
    return file;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const seq = ++this.seq;
    let recorded: RecordedRequest;
    try {
      recorded = await readRequest(req, seq);
    } catch (error) {
      // A body the platform would refuse (bad JSON, broken multipart): answer 400 rather than crash the fake.
      writeReply(
        res,
        { status: 400, body: { message: `fake could not parse the body: ${(error as Error).message}` } },
        false,
      );
      return;
    }
    let reply: Reply;
    try {
      reply = this.faultFor(recorded) ?? (await this.dispatch(recorded));
    } catch (error) {
      reply = { status: 500, body: { message: `fake crashed: ${(error as Error).stack ?? String(error)}` } };
    }
    recorded.status = reply.status;
    recorded.responseBody = reply.body;
    writeReply(res, reply, req.method === 'HEAD');
    this.requests.record(recorded);
  }

  private faultFor(req: RecordedRequest): Reply | undefined {
    const fault = this.faults.find((f) => f.remaining > 0 && f.matches(req));
    if (!fault) return undefined;
    fault.remaining--;
    req.faulted = true;
    return fault.reply;
  }

  private async dispatch(req: RecordedRequest): Promise<Reply> {
    const file = this.files.get(req.path);
    if (file && (req.method === 'GET' || req.method === 'HEAD')) {
      return (
        file.guard?.(req) ?? {
          status: 200,
          headers: { 'content-type': file.contentType },
          body: file.data,
          stall: file.stall,
        }
      );
    }
    for (const route of this.routes) {
      if (route.method !== req.method && route.method !== '*') continue;
      const match = route.pattern.exec(req.path);
      if (match) return route.handle(req, match.slice(1));
    }
    return { status: 404, body: { message: `fake has no route for ${req.method} ${req.path}` } };
  }
}

async function readRequest(req: IncomingMessage, seq: number): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks);
  const url = new URL(req.url ?? '/', 'http://x');
  const contentType = req.headers['content-type'] ?? '';
  const parsed = await parseBody(contentType, rawBody);
  return {
    seq,
    method: req.method ?? 'GET',
    path: decodeURIComponent(url.pathname),
    query: url.searchParams,
    headers: req.headers,
    rawBody,
    ...parsed,
    status: 0,
    responseBody: undefined,
    faulted: false,
  };
}

async function parseBody(
  contentType: string,
  body: Buffer,
): Promise<Pick<RecordedRequest, 'json' | 'fields' | 'files'>> {
  if (contentType.startsWith('application/json') && body.length > 0) {
    return { json: JSON.parse(body.toString('utf8')), fields: {}, files: [] };
  }
  if (!contentType.startsWith('multipart/form-data') && !contentType.startsWith('application/x-www-form-urlencoded')) {
    return { json: undefined, fields: {}, files: [] };
  }
  // undici's Response parses both form encodings exactly as a browser would; no hand-written multipart parser.
  const form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
  const fields: Record<string, string> = {};
  const files: UploadedFile[] = [];
  for (const [field, value] of form) {
    if (typeof value === 'string') fields[field] = value;
    else
      files.push({
        field,
        filename: value.name,
        contentType: value.type,
        data: Buffer.from(await value.arrayBuffer()),
      });
  }
  return { json: undefined, fields, files };
}

function writeReply(res: ServerResponse, reply: Reply, headOnly: boolean): void {
  const headers: Record<string, string> = { ...reply.headers };
  let body: Buffer | undefined;
  if (Buffer.isBuffer(reply.body)) body = reply.body;
  else if (typeof reply.body === 'string') body = Buffer.from(reply.body);
  else if (reply.body !== undefined) {
    body = Buffer.from(JSON.stringify(reply.body));
    headers['content-type'] ??= 'application/json';
  }
  if (body) headers['content-length'] = String(body.length);
  res.writeHead(reply.status, headers);
  if (reply.stall && body && !headOnly) res.write(body.subarray(0, Math.floor(body.length / 2)));
  else res.end(headOnly ? undefined : body);
}
