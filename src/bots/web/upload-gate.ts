/**
 * Bounds what request bodies may cost at once: a budget of bytes held across all clients, and a few
 * uploads per client. Both refuse before the body is read, so a flood of large or stalled uploads
 * is answered at once instead of filling memory (issue 15: 100 stalled 20 MB uploads took 2.3 GB).
 */
import { HttpError } from './http-io.ts';

export interface UploadLimits {
  /** Bytes of request bodies held at once, across all clients. @default 128 MiB (six full-size photos) */
  maxBytesInFlight: number;
  /** Photo uploads one client (an address, or a signed-in identity) may have in progress at once. @default 2 */
  perClient: number;
  /** A body must have arrived in full this long after its headers. @default 120_000 */
  bodyTimeoutMs: number;
  /** …and may pause at most this long between two pieces. @default 15_000 */
  idleTimeoutMs: number;
}

export const UPLOAD_LIMIT_DEFAULTS: UploadLimits = {
  maxBytesInFlight: 128 * 1024 * 1024,
  perClient: 2,
  bodyTimeoutMs: 120_000,
  idleTimeoutMs: 15_000,
};

/** A body's claim on the budget: grows as bytes arrive beyond what was reserved, and is given back once. */
export interface UploadTicket {
  /** Makes room for `total` bytes; throws the 503 "server busy" error when the budget has no room left. */
  grow(total: number): void;
  release(): void;
}

export class UploadGate {
  private bytesInFlight = 0;
  private readonly uploadsOf = new Map<string, number>();

  constructor(readonly limits: UploadLimits) {}

  /** Bytes held now (for tests and metrics). */
  get inFlight(): number {
    return this.bytesInFlight;
  }

  /**
   * Admits a body of `reserveBytes` (its declared length, or what a body of unknown length starts with).
   * `client` counts it against that client's uploads; omit it for small JSON requests.
   */
  admit(reserveBytes: number, client?: string): UploadTicket {
    if (client !== undefined && (this.uploadsOf.get(client) ?? 0) >= this.limits.perClient) {
      const n = this.limits.perClient;
      throw new HttpError(
        429,
        'uploads_in_progress',
        `You already have ${n} upload${n === 1 ? '' : 's'} in progress. Wait for ${n === 1 ? 'it' : 'one'} to finish, then send again.`,
      );
    }
    if (this.bytesInFlight + reserveBytes > this.limits.maxBytesInFlight) throw serverBusy();
    this.bytesInFlight += reserveBytes;
    if (client !== undefined) this.uploadsOf.set(client, (this.uploadsOf.get(client) ?? 0) + 1);
    let held = reserveBytes;
    let released = false;
    return {
      grow: (total) => {
        if (released || total <= held) return;
        if (this.bytesInFlight + total - held > this.limits.maxBytesInFlight) throw serverBusy();
        this.bytesInFlight += total - held;
        held = total;
      },
      release: () => {
        if (released) return;
        released = true;
        this.bytesInFlight -= held;
        if (client === undefined) return;
        const left = (this.uploadsOf.get(client) ?? 1) - 1;
        if (left === 0) this.uploadsOf.delete(client);
        else this.uploadsOf.set(client, left);
      },
    };
  }
}

function serverBusy(): HttpError {
  return new HttpError(
    503,
    'server_busy',
    'The server is busy receiving other photos right now. Please try again in a minute.',
  );
}
