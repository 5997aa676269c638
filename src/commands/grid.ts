/**
 * Grids: four results from one inversion, shown as one 2×2 picture. `candidates` are the edit and three others
 * with their own seeds (what a person picks from); a strength `sweep` shows the same edit at four strengths, so
 * the faithfulness/editability trade-off is seen rather than guessed. Every cell's parameters are resolved here,
 * at submit, and must share what the inversion depends on: four results cost one inversion plus four reverse passes.
 */
import type { EditEngine, EditParams, EditRequest } from '../engine/types.ts';
import { UserInputError } from '../errors.ts';
import type { GridSpec, JobRecord } from '../jobs/types.ts';
import { GRID_SIZE, SWEEP_STRENGTHS } from './grid-size.ts';
import { findVisibleJob } from './job-access.ts';
import { overridesForNewStrength, submitDerived, type NewJob } from './lineage.ts';
import { jobOption } from './options.ts';
import type { CommandDeps, CommandModule } from './types.ts';
import { variedOverrides } from './variation.ts';

export type GridKind = GridSpec['kind'];

/** The cells of a new grid job whose first cell resolved to `first`. */
export function gridCells(
  kind: GridKind,
  job: NewJob,
  first: EditParams,
  resolve: (job: NewJob) => EditParams,
  deps: Pick<CommandDeps, 'randomSeed'>,
): GridSpec {
  if (kind === 'candidates') {
    const others = Array.from({ length: GRID_SIZE - 1 }, () =>
      resolve({ ...job, overrides: variedOverrides(job.overrides, first, deps.randomSeed()) }),
    );
    return { kind, cells: [first, ...others], labels: ['1', '2', '3', '4'] };
  }
  if (first.preset !== null || first.strength === null) {
    throw new UserInputError(
      'option_invalid',
      'A strength sweep varies the strength, so it cannot use a preset or hand-set controller values. Leave those out.',
    );
  }
  const { strength: _strength, ...rest } = job;
  const cells = SWEEP_STRENGTHS.map((strength) =>
    resolve({
      ...rest,
      strength,
      overrides: { ...job.overrides, seed: first.seed, inversionSeed: first.inversionSeed },
    }),
  );
  return { kind, cells, labels: SWEEP_STRENGTHS.map(String) };
}

/** A grid for a request made outside the chats (the CLI, the bench): its cells resolved as /edit resolves them. */
export function gridOfRequest(
  kind: GridKind,
  request: Pick<EditRequest, 'prompt' | 'strength' | 'preset' | 'overrides'>,
  resolve: EditEngine['resolveParams'],
  randomSeed: () => number,
): Pick<EditRequest, 'params' | 'cells' | 'cellLabels'> {
  const { prompt, strength, preset, overrides } = request;
  const job: NewJob = { kind: 'edit', prompt, strength, preset, overrides, sourceHash: '', parentId: null };
  const resolveJob = (j: NewJob) => resolve({ strength: j.strength, preset: j.preset, overrides: j.overrides });
  const grid = gridCells(kind, job, resolveJob(job), resolveJob, { randomSeed });
  return { params: grid.cells[0], cells: grid.cells, cellLabels: grid.labels };
}

/** The cell a pick or vary button names (1-based on the button, 0-based here). */
function cellOf(job: JobRecord, cell: number | undefined): EditParams {
  const cells = job.grid?.cells;
  if (!cells)
    throw new UserInputError('option_invalid', 'That result is a single picture; there is nothing to pick from.');
  const index = (cell ?? 1) - 1;
  if (!Number.isInteger(index) || index < 0 || index >= cells.length) {
    throw new UserInputError('option_invalid', `That grid has cells 1 to ${cells.length}.`);
  }
  return cells[index];
}

/** The parameters a cell ran with, as overrides that make exactly it again (its seed included). */
export function cellOverrides(params: EditParams): NonNullable<NewJob['overrides']> {
  const { strength: _s, preset: _p, promptWords: _w, ...knobs } = params;
  return knobs;
}

export const pickCommand: CommandModule<'pick'> = {
  name: 'pick',
  description: 'One cell of a grid at full size, with the usual buttons',
  options: [
    jobOption('The grid to pick from'),
    { name: 'cell', type: 'integer', description: 'Which cell (1–4)', min: 1, max: GRID_SIZE },
  ],
  async execute(command, ctx, deps) {
    const grid = findVisibleJob(command.jobId, ctx, deps);
    const params = cellOf(grid, command.cell);
    // The same parameters and seed give the same picture; the grid's inversion is cached, so only one reverse pass runs.
    return submitDerived(
      grid,
      { kind: 'pick', prompt: grid.prompt, strength: params.strength ?? undefined, overrides: cellOverrides(params) },
      ctx,
      deps,
    );
  },
};

export const sweepCommand: CommandModule<'sweep'> = {
  name: 'sweep',
  description: 'The same edit at four strengths, side by side',
  options: [jobOption('The edit to sweep')],
  async execute(command, ctx, deps) {
    const parent = findVisibleJob(command.jobId, ctx, deps);
    const base = parent.grid ? cellOverrides(parent.grid.cells[0]) : overridesForNewStrength(parent);
    const { eta: _e, start: _s, stop: _t, ...overrides } = base;
    return submitDerived(parent, { kind: 'sweep', prompt: parent.prompt, overrides, grid: 'sweep' }, ctx, deps);
  },
};

/** The cell of a grid a variation starts from (the parent itself when it is a single result). */
export function variationBase(parent: JobRecord, cell: number | undefined): EditParams {
  return parent.grid ? cellOf(parent, cell) : parent.params;
}
