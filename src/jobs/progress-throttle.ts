/**
 * At most one progress event per job per interval, because every event becomes a chat message edit
 * and chat APIs rate-limit those. A job's first report and its completion always pass.
 */
export class ProgressThrottle {
  private readonly lastPassedAt = new Map<string, number>();

  constructor(private readonly intervalMs: number, private readonly now: () => number) {}

  pass(jobId: string, fraction: number): boolean {
    const now = this.now();
    const last = this.lastPassedAt.get(jobId);
    if (last !== undefined && fraction < 1 && now - last < this.intervalMs) return false;
    this.lastPassedAt.set(jobId, now);
    return true;
  }

  forget(jobId: string): void {
    this.lastPassedAt.delete(jobId);
  }
}
