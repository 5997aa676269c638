/**
 * The WebSocket gateway of the fake Discord: HELLO, IDENTIFY → READY (+ GUILD_CREATE per guild), heartbeat ACK,
 * RESUME → replay of missed dispatches + RESUMED, and dispatches with an increasing sequence number. Events
 * dispatched while the client is disconnected wait in the session log and arrive on resume, as on Discord.
 *
 * Sharding as events/gateway.mdx "Sharding" documents it: IDENTIFY's `shard: [id, count]` (default [0, 1]);
 * a guild's events go only to the sessions of shard `(guild_id >> 22) % count`; events without a guild id (DMs)
 * only to shard 0; a session that would hold more than `maxGuildsPerShard` guilds is closed with 4011
 * "Sharding required" (opcodes-and-status-codes.mdx, "Gateway Close Event Codes").
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
  /** [shard id, shard count] from IDENTIFY. */
  readonly shard: readonly [number, number];
  /** The intents the client identified with. */
  readonly intents: number;
  seq: number;
  readonly log: DispatchFrame[];
  ws: WebSocket | undefined;
}

/** What a dispatch may depend on: the receiving session's intents (e.g. Message Content). */
export interface SessionView {
  readonly intents: number;
}

export interface GatewayOptions {
  readonly token: string;
  readonly heartbeatIntervalMs: number;
  /** READY's `d` minus session fields, and the GUILD_CREATE payloads that follow it, for the guilds a shard owns. */
  readonly readyData: (owns: (guildId: string) => boolean) => Record<string, unknown>;
  readonly guildCreates: (owns: (guildId: string) => boolean) => unknown[];
  readonly guildIds: () => string[];
  readonly maxGuildsPerShard: () => number;
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

/** events/gateway.mdx, "Sharding Formula": `shard_id = (guild_id >> 22) % num_shards`. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

export class FakeGateway {
  readonly received: Recorder<ClientFrame>;
  /** Close codes the fake sent (e.g. 4011), newest last. */
  readonly closeCodes: number[] = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private connections = 0;

  constructor(private readonly options: GatewayOptions) {
    this.received = new Recorder<ClientFrame>(
      'gateway frames',
      (f) => `conn ${f.connection} op ${f.op} ${JSON.stringify(f.d)?.slice(0, 120)}`,
    );
  }

