/**
 * The bot's local picture of the shared line, so `position()` and `stats()` can answer at once
 * (the JobQueue contract makes them synchronous). Redis is the truth; this view is refreshed from it
 * after every submit and cancel and whenever BullMQ reports a move, and updated directly from the
 * workers' own signals, which arrive first.
 */
export interface RunningJob {
  startedAt: number;
  fraction: number;
  steps: number;
  /** Known for this bot's own jobs: a recently inverted photo is priced as cached. */
  sourceHash?: string;
}

export interface LineSnapshot {
  /** Waiting job ids in the order workers will take them. */
  waiting: string[];
  /** Job ids BullMQ holds as active. */
  active: string[];
}

export class LineView {
  private waiting: string[] = [];
  private readonly running = new Map<string, RunningJob>();
  /** Jobs that ended here; a snapshot taken before the end must not bring them back. */
  private readonly ended = new Set<string>();

  get waitingCount(): number {
    return this.waiting.length;
  }

  get runningCount(): number {
    return this.running.size;
  }

  runningJobs(): IterableIterator<[string, RunningJob]> {
    return this.running.entries();
  }

  getRunning(jobId: string): RunningJob | undefined {
    return this.running.get(jobId);
  }

  /** 0-based place among the waiting jobs, or null when the job is not waiting. */
  indexOf(jobId: string): number | null {
    const index = this.waiting.indexOf(jobId);
    return index < 0 ? null : index;
  }

  /**
   * Takes Redis's order for the waiting jobs. A job this view already knows to be running or ended
   * stays so: the snapshot may have been read just before that news.
   */
  applySnapshot(snapshot: LineSnapshot, now: number, stepsOf: (jobId: string) => number): void {
    this.waiting = snapshot.waiting.filter((id) => !this.running.has(id) && !this.ended.has(id));
    for (const id of snapshot.active) {
      if (!this.running.has(id) && !this.ended.has(id))
        this.running.set(id, { startedAt: now, fraction: 0, steps: stepsOf(id) });
    }
  }

  markWaiting(jobId: string): void {
    this.running.delete(jobId);
    this.ended.delete(jobId);
    if (!this.waiting.includes(jobId)) this.waiting.push(jobId);
  }

  markStarted(jobId: string, job: RunningJob): void {
    this.waiting = this.waiting.filter((id) => id !== jobId);
    this.running.set(jobId, job);
  }

  /** A running job went back in line (its worker stopped or died); Redis's next snapshot places it. */
  markInterrupted(jobId: string): void {
    this.running.delete(jobId);
  }

  setFraction(jobId: string, fraction: number): void {
    const job = this.running.get(jobId);
    if (job) job.fraction = fraction;
  }

  markEnded(jobId: string): void {
    this.waiting = this.waiting.filter((id) => id !== jobId);
    this.running.delete(jobId);
    this.ended.add(jobId);
    // Only needed until the next snapshot can no longer contain the job; keep the set small.
    if (this.ended.size > 10_000) this.ended.delete(this.ended.values().next().value as string);
  }
}
