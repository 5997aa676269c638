/**
 * Per-client limits on edits, on top of the core's per-user ones. The core counts per identity; a web
 * client can get a fresh identity by dropping its cookie, so without a password the page's clients are
 * counted by address too (an IPv6 client by its /64, which one machine can rotate through freely).
 * Counts live in memory: after a restart only the core's per-identity limits know the jobs resumed.
 */
import { isIPv6 } from 'node:net';
import { QuotaError } from '../../errors.ts';
import { userQueueFullError } from '../../jobs/refusals.ts';

export interface ClientLimits {
  /** Edits waiting or running per client. Follow the core's `perUserQueued`. */
  perClientQueued: number;
  /** Edits started per client per UTC day; 0 = unlimited. Follow the core's `dailyQuota`. */
  dailyPerClient: number;
}

const DAY_MS = 86_400_000;

export class ClientQuota {
  private readonly activeOf = new Map<string, Set<string>>();
  private readonly clientOf = new Map<string, string>();
  private readonly pendingOf = new Map<string, number>();
  private readonly startedToday = new Map<string, number>();
  private day = -1;

  constructor(
    private readonly limits: ClientLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Holds a place for one edit the client is about to ask for, or throws the refusal the user reads.
   * Call the returned function once the core has answered (`started` first, if it made a job).
   */
  reserve(client: string): () => void {
    const mine = (this.activeOf.get(client)?.size ?? 0) + (this.pendingOf.get(client) ?? 0);
    if (mine >= this.limits.perClientQueued) throw userQueueFullError(mine, this.limits.perClientQueued);
    const quota = this.limits.dailyPerClient;
    if (quota > 0 && this.usedToday(client) + (this.pendingOf.get(client) ?? 0) >= quota) {
      const hours = Math.ceil((DAY_MS - (this.now() % DAY_MS)) / 3_600_000);
      throw new QuotaError(
        'daily_quota',
        `This chat has started all ${quota} edits allowed from your connection today. The count resets at midnight UTC (in about ${hours} h).`,
        {
          details: { quota },
        },
      );
    }
    this.pendingOf.set(client, (this.pendingOf.get(client) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.pendingOf.get(client) ?? 1) - 1;
      if (left === 0) this.pendingOf.delete(client);
      else this.pendingOf.set(client, left);
    };
  }

  started(client: string, jobId: string): void {
    const active = this.activeOf.get(client) ?? new Set<string>();
    active.add(jobId);
    this.activeOf.set(client, active);
    this.clientOf.set(jobId, client);
    this.startedToday.set(client, this.usedToday(client) + 1);
  }

  /** A job ended (done, failed, cancelled): it no longer counts as waiting or running. */
  finished(jobId: string): void {
    const client = this.clientOf.get(jobId);
    if (client === undefined) return;
    this.clientOf.delete(jobId);
    const active = this.activeOf.get(client)!;
    active.delete(jobId);
    if (active.size === 0) this.activeOf.delete(client);
  }

  private usedToday(client: string): number {
    const day = Math.floor(this.now() / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.startedToday.clear();
    }
    return this.startedToday.get(client) ?? 0;
  }
}

/** The address a client is counted by: IPv4 as is (also when mapped into IPv6), IPv6 by its /64 network. */
export function addressKey(remoteAddress: string | undefined): string {
  const address = (remoteAddress ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (!isIPv6(address)) return `ip:${address}`;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `ip:${groups
    .slice(0, 4)
    .map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