  attach(server: LoopbackServer): void {
    server.onUpgrade(GATEWAY_PATH, (req, socket, head) =>
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws)),
    );
  }

  get connected(): boolean {
    return [...this.sessions.values()].some((s) => s.ws?.readyState === WebSocket.OPEN);
  }

  /** True once a client identified; dispatches before that have nowhere to go. */
  get hasSession(): boolean {
    return this.sessions.size > 0;
  }

  /** The [id, count] of every session, e.g. to see how a client sharded itself. */
  get shards(): Array<readonly [number, number]> {
    return [...this.sessions.values()].map((s) => s.shard);
  }

  /** Sends a dispatch to the sessions that own it (by its guild id), now or on their resume. Returns its sequence number. */
  dispatch(t: string, d: unknown): number {
    return this.dispatchWith(t, guildIdOf(t, d), () => d);
  }

  /**
   * A dispatch whose payload depends on the receiving session (its intents, e.g. Message Content), for the shard
   * that owns `guildId` (shard 0 without one). Returns the sequence number in the first receiving session (-1: none).
   */
  dispatchWith(t: string, guildId: string | undefined, build: (session: SessionView) => unknown): number {
    if (this.sessions.size === 0)
      throw new Error(`fake gateway: no session to dispatch ${t} to; wait for the client's clientReady first`);
    const targets = [...this.sessions.values()].filter((s) =>
      guildId === undefined ? s.shard[0] === 0 : shardOf(guildId, s.shard[1]) === s.shard[0],
    );
    if (targets.length === 0)
      throw new Error(
        `fake gateway: no session owns ${guildId === undefined ? 'shard 0' : `guild ${guildId}`} for ${t}`,
      );
    // A session whose intents leave the event out (build gives undefined) receives nothing.
    const sequences = targets.flatMap((session) => {
      const d = build(session);
      return d === undefined ? [] : [this.send(session, t, d)];
    });
    return sequences[0] ?? -1;
  }

  drop(mode: DropMode = 'resume'): void {
    for (const [key, session] of this.sessions) {
      const socket = session.ws;
      session.ws = undefined;
      if (mode === 'invalidate') this.sessions.delete(key);
      if (!socket) continue;
      if (mode === 'abrupt') socket.terminate();
      else socket.close(GatewayCloseCodes.UnknownError, 'dropped by test');
    }
  }

  async close(): Promise<void> {
    this.received.rejectAll('gateway closed');
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private send(session: Session, t: string, d: unknown): number {
    const frame: DispatchFrame = { op: GatewayOpcodes.Dispatch, t, s: ++session.seq, d };
    session.log.push(frame);
    if (session.ws?.readyState === WebSocket.OPEN) session.ws.send(JSON.stringify(frame));
    return frame.s;
  }

  private accept(ws: WebSocket): void {
    const connection = ++this.connections;
    ws.on('message', (raw) =>
      this.onFrame(ws, connection, JSON.parse(raw.toString()) as { op: GatewayOpcodes; d: unknown }),
    );
    ws.on('close', () => {
      for (const session of this.sessions.values()) if (session.ws === ws) session.ws = undefined;
    });
    send(ws, {
      op: GatewayOpcodes.Hello,
      d: { heartbeat_interval: this.options.heartbeatIntervalMs },
      s: null,
      t: null,
    });
  }

  private onFrame(ws: WebSocket, connection: number, frame: { op: GatewayOpcodes; d: unknown }): void {
    switch (frame.op) {
      case GatewayOpcodes.Heartbeat:
        send(ws, { op: GatewayOpcodes.HeartbeatAck });
        break;
      case GatewayOpcodes.Identify:
        this.identify(ws, frame.d as { token: string; intents?: number; shard?: [number, number] });
        break;
      case GatewayOpcodes.Resume:
        this.resume(ws, frame.d as { token: string; session_id: string; seq: number });
        break;
      default:
        break;
    }
    this.received.record({ connection, op: frame.op, d: frame.d });
  }

  private identify(ws: WebSocket, d: { token: string; intents?: number; shard?: [number, number] }): void {
    if (d.token !== this.options.token)
      return this.closeWith(ws, GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
    const [shardId, shardCount] = d.shard ?? [0, 1];
    if (!(shardCount >= 1 && shardId >= 0 && shardId < shardCount))
      return this.closeWith(ws, GatewayCloseCodes.InvalidShard, 'Invalid shard.');
    const owns = (guildId: string) => shardOf(guildId, shardCount) === shardId;
    if (this.options.guildIds().filter(owns).length > this.options.maxGuildsPerShard()) {
      return this.closeWith(ws, GatewayCloseCodes.ShardingRequired, 'Sharding required.');
    }
    const key = `${shardId}/${shardCount}`;
    const session: Session = {
      id: randomBytes(16).toString('hex'),
      shard: [shardId, shardCount],
      intents: d.intents ?? 0,
      seq: 0,
      log: [],
      ws,
    };
    this.sessions.set(key, session);
    this.send(session, GatewayDispatchEvents.Ready, {
      v: 10,
      ...this.options.readyData(owns),
      session_id: session.id,
      resume_gateway_url: this.options.url(),
      shard: [shardId, shardCount],
    });
    for (const guild of this.options.guildCreates(owns)) this.send(session, GatewayDispatchEvents.GuildCreate, guild);
  }

  private resume(ws: WebSocket, d: { token: string; session_id: string; seq: number }): void {
    const session = [...this.sessions.values()].find((s) => s.id === d.session_id);
    if (d.token !== this.options.token || !session) {
      send(ws, { op: GatewayOpcodes.InvalidSession, d: false });
      return;
    }
    session.ws = ws;
    for (const frame of session.log) if (frame.s > d.seq) send(ws, frame);
    // RESUMED is not logged: replaying it on a later resume would make the client think it resumed twice.
    send(ws, { op: GatewayOpcodes.Dispatch, t: GatewayDispatchEvents.Resumed, s: session.seq, d: {} });
  }

  private closeWith(ws: WebSocket, code: number, reason: string): void {
    this.closeCodes.push(code);
    ws.close(code, reason);
  }
}

/** The guild a dispatch belongs to: `guild_id`, or the guild itself for guild events. */
function guildIdOf(t: string, d: unknown): string | undefined {
  if (typeof d !== 'object' || d === null) return undefined;
  const data = d as { guild_id?: string; id?: string };
  if (data.guild_id !== undefined) return data.guild_id;
  const isGuildItself =
    t === GatewayDispatchEvents.GuildCreate ||
    t === GatewayDispatchEvents.GuildUpdate ||
    t === GatewayDispatchEvents.GuildDelete;
  return isGuildItself ? data.id : undefined;
}

function send(ws: WebSocket, frame: unknown): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
}
