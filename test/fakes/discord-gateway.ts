/**
 * The WebSocket gateway of the fake Discord: HELLO, IDENTIFY → READY (+ GUILD_CREATE per guild), heartbeat ACK,
 * RESUME → replay of missed dispatches + RESUMED, and dispatches with an increasing sequence number. Events
 * dispatched while the client is disconnected wait in the session log and arrive on resume, as on Discord.
 */
import { GatewayCloseCodes, GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import { randomBytes } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';
import type { LoopbackServer } from './loopback-server.ts';
import { Recorder } from './recorder.ts';

export interface ClientFrame {
  /** Which connection sent it, counting from 1 (a reconnect opens the next one). */
  readonly connection: number;
  readonly op: GatewayOpcodes;
  readonly d: unknown;
}

interface DispatchFrame {
  readonly op: GatewayOpcodes.Dispatch;
  readonly t: string;
  readonly s: number;
  readonly d: unknown;
}

interface Session {
  readonly id: string;
  seq: number;
  readonly log: DispatchFrame[];
}

export interface GatewayOptions {
  readonly token: string;
  readonly heartbeatIntervalMs: number;
  /** READY's `d` minus session fields, and the GUILD_CREATE payloads that follow it. */
  readonly readyData: () => Record<string, unknown>;
  readonly guildCreates: () => unknown[];
  /** Where the client should resume: this same gateway. */
  readonly url: () => string;
}

export type DropMode =
  /** Close with 4000 (unknown error): discord.js resumes the session. */
  | 'resume'
  /** Kill the TCP connection without a close frame (1006): discord.js resumes the session. */
  | 'abrupt'
  /** Forget the session, then close: the client's RESUME gets INVALID_SESSION and it identifies again. */
  | 'invalidate';

export const GATEWAY_PATH = '/gateway';

export class FakeGateway {
  readonly received: Recorder<ClientFrame>;
  private readonly wss = new WebSocketServer({ noServer: true });
  private active: WebSocket | undefined;
  private session: Session | undefined;
  private connections = 0;

  constructor(private readonly options: GatewayOptions) {
    this.received = new Recorder<ClientFrame>('gateway frames', (f) => `conn ${f.connection} op ${f.op} ${JSON.stringify(f.d)?.slice(0, 120)}`);
  }

  attach(server: LoopbackServer): void {
    server.onUpgrade(GATEWAY_PATH, (req, socket, head) => this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws)));
  }

  get connected(): boolean {
    return this.active?.readyState === WebSocket.OPEN;
  }

  /** True once a client identified; dispatches before that have nowhere to go. */
  get hasSession(): boolean {
    return this.session !== undefined;
  }

  /** Sends a dispatch now, or keeps it for the resume when the client is away. Returns its sequence number. */
  dispatch(t: string, d: unknown): number {
    if (!this.session) throw new Error(`fake gateway: no session to dispatch ${t} to; wait for the client's clientReady first`);
    const frame: DispatchFrame = { op: GatewayOpcodes.Dispatch, t, s: ++this.session.seq, d };
    this.session.log.push(frame);
    if (this.connected) this.active?.send(JSON.stringify(frame));
    return frame.s;
  }

  drop(mode: DropMode = 'resume'): void {
    const socket = this.active;
    this.active = undefined;
    if (mode === 'invalidate') this.session = undefined;
    if (!socket) return;
    if (mode === 'abrupt') socket.terminate();
    else socket.close(GatewayCloseCodes.UnknownError, 'dropped by test');
  }

  async close(): Promise<void> {
    this.received.rejectAll('gateway closed');
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    const connection = ++this.connections;
    ws.on('message', (raw) => this.onFrame(ws, connection, JSON.parse(raw.toString()) as { op: GatewayOpcodes; d: unknown }));
    ws.on('close', () => {
      if (this.active === ws) this.active = undefined;
    });
    send(ws, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs }, s: null, t: null });
  }

  private onFrame(ws: WebSocket, connection: number, frame: { op: GatewayOpcodes; d: unknown }): void {
    switch (frame.op) {
      case GatewayOpcodes.Heartbeat:
        send(ws, { op: GatewayOpcodes.HeartbeatAck });
        break;
      case GatewayOpcodes.Identify:
        this.identify(ws, frame.d as { token: string });
        break;
      case GatewayOpcodes.Resume:
        this.resume(ws, frame.d as { token: string; session_id: string; seq: number });
        break;
      default:
        break;
    }
    this.received.record({ connection, op: frame.op, d: frame.d });
  }

  private identify(ws: WebSocket, d: { token: string }): void {
    if (d.token !== this.options.token) {
      ws.close(GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
      return;
    }
    this.active = ws;
    this.session = { id: randomBytes(16).toString('hex'), seq: 0, log: [] };
    this.dispatch(GatewayDispatchEvents.Ready, {
      v: 10,
      ...this.options.readyData(),
      session_id: this.session.id,
      resume_gateway_url: this.options.url(),
      shard: [0, 1],
    });
    for (const guild of this.options.guildCreates()) this.dispatch(GatewayDispatchEvents.GuildCreate, guild);
  }

  private resume(ws: WebSocket, d: { token: string; session_id: string; seq: number }): void {
    if (d.token !== this.options.token || !this.session || this.session.id !== d.session_id) {
      send(ws, { op: GatewayOpcodes.InvalidSession, d: false });
      return;
    }
    this.active = ws;
    for (const frame of this.session.log) if (frame.s > d.seq) send(ws, frame);
    // RESUMED is not logged: replaying it on a later resume would make the client think it resumed twice.
    send(ws, { op: GatewayOpcodes.Dispatch, t: GatewayDispatchEvents.Resumed, s: this.session.seq, d: {} });
  }
}

function send(ws: WebSocket, frame: unknown): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
}
