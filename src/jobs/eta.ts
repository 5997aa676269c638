/**
 * ETA from measured engine time. The unit is one edit step (EditParams.steps), so a 28-step job is
 * expected to take 28 × msPerStep; each finished job moves msPerStep toward what it actually took.
 */
export class EtaEstimator {
  private currentMsPerStep: number;

  /** `weight`: how much the latest job counts (exponential moving average). */
  constructor(initialMsPerStep: number, private readonly weight = 0.3) {
    this.currentMsPerStep = initialMsPerStep;
  }

  get msPerStep(): number {
    return this.currentMsPerStep;
  }

  /** Learns from a finished job. Failed or cancelled runs say little about speed and are not recorded. */
  record(steps: number, durationMs: number): void {
    if (steps <= 0 || !Number.isFinite(durationMs) || durationMs < 0) return;
    this.currentMsPerStep += this.weight * (durationMs / steps - this.currentMsPerStep);
  }

  jobMs(steps: number): number {
    return steps * this.currentMsPerStep;
  }

  /** Time left of a running job: from its progress when it reported any, else from the expectation. */
  remainingMs(run: { steps: number; elapsedMs: number; fraction: number }): number {
    if (run.fraction > 0 && run.fraction < 1) return (run.elapsedMs * (1 - run.fraction)) / run.fraction;
    return Math.max(0, this.jobMs(run.steps) - run.elapsedMs);
  }
}

/**
 * When a waiting job should start: the running jobs finish, then the `ahead` jobs before it run,
 * spread over the engine's slots.
 */
export function etaToStartMs(input: { runningRemainingMs: number[]; ahead: number; typicalJobMs: number; slots: number }): number {
  const running = input.runningRemainingMs.reduce((sum, ms) => sum + ms, 0);
  return Math.round((running + input.ahead * input.typicalJobMs) / input.slots);
}

/** A running job as the ETA sees it. */
export interface RunningShare {
  startedAt: number;
  fraction: number;
  steps: number;
}

/** Where a job stands: running (position 0, time left) or waiting behind `ahead` others. Both queues answer with this. */
export function placeInLine(
  eta: EtaEstimator,
  now: number,
  job: { running: RunningShare } | { ahead: number; steps: number; runningJobs: Iterable<RunningShare>; slots: number },
): { position: number; etaMs: number } {
  const remaining = (run: RunningShare) => eta.remainingMs({ steps: run.steps, elapsedMs: now - run.startedAt, fraction: run.fraction });
  if ('running' in job) return { position: 0, etaMs: Math.round(remaining(job.running)) };
  const etaMs = etaToStartMs({
    runningRemainingMs: [...job.runningJobs].map(remaining),
    ahead: job.ahead,
    typicalJobMs: eta.jobMs(job.steps),
    slots: job.slots,
  });
  return { position: job.ahead + 1, etaMs };
}
