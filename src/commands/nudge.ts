/** subtle and strong: the same edit with the strength one step down or up, same seed, so only the strength differs. */
import { UserInputError } from '../errors.ts';
import { findVisibleJob } from './job-access.ts';
import { overridesForNewStrength, strengthOf, submitDerived } from './lineage.ts';
import { jobOption } from './options.ts';
import type { CommandContext, CommandDeps, CommandModule, Reply } from './types.ts';

async function nudge(direction: -1 | 1, jobId: string, ctx: CommandContext, deps: CommandDeps): Promise<Reply> {
  const parent = findVisibleJob(jobId, ctx, deps);
  const from = strengthOf(parent);
  // Rounded so repeated nudges land on tidy values (0.35, not 0.35000000000000003).
  const to = Math.round(Math.min(1, Math.max(0, from + direction * deps.limits.strengthStep)) * 100) / 100;
  if (to === from) {
    const which = direction < 0 ? 'subtlest (0)' : 'strongest (1)';
    throw new UserInputError('strength_at_limit', `That edit is already at the ${which} setting.`);
  }
  const kind = direction < 0 ? 'subtle' : 'strong';
  return submitDerived(
    parent,
    { kind, prompt: parent.prompt, strength: to, preset: parent.preset, overrides: overridesForNewStrength(parent) },
    ctx,
    deps,
  );
}

export const subtleCommand: CommandModule<'subtle'> = {
  name: 'subtle',
  description: 'The same edit, a step closer to the original photo',
  options: [jobOption('The edit to tone down')],
  execute: (command, ctx, deps) => nudge(-1, command.jobId, ctx, deps),
};

export const strongCommand: CommandModule<'strong'> = {
  name: 'strong',
  description: 'The same edit, a step further from the original photo',
  options: [jobOption('The edit to push further')],
  execute: (command, ctx, deps) => nudge(1, command.jobId, ctx, deps),
};
