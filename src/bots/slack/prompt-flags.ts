/**
 * "make it snowy --strength 0.7" → prompt and options, as typed after /edit or in a mention.
 * Flags go at the end, Midjourney style; an em or en dash counts as `--` because phones turn `--` into one.
 * Which flags exist and their types come from the edit command's definition, so Slack offers what
 * the other platforms offer; ranges are checked by the command itself.
 */
import { COMMANDS, type EditOptions } from '../../commands/index.ts';
import { UserInputError } from '../../errors.ts';

const FLAG_TYPES = new Map(COMMANDS.edit.options.filter((o) => o.type !== 'image' && o.name !== 'prompt').map((o) => [o.name, o.type]));
const FLAG_LIST = [...FLAG_TYPES.keys()].map((name) => `--${name}`).join(', ');
const FLAG = /(?:^|\s)(?:--|—|–)([a-z]+)\s+(\S+)/giu;
const FIRST_FLAG = /(?:^|\s)(?:--|—|–)[a-z]/iu;

export interface ParsedPrompt {
  prompt: string;
  options: EditOptions;
}

export function parsePromptFlags(text: string): ParsedPrompt {
  const firstFlag = text.search(FIRST_FLAG);
  const prompt = (firstFlag < 0 ? text : text.slice(0, firstFlag)).trim();
  const flagsText = firstFlag < 0 ? '' : text.slice(firstFlag);
  const options: Record<string, string | number> = {};
  let consumed = '';
  for (const [whole, rawName, value] of flagsText.matchAll(FLAG)) {
    const name = rawName.toLowerCase();
    const type = FLAG_TYPES.get(name);
    consumed += whole;
    if (type === undefined) throw new UserInputError('option_unknown', `I do not know --${name}. Options: ${FLAG_LIST}.`);
    if (type === 'number' || type === 'integer') {
      const number = Number(value.replace(',', '.'));
      if (!Number.isFinite(number)) throw new UserInputError('option_invalid', `--${name} needs a number; got "${value}".`);
      options[name] = number;
    } else options[name] = value;
  }
  if (consumed.replace(/\s+/g, '') !== flagsText.replace(/\s+/g, '')) {
    throw new UserInputError('option_invalid', 'Options go at the end, each with a value, e.g. "make it snowy --strength 0.7".');
  }
  return { prompt, options: options as EditOptions };
}
