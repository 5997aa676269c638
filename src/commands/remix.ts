import { UserInputError } from '../errors.ts';
import { findVisibleJob } from './job-access.ts';
import { keptSettings, overridesForNewStrength, submitDerived } from './lineage.ts';
import { jobOption } from './options.ts';
import type { CommandModule } from './types.ts';
import { validatePrompt, validateStrength } from './validate.ts';

export const remixCommand: CommandModule<'remix'> = {
  name: 'remix',
  description: 'A new prompt and/or strength on the same photo',
  options: [
    jobOption('The edit to remix'),
    { name: 'prompt', type: 'string', description: 'The new prompt' },
    { name: 'strength', type: 'number', description: 'The new strength' },
  ],
  async execute(command, ctx, deps) {
    const parent = findVisibleJob(command.jobId, ctx, deps);
    if (command.prompt === undefined && command.strength === undefined) {
      throw new UserInputError('remix_empty', 'Give a new prompt, a new strength, or both.');
    }
    const prompt = command.prompt === undefined ? parent.prompt : validatePrompt(command.prompt, deps.limits);
    const strength = validateStrength(command.strength);
    const overrides =
      strength === undefined ? { ...parent.overrides, ...keptSettings(parent) } : overridesForNewStrength(parent);
    return submitDerived(
      parent,
      { kind: 'remix', prompt, strength: strength ?? parent.strength, preset: parent.preset, overrides },
      ctx,
      deps,
    );
  },
};
