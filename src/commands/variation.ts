import { findVisibleJob } from './job-access.ts';
import { submitDerived } from './lineage.ts';
import { jobOption } from './options.ts';
import type { CommandModule } from './types.ts';

export const variationCommand: CommandModule<'variation'> = {
  name: 'variation',
  description: 'Same photo, prompt and strength, new seed',
  options: [jobOption('The edit to vary')],
  async execute(command, ctx, deps) {
    const parent = findVisibleJob(command.jobId, ctx, deps);
    // The inversion seed stays, so the engine reuses the cached inversion; only the editing noise changes.
    const overrides = { ...parent.overrides, inversionSeed: parent.params.inversionSeed, seed: deps.randomSeed(), sampler: 'sde' as const };
    return submitDerived(parent, { kind: 'variation', prompt: parent.prompt, strength: parent.strength, preset: parent.preset, overrides }, ctx, deps);
  },
};
