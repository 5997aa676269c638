/**
 * Jobs built on other jobs. Every job keeps its source image hash and its parent's id, so a
 * variation of a variation edits the same photo and `info` can walk back to the first edit.
 */
import type { EditParams } from '../engine/types.ts';
import { QuotaError, RfeditError, UserInputError } from '../errors.ts';
import { dropUndefined } from '../jobs/queue.ts';
import type { JobKind, JobRecord, JobSpec } from '../jobs/types.ts';
import { pendingButtons } from './buttons.ts';
import { formatQueuePlace } from './format.ts';
import { type GridKind, gridCells } from './grid.ts';
import type { CommandContext, CommandDeps, Reply } from './types.ts';

type Overrides = NonNullable<JobSpec['overrides']>;

export interface NewJob {
  kind: JobKind;
  prompt: string;
  strength?: number;
  preset?: string;
  overrides?: Overrides;
  sourceHash: string;
  parentId: string | null;
  /** Four results from one inversion (see grid.ts). */
  grid?: GridKind;
}

const KIND_LABEL: Record<JobKind, string> = {
  edit: 'Edit',
  variation: 'Variation',
  subtle: 'Subtler edit',
  strong: 'Stronger edit',
  remix: 'Remix',
  pick: 'Full-size copy',
  sweep: 'Strength sweep',
};

/**
 * Resolves parameters once (impossible combinations are refused here, before queueing; the seed is drawn here), submits
 * them with the job, and answers with the queue place. The engine later runs exactly these.
 */
export async function submitJob(job: NewJob, ctx: CommandContext, deps: CommandDeps): Promise<Reply> {
  checkDailyQuota(ctx, deps);
  deps.disk?.assertRoomForNewWork();
  const first = resolveParams(job, deps);
  const grid = job.grid ? gridCells(job.grid, job, first, (cell) => resolveParams(cell, deps), deps) : undefined;
  const { grid: _kind, ...fields } = dropUndefined(job) as NewJob;
  const spec: JobSpec = {
    ...fields,
    owner: ctx.user,
    place: ctx.place,
    params: grid ? grid.cells[0] : first,
    ...(grid ? { grid } : {}),
  };
  if (grid) checkDailyQuota(ctx, deps, grid.cells.length);
  const { job: record, position, etaMs } = await deps.queue.submit(spec);
  return {
    text: `${KIND_LABEL[job.kind]} queued. ${formatQueuePlace(position, etaMs)}`,
    ephemeral: false,
    jobId: record.id,
    buttons: pendingButtons(deps.codec, record.id),
  };
}

/** A new job on the parent's source, linked to the parent. */
export async function submitDerived(
  parent: JobRecord,
  change: Omit<NewJob, 'sourceHash' | 'parentId'>,
  ctx: CommandContext,
  deps: CommandDeps,
) {
  if (!(await deps.images.has(parent.sourceHash))) {
    throw new UserInputError(
      'image_expired',
      'The photo behind that edit is no longer stored (old images are cleaned up). Please upload it again.',
    );
  }
  return submitJob({ ...change, sourceHash: parent.sourceHash, parentId: parent.id }, ctx, deps);
}

/** Parameters that define "the same edit" apart from strength: kept by subtle, strong and remix. */
export function keptSettings(parent: JobRecord): Overrides {
  const { seed, inversionSeed, steps, guidance, sampler, method, convention } = parent.params;
  return { seed, inversionSeed, steps, guidance, sampler, method, convention };
}

/** Hand-set overrides minus those a new strength must be free to change (the controller and its window). */
export function overridesForNewStrength(parent: JobRecord): Overrides {
  const {
    gamma: _gamma,
    eta: _eta,
    start: _start,
    stop: _stop,
    etaDecayPower: _power,
    ...rest
  } = parent.overrides ?? {};
  return { ...rest, ...keptSettings(parent) };
}

/** The strength the parent ran with; subtle/strong/remix need one to move from. */
export function strengthOf(parent: JobRecord): number {
  const strength = parent.params.strength ?? parent.strength;
  if (strength === undefined || strength === null) {
    throw new UserInputError(
      'no_strength',
      'That edit was made with hand-set parameters, so it has no strength to nudge. Use remix with a strength instead.',
    );
  }
  return strength;
}

/** Parent, grandparent, … up to the first edit (bounded, in case of a corrupt cycle). */
export function ancestorsOf(job: JobRecord, deps: Pick<CommandDeps, 'store'>, maxDepth = 50): JobRecord[] {
  const chain: JobRecord[] = [];
  let parentId = job.parentId;
  while (parentId !== null && chain.length < maxDepth) {
    const parent = deps.store.get(parentId);
    if (!parent) break;
    chain.push(parent);
    parentId = parent.parentId;
  }
  return chain;
}

function resolveParams(job: NewJob, deps: CommandDeps): EditParams {
  try {
    return deps.resolveParams({ strength: job.strength, preset: job.preset, overrides: job.overrides });
  } catch (error) {
    if (error instanceof RfeditError) throw error;
    throw new UserInputError('option_invalid', `Those options do not fit together: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

const DAY_MS = 86_400_000;

/** Per-user results per UTC day (a grid counts as its cells); admins are exempt. */
export function checkDailyQuota(ctx: CommandContext, deps: CommandDeps, results = 1): void {
  const quota = deps.limits.dailyQuota;
  if (quota === 0 || ctx.isAdmin) return;
  const now = deps.now();
  const dayStart = now - (now % DAY_MS);
  const used = deps.store.countCreatedSince(ctx.user, dayStart);
  if (used + results > quota) {
    const hours = Math.ceil((dayStart + DAY_MS - now) / 3_600_000);
    throw new QuotaError(
      'daily_quota',
      used >= quota
        ? `You have used all ${quota} of your edits for today. The quota resets at midnight UTC (in about ${hours} h).`
        : `A grid makes ${results} results; you have ${quota - used} of your ${quota} edits left today. Ask for one result, or wait until midnight UTC (in about ${hours} h).`,
      { details: { used, quota } },
    );
  }
}
