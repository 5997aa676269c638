/**
 * At most one progress event per job per interval, because every event becomes a chat message edit
 * and chat APIs rate-limit those. The interval is per platform: Discord and Slack edit a message
 * (rate-limited, so seconds apart), the web chat redraws a card over its own socket (so a short
 * one, and a demo edit of a second or two still shows progress). A job's first report and its
 * completion always pass, and a preview passes when none was shown for an interval, so a preview
 * is never lost behind the plain percentage updates around it.
 */
export interface ProgressIntervals {
  /** Every platform without its own entry. */
  defaultMs: number;
  byPlatform?: Readonly<Partial<Record<string, number>>>;
}

interface Passed {
  at: number;
  previewAt: number | null;
}

export class ProgressThrottle {
  private readonly lastPassed = new Map<string, Passed>();

  constructor(
    private readonly intervals: ProgressIntervals | number,
    private readonly now: () => number,
  ) {}

  pass(jobId: string, fraction: number, about: { platform?: string; preview?: boolean } = {}): boolean {
    const now = this.now();
    const interval = this.intervalFor(about.platform);
    const last = this.lastPassed.get(jobId);
    const due = last === undefined || fraction >= 1 || now - last.at >= interval;
    const previewDue =
      about.preview === true && (last?.previewAt === null || last === undefined || now - last.previewAt >= interval);
    if (!due && !previewDue) return false;
    this.lastPassed.set(jobId, { at: now, previewAt: about.preview ? now : (last?.previewAt ?? null) });
    return true;
  }

  forget(jobId: string): void {
    this.lastPassed.delete(jobId);
  }

  private intervalFor(platform: string | undefined): number {
    if (typeof this.intervals === 'number') return this.intervals;
    return (platform === undefined ? undefined : this.intervals.byPlatform?.[platform]) ?? this.intervals.defaultMs;
  }
}
