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
