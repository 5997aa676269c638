import { MAX_SEED } from '../config/schema.ts';
import type { CommandLimits, CommandOption } from './types.ts';

/** The job a command acts on; adapters usually fill it from a button, a reply or a message's job id. */
export function jobOption(description: string): CommandOption {
  return { name: 'job', type: 'job', description, required: true };
}

/** The bounds of every bounded option, from the limits in force: chat platforms show them, validation enforces them. */
export function optionBounds(
  limits: Required<CommandLimits>,
): Record<string, Pick<CommandOption, 'min' | 'max' | 'maxLength'>> {
  return {
    prompt: { maxLength: limits.maxPromptChars },
    strength: { min: 0, max: 1 },
    seed: { min: 0, max: MAX_SEED },
    steps: { min: 1, max: limits.maxSteps },
    guidance: { min: 0, max: limits.maxGuidance },
  };
}

/** Options with their bounds filled in from `limits`. */
export function withBounds(options: readonly CommandOption[], limits: Required<CommandLimits>): CommandOption[] {
  const bounds = optionBounds(limits);
  return options.map((option) => ({ ...option, ...bounds[option.name] }));
}
