/**
 * Open WebSocket connections, by user: the server pushes job cards to every tab of the job's owner.
 * Pages never send anything over the socket; commands go over HTTP, so a dropped socket loses no input.
 */
import { WebSocket } from 'ws';
import type { JobCard } from './cards.ts';

export type ServerMessage =
  | { type: 'hello'; user: string }
  | { type: 'card'; card: JobCard }
  /** Messages the bot took down (delete): the page removes them. */
  | { type: 'remove'; messageIds: string[] };

// Proxies and browsers drop idle connections; a ping every half minute keeps them open and finds dead ones.
const PING_INTERVAL_MS = 30_000;

export class LiveHub {
  private readonly sockets = new Map<string, Set<WebSocket>>();
  private readonly alive = new WeakSet<WebSocket>();
  private readonly pinger = setInterval(() => this.ping(), PING_INTERVAL_MS);

  constructor() {
    this.pinger.unref();
  }

  add(userId: string, socket: WebSocket): void {
    const set = this.sockets.get(userId) ?? new Set<WebSocket>();
    set.add(socket);
    this.sockets.set(userId, set);
    this.alive.add(socket);
    socket.on('pong', () => this.alive.add(socket));
    // A frame over maxPayload (or any protocol error) arrives as 'error'; ws then closes the socket itself.
    // Without a listener the error is uncaught and takes the whole bot down with it.
    socket.on('error', () => socket.terminate());
    socket.on('close', () => {
      set.delete(socket);
      if (set.size === 0) this.sockets.delete(userId);
    });
    this.send(socket, { type: 'hello', user: userId });
  }

  /** Sends to every open tab of the user; returns how many got it. */
  sendTo(userId: string, message: ServerMessage): number {
    let sent = 0;
    for (const socket of this.sockets.get(userId) ?? []) if (this.send(socket, message)) sent++;
    return sent;
  }

  closeAll(): void {
    clearInterval(this.pinger);
    for (const set of this.sockets.values()) for (const socket of set) socket.terminate();
    this.sockets.clear();
  }

  private send(socket: WebSocket, message: ServerMessage): boolean {
    if (socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  private ping(): void {
    for (const set of this.sockets.values()) {
      for (const socket of set) {
        if (!this.alive.has(socket)) {
          socket.terminate();
          continue;
        }
        this.alive.delete(socket);
        socket.ping();
      }
    }
  }
}
