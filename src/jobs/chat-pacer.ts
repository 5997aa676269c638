/**
 * Paces outbound chat API calls per channel (Slack allows about one message per second per channel;
 * Discord buckets per route), so a burst of status edits never trips a 429. One bottleneck limiter
 * per channel key, created on first use and dropped when idle.
 */
import Bottleneck from 'bottleneck';
import { dropUndefined } from './queue.ts';

export interface ChatPacerOptions {
  /** Gap between two calls to the same channel. @default 1_000 */
  readonly minTimeMs?: number;
  /** Calls in flight per channel. @default 1 */
  readonly maxConcurrent?: number;
  /** A channel's limiter is forgotten after this long without calls. @default 300_000 (5 min) */
  readonly idleExpireMs?: number;
}

export const CHAT_PACER_DEFAULTS: Required<ChatPacerOptions> = {
  minTimeMs: 1_000,
  maxConcurrent: 1,
  idleExpireMs: 300_000, // 5 min
};

export class ChatPacer {
  private readonly group: Bottleneck.Group;
  /** Replaceable calls not started yet, by update key. */
  private readonly pending = new Map<
    string,
    { call: () => Promise<unknown>; resolve: (value: unknown) => void; reject: (error: unknown) => void }
  >();

  constructor(options: ChatPacerOptions = {}) {
    const { minTimeMs, maxConcurrent, idleExpireMs } = { ...CHAT_PACER_DEFAULTS, ...dropUndefined(options) };
    this.group = new Bottleneck.Group({ minTime: minTimeMs, maxConcurrent, timeout: idleExpireMs });
  }

  /** Runs `call` in its channel's turn. */
  schedule<T>(channelKey: string, call: () => Promise<T>): Promise<T> {
    return this.group.key(channelKey).schedule(call);
  }

  /**
   * For updates where only the newest matters (progress edits of one message): if an update with
   * the same `updateKey` is still waiting, it is replaced and its promise resolves to `undefined`.
   */
  scheduleLatest<T>(channelKey: string, updateKey: string, call: () => Promise<T>): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
      const previous = this.pending.get(updateKey);
      this.pending.set(updateKey, { call, resolve: resolve as (value: unknown) => void, reject });
      // The turn already booked for the replaced update runs this one instead.
      if (previous) return previous.resolve(undefined);
      const takeUpdate = () => {
        const update = this.pending.get(updateKey)!;
        this.pending.delete(updateKey);
        return update;
      };
      this.schedule(channelKey, async () => {
        const update = takeUpdate();
        try {
          update.resolve(await update.call());
        } catch (error) {
          update.reject(error);
        }
      }).catch((error) => takeUpdate().reject(error));
    });
  }

  async close(): Promise<void> {
    for (const limiter of this.group.limiters()) await limiter.limiter.stop({ dropWaitingJobs: true });
  }
}
