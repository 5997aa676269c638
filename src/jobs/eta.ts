/**
 * ETA from measured engine time: a running average of milliseconds per transformer call, kept per
 * working-size bucket (twice the pixels cost about twice the time per call), learnt from every
 * finished job. A job's expected work is its steps for the edit plus as many again for the inversion,
 * unless the same photo was inverted at that step count recently (the engine caches inversions, so
 * variations, Subtler/Stronger and remixes cost about half).
 */

/** What the queue knows of a job before it runs. */
export interface EtaJob {
  steps: number;
  sourceHash: string;
  /** Results from the one inversion (a grid's cells). @default 1 */
  results?: number;
}

/** What a finished run teaches. */
export interface EtaSample extends EtaJob {
  /** Wall time of the run, as the queue saw it. */
  durationMs: number;
  /** Pixels of the result (the engine's working size). */
  pixels: number;
  /** Transformer calls the run made (inversion + edit), when the engine reports them. */
  calls?: number;
}

interface Average {
  msPerCall: number;
  samples: number;
}

/** Cost of the newest sample once an average has a few: reacts to a slower machine within a few jobs, smooths noise. */
const LATEST_WEIGHT = 0.3;
/** Photos remembered (their working size, and that their inversion is cached). */
const SOURCES_REMEMBERED = 1_000;

export class EtaEstimator {
  private readonly buckets = new Map<number, Average>();
  private readonly sources = new Map<string, number>();
  private latestBucket: number | null = null;

  /** `initialMsPerStep`: the guess before anything was measured, per edit step of a whole job. */
  constructor(private readonly initialMsPerStep: number) {}

  /** Measured time per step of a job whose inversion is not cached (the figure `stats()` reports). */
  get msPerStep(): number {
    const average = this.latestBucket === null ? undefined : this.buckets.get(this.latestBucket);
    return average ? 2 * average.msPerCall : this.initialMsPerStep;
  }

  /** Learns from a finished job. Failed or cancelled runs say little about speed and are not recorded. */
  record(sample: EtaSample): void {
    const calls = sample.calls ?? 2 * sample.steps;
    if (calls <= 0 || sample.pixels <= 0 || !Number.isFinite(sample.durationMs) || sample.durationMs < 0) return;
    const bucket = bucketOf(sample.pixels);
    const average = this.buckets.get(bucket);
    const measured = sample.durationMs / calls;
    if (!average) this.buckets.set(bucket, { msPerCall: measured, samples: 1 });
    else {
      average.samples++;
      // A plain mean over the first few samples (the first one replaces the guess), then an exponential one.
      average.msPerCall += Math.max(LATEST_WEIGHT, 1 / average.samples) * (measured - average.msPerCall);
    }
    this.latestBucket = bucket;
    this.sources.delete(sourceKey(sample));
    this.sources.set(sourceKey(sample), sample.pixels);
    if (this.sources.size > SOURCES_REMEMBERED) this.sources.delete(this.sources.keys().next().value!);
  }

  /** Expected run time of a job. */
  jobMs(job: EtaJob): number {
    const pixels = this.sources.get(sourceKey(job));
    // An unseen photo: most photos are scaled down to the same working size, so the latest size is the best guess.
    const bucket = pixels === undefined ? this.latestBucket : bucketOf(pixels);
    const average = bucket === null ? undefined : this.buckets.get(bucket);
    const results = job.results ?? 1;
    if (!average) return job.steps * (1 + results) * this.initialMsPerStep * 0.5;
    const calls = job.steps * ((pixels === undefined ? 1 : 0) + results);
    return calls * average.msPerCall;
  }

  /**
   * Time left of a running job. Early on, the expectation minus the time spent; as the job reports
   * progress, more and more its own pace (elapsed × left / done), which also covers a run slower
   * than the average.
   */
  remainingMs(run: { job: EtaJob; elapsedMs: number; fraction: number }): number {
    const expected = Math.max(0, this.jobMs(run.job) - run.elapsedMs);
    const fraction = run.fraction;
    if (!(fraction > 0 && fraction < 1)) return expected;
    const ownPace = (run.elapsedMs * (1 - fraction)) / fraction;
    return fraction * ownPace + (1 - fraction) * expected;
  }
}

/** Half-octave buckets of the pixel count. */
function bucketOf(pixels: number): number {
  return Math.round(2 * Math.log2(pixels));
}

function sourceKey(job: EtaJob): string {
  return `${job.sourceHash}:${job.steps}`;
}

/**
 * When a waiting job should start: the running jobs finish, then the jobs before it run, spread
 * over the engine's slots.
 */
export function etaToStartMs(input: { runningRemainingMs: number[]; aheadJobMs: number[]; slots: number }): number {
  const sum = (values: number[]) => values.reduce((total, ms) => total + ms, 0);
  return Math.round((sum(input.runningRemainingMs) + sum(input.aheadJobMs)) / input.slots);
}

export function etaJob(job: { sourceHash: string; params: { steps: number }; grid?: { cells: unknown[] } }): EtaJob {
  return {
    steps: job.params.steps,
    sourceHash: job.sourceHash,
    ...(job.grid ? { results: job.grid.cells.length } : {}),
  };
}

/** A running job as the ETA sees it (a job another bot replica runs is known by its steps only: priced as not cached). */
export interface RunningShare {
  startedAt: number;
  fraction: number;
  steps: number;
  sourceHash?: string;
}

/** Where a job stands: running (position 0, time left) or waiting behind `aheadJobs`. Both queues answer with this. */
export function placeInLine(
  eta: EtaEstimator,
  now: number,
  job: { running: RunningShare } | { aheadJobs: readonly EtaJob[]; runningJobs: Iterable<RunningShare>; slots: number },
): { position: number; etaMs: number } {
  const remaining = (run: RunningShare) =>
    eta.remainingMs({
      job: { steps: run.steps, sourceHash: run.sourceHash ?? '' },
      elapsedMs: now - run.startedAt,
      fraction: run.fraction,
    });
  if ('running' in job) return { position: 0, etaMs: Math.round(remaining(job.running)) };
  const etaMs = etaToStartMs({
    runningRemainingMs: [...job.runningJobs].map(remaining),
    aheadJobMs: job.aheadJobs.map((ahead) => eta.jobMs(ahead)),
    slots: job.slots,
  });
  return { position: job.aheadJobs.length + 1, etaMs };
}
