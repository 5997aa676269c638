/**
 * Several reverse passes in lockstep, one batched model call per step. Each pass keeps its own sampler loop and
 * sees an ordinary Velocity; the calls they make at the same σ are gathered and sent to the model together (a
 * batch of B latents costs far less than B calls on a GPU). The samplers need no change: a pass simply waits
 * for the others to reach the same step.
 */
import type { Velocity } from './types.ts';

/** The model over a batch: one output per input, all at the same σ. */
export type BatchVelocity<C> = (
  xs: readonly Float32Array[],
  sigma: number,
  conds: readonly C[],
) => Promise<Float32Array[]>;

interface PendingCall<C> {
  x: Float32Array;
  sigma: number;
  cond: C;
  resolve(v: Float32Array): void;
  reject(error: unknown): void;
}

export interface Lockstep<C> {
  /** One velocity per pass. */
  readonly velocities: readonly Velocity<C>[];
  /** Runs pass `lane`; when it ends (done, failed or stopped) the others stop waiting for it. */
  run<T>(lane: number, pass: (velocity: Velocity<C>) => Promise<T>): Promise<T>;
}

/** `lanes` passes sharing `batch`; calls at different σ (passes with other schedules) go out as separate batches. */
export function lockstep<C>(batch: BatchVelocity<C>, lanes: number): Lockstep<C> {
  const active = new Set<number>(Array.from({ length: lanes }, (_, lane) => lane));
  const waiting = new Map<number, PendingCall<C>>();

  function flushWhenAllWait(): void {
    if (waiting.size === 0 || waiting.size < active.size) return;
    const calls = [...waiting.values()];
    waiting.clear();
    const bySigma = new Map<number, PendingCall<C>[]>();
    for (const call of calls) bySigma.set(call.sigma, [...(bySigma.get(call.sigma) ?? []), call]);
    for (const [sigma, group] of bySigma) {
      batch(
        group.map((c) => c.x),
        sigma,
        group.map((c) => c.cond),
      ).then(
        (outputs) => group.forEach((call, i) => call.resolve(outputs[i])),
        (error: unknown) => group.forEach((call) => call.reject(error)),
      );
    }
  }

  const velocities = Array.from(
    { length: lanes },
    (_, lane): Velocity<C> =>
      (x, sigma, cond) => {
        if (!active.has(lane)) return Promise.reject(new Error(`lockstep lane ${lane} called after it ended`));
        return new Promise<Float32Array>((resolve, reject) => {
          waiting.set(lane, { x, sigma, cond, resolve, reject });
          flushWhenAllWait();
        });
      },
  );

  return {
    velocities,
    async run(lane, pass) {
      try {
        return await pass(velocities[lane]);
      } finally {
        active.delete(lane);
        flushWhenAllWait();
      }
    },
  };
}

/** A batch velocity made of single calls, for models without a batch axis (and as the reference in tests). */
export function oneByOne<C>(velocity: Velocity<C>): BatchVelocity<C> {
  return async (xs, sigma, conds) => {
    const outputs: Float32Array[] = [];
    for (let i = 0; i < xs.length; i++) outputs.push(Float32Array.from(await velocity(xs[i], sigma, conds[i])));
    return outputs;
  };
}
