import { findVisibleJob } from './job-access.ts';
import { submitDerived } from './lineage.ts';
import { jobOption } from './options.ts';
import type { EditParams } from '../engine/types.ts';
import { variationBase } from './grid.ts';
import type { NewJob } from './lineage.ts';
import type { CommandModule } from './types.ts';

/**
 * A variation's knobs: the inversion seed stays, so the engine reuses the cached inversion; only the editing noise
 * changes (a new seed through the stochastic sampler). Grids make their other candidates the same way.
 */
export function variedOverrides(
  overrides: NewJob['overrides'],
  base: EditParams,
  seed: number,
): NonNullable<NewJob['overrides']> {
  return { ...overrides, inversionSeed: base.inversionSeed, seed, sampler: 'sde' };
}

export const variationCommand: CommandModule<'variation'> = {
  name: 'variation',
  description: 'Same photo, prompt and strength, new seed',
  options: [jobOption('The edit to vary')],
  async execute(command, ctx, deps) {
    const parent = findVisibleJob(command.jobId, ctx, deps);
    const base = variationBase(parent, command.cell);
    const cellKnobs = parent.grid
      ? { strength: base.strength ?? undefined, preset: base.preset ?? undefined }
      : { strength: parent.strength, preset: parent.preset };
    const overrides = variedOverrides(parent.overrides, base, deps.randomSeed());
    return submitDerived(parent, { kind: 'variation', prompt: parent.prompt, ...cellKnobs, overrides }, ctx, deps);
  },
};
