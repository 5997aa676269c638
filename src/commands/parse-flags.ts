/**
 * The text typed after a command's name, as that command's fields: `Ab3dE5fG7hJ9 make it snowy --strength 0.7`.
 * One set of rules for every adapter that takes typed text (Slack's /edit and mentions, the web page):
 * - a job id first (commands that act on a job), then the prompt, then `--name value` flags, Midjourney style;
 * - an em or en dash counts as `--`, because phones turn `--` into one;
 * - a comma decimal (`0,7`) counts as a point, as many keyboards type it.
 * Which flags exist and their types come from the command's own option definitions, so every platform
 * offers the same ones. Ranges are checked by the command itself, so those messages are the same everywhere.
 */
import { UserInputError } from '../errors.ts';
import { clip } from './format.ts';
import { COMMANDS } from './registry.ts';
import type { CommandKind, CommandOption, EditOptions } from './types.ts';

/** Fields by option name, with the job option as `jobId`; the image option is the adapter's to fill. */
export type TypedFields = Record<string, string | number | boolean>;

const DASHED_FLAG = /(^|\s)(?:--|—|–)(?=[a-z])/giu;
const FIRST_FLAG = /(?:^|\s)--[a-z]/iu;
const COMMA_DECIMAL = /^([+-]?\d+),(\d+)$/u;

export function parseTypedArgs(kind: CommandKind, text: string): TypedFields {
  const options = COMMANDS[kind].options;
  const normalized = text.replace(DASHED_FLAG, '$1--');
  const firstFlag = normalized.search(FIRST_FLAG);
  const lead = (firstFlag < 0 ? normalized : normalized.slice(0, firstFlag)).trim();
  const flagWords = firstFlag < 0 ? [] : normalized.slice(firstFlag).trim().split(/\s+/u);
  return { ...leadFields(kind, options, lead), ...flagFields(kind, options, flagWords) };
}

/** `make it snowy --strength 0.7` as the edit command's prompt and tuning options (the photo comes separately). */
export function parseEditText(text: string): { prompt: string; options: EditOptions } {
  const { prompt, ...options } = parseTypedArgs('edit', text);
  return { prompt: String(prompt), options: options as EditOptions }; // typed by the edit command's own option list
}

/** The job id and the prompt, in that order, before the first flag. */
function leadFields(kind: CommandKind, options: readonly CommandOption[], lead: string): TypedFields {
  const fields: TypedFields = {};
  let rest = lead;
  if (options.some((o) => o.type === 'job')) {
    const [jobId] = rest.split(/\s/u, 1);
    if (!jobId)
      throw new UserInputError('option_missing', `/${kind} needs the id of an edit, e.g. /${kind} Ab3dE5fG7hJ9.`);
    fields.jobId = jobId;
    rest = rest.slice(jobId.length).trim();
  }
  const prompt = options.find((o) => o.name === 'prompt');
  if (prompt && (rest.length > 0 || prompt.required))
    fields.prompt = rest; // an empty required prompt: the command asks for one in its own words
  else if (!prompt && rest.length > 0) {
    throw new UserInputError(
      'option_unexpected',
      `I did not understand "${clip(rest)}" after /${kind}. Options look like --strength 0.7.`,
    );
  }
  return fields;
}

/** `--name value` pairs; anything else after the first flag is refused, so a misplaced word is not silently dropped. */
function flagFields(kind: CommandKind, options: readonly CommandOption[], words: readonly string[]): TypedFields {
  const flags = options.filter((o) => o.type !== 'image' && o.type !== 'job' && o.name !== 'prompt');
  const fields: TypedFields = {};
  for (let i = 0; i < words.length; i += 2) {
    const word = words[i];
    const named = flags.find((o) => o.name === word.slice(2).toLowerCase());
    // A yes/no option stands alone (`--sweep`), or takes yes/no, true/false.
    if (word.startsWith('--') && named?.type === 'boolean') {
      const next = words[i + 1]?.toLowerCase();
      const given = next !== undefined && BOOLEAN_WORDS.has(next);
      fields[named.name] = given ? BOOLEAN_WORDS.get(next)! : true;
      if (!given) i -= 1;
      continue;
    }
    if (!word.startsWith('--')) {
      throw new UserInputError(
        'option_misplaced',
        `Options go at the end, each with a value, e.g. "make it snowy --strength 0.7"; "${clip(word)}" came after them.`,
      );
    }
    const option = flags.find((o) => o.name === word.slice(2).toLowerCase());
    if (!option) {
      const hint =
        flags.length > 0
          ? ` /${kind} takes ${flags.map((o) => `--${o.name}`).join(', ')}.`
          : ` /${kind} takes no options.`;
      throw new UserInputError('option_unknown', `Unknown option ${word}.${hint}`);
    }
    const value = words[i + 1];
    if (value === undefined || value.startsWith('--')) {
      throw new UserInputError(
        'option_missing',
        `--${option.name} needs a value, e.g. --${option.name} ${exampleValue(option)}.`,
      );
    }
    fields[option.name] = convert(option, value);
  }
  return fields;
}

const BOOLEAN_WORDS = new Map([
  ['yes', true],
  ['true', true],
  ['on', true],
  ['no', false],
  ['false', false],
  ['off', false],
]);

function convert(option: CommandOption, raw: string): string | number {
  if (option.type === 'string') return raw;
  const value = Number(raw.replace(COMMA_DECIMAL, '$1.$2'));
  if (!Number.isFinite(value)) {
    throw new UserInputError(
      'option_invalid',
      `--${option.name} needs a number, e.g. --${option.name} ${exampleValue(option)}; got "${clip(raw)}".`,
    );
  }
  return value;
}

function exampleValue(option: CommandOption): string {
  if (option.choices) return option.choices[0];
  if (option.type === 'integer') return String(option.min ?? 1);
  if (option.type === 'number') return String(((option.min ?? 0) + (option.max ?? 1)) / 2);
  return 'value';
}
