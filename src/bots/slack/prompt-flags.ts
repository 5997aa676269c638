/**
 * "make it snowy --strength 0.7" → prompt and options, as typed after /edit or in a mention.
 * Flags go at the end, Midjourney style; an em or en dash counts as `--` because phones turn `--` into one.
 */
import { UserInputError } from '../../errors.ts';
import type { EditOptions } from '../../commands/index.ts';

const NUMBER_FLAGS = { strength: 'strength', seed: 'seed', steps: 'steps', guidance: 'guidance' } as const;
const TEXT_FLAGS = { preset: 'preset', sampler: 'sampler' } as const;
const FLAG = /(?:^|\s)(?:--|—|–)([a-z]+)\s+(\S+)/giu;

export interface ParsedPrompt {
  prompt: string;
  options: EditOptions;
}

export function parsePromptFlags(text: string): ParsedPrompt {
  const options: EditOptions = {};
  const firstFlag = text.search(/(?:^|\s)(?:--|—|–)[a-z]/iu);
  const prompt = (firstFlag < 0 ? text : text.slice(0, firstFlag)).trim();
  const flagsText = firstFlag < 0 ? '' : text.slice(firstFlag);
  let consumed = '';
  for (const match of flagsText.matchAll(FLAG)) {
    const name = match[1].toLowerCase();
    const value = match[2];
    consumed += match[0];
    if (name in NUMBER_FLAGS) {
      const number = Number(value.replace(',', '.'));
      if (!Number.isFinite(number)) throw new UserInputError('option_invalid', `--${name} needs a number; got "${value}".`);
      options[NUMBER_FLAGS[name as keyof typeof NUMBER_FLAGS]] = number;
    } else if (name in TEXT_FLAGS) {
      (options as Record<string, string>)[TEXT_FLAGS[name as keyof typeof TEXT_FLAGS]] = value;
    } else {
      throw new UserInputError('option_unknown', `I do not know --${name}. Options: --strength, --seed, --steps, --guidance, --preset, --sampler.`);
    }
  }
  if (consumed.replace(/\s+/g, '') !== flagsText.replace(/\s+/g, '')) {
    throw new UserInputError('option_invalid', 'Options go at the end, each with a value, e.g. "make it snowy --strength 0.7".');
  }
  return { prompt, options };
}
