/**
 * A minimal Socket Mode server: apps.connections.open hands out this WebSocket URL; on connect the fake sends
 * `hello`; each delivery is an envelope `{ envelope_id, type, payload, accepts_response_payload }` and resolves
 * when the app acknowledges it with `{ envelope_id, payload? }`.
 */
import { randomUUID } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';
import type { LoopbackServer } from './loopback-server.ts';
import { Recorder } from './recorder.ts';
import type { Delivery, EnvelopeKind, SlackTransport } from './slack-events.ts';

export const SOCKET_MODE_PATH = '/socket-mode';

export interface SocketAck {
  readonly envelope_id: string;
  readonly payload?: unknown;
}

export class SocketModeServer implements SlackTransport {
  readonly acks: Recorder<SocketAck>;
  readonly connections: Recorder<number>;
  private readonly wss = new WebSocketServer({ noServer: true });
  private active: WebSocket | undefined;
  private pingTimer: NodeJS.Timeout | undefined;

  constructor(private readonly appId: string) {
    this.acks = new Recorder<SocketAck>(
      'socket mode acks',
      (a) => `${a.envelope_id} ${JSON.stringify(a.payload) ?? ''}`,
    );
    this.connections = new Recorder<number>('socket mode connections', (n) => `connection ${n}`);
  }

  attach(server: LoopbackServer): void {
    server.onUpgrade(SOCKET_MODE_PATH, (req, socket, head) =>
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws)),
    );
  }

  async deliver(kind: EnvelopeKind, payload: Record<string, unknown>): Promise<Delivery> {
    const socket = this.active;
    if (!socket || socket.readyState !== WebSocket.OPEN)
      throw new Error(
        'fake slack: no Socket Mode client is connected; await slack.socketMode.connections.waitFor(() => true) first',
      );
    const envelopeId = randomUUID();
    socket.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type: kind,
        payload,
        accepts_response_payload: kind !== 'events_api',
        ...(kind === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
      }),
    );
    const ack = await this.acks.waitFor((a) => a.envelope_id === envelopeId);
    return { status: 200, body: JSON.stringify(ack.payload ?? {}), json: ack.payload };
  }

  /** Asks the client to reconnect, as Slack does every few hours. */
  requestRefresh(): void {
    this.active?.send(
      JSON.stringify({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'fake' } }),
    );
  }

  async close(): Promise<void> {
    clearInterval(this.pingTimer);
    this.acks.rejectAll('socket mode closed');
    this.connections.rejectAll('socket mode closed');
    // Finish close handshakes politely: a terminated socket makes the client log a WebSocket error.
    await Promise.all([...this.wss.clients].map((client) => closeGracefully(client)));
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    this.active = ws;
    ws.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as Partial<SocketAck>;
      if (typeof frame.envelope_id === 'string')
        this.acks.record({ envelope_id: frame.envelope_id, payload: frame.payload });
    });
    ws.on('close', () => {
      if (this.active === ws) this.active = undefined;
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'fake-socket-mode', build_number: 1, approximate_connection_time: 3600 },
        connection_info: { app_id: this.appId },
      }),
    );
    // The client reconnects if the server stays silent past its serverPingTimeout (30 s); keep it content.
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => ws.readyState === WebSocket.OPEN && ws.ping(), 10_000).unref();
    ws.ping();
    this.connections.record(this.connections.entries.length + 1);
  }
}

function closeGracefully(client: WebSocket): Promise<void> {
  if (client.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const fallback = setTimeout(() => client.terminate(), 1_000);
    client.once('close', () => {
      clearTimeout(fallback);
      resolve();
    });
    if (client.readyState === WebSocket.OPEN) client.close(1001, 'fake slack closing');
  });
}
