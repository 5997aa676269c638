/**
 * The text a user types in the page, as a Command: `/edit make it snowy --strength 0.7 --seed 3`.
 * Option names, types and which ones exist come from the command registry (the same definitions the
 * Discord and Slack adapters render), so the page offers exactly what the other platforms offer.
 * Ranges are checked by the commands themselves, so their messages are the same everywhere.
 */
import { COMMANDS } from '../../commands/index.ts';
import type { Command, CommandKind, CommandOption, ImageInput } from '../../commands/index.ts';
import { UserInputError } from '../../errors.ts';

export type ChatInput = Command | { kind: 'help' };

const EXAMPLE = '/edit make it snowy --strength 0.7';
// Phones and some keyboards turn "--" into an em or en dash; accept those as the option marker.
const DASHED_OPTION = /(^|\s)(?:--|—|–)(?=[a-z])/giu;

export function parseChatInput(text: string, attachment: ImageInput | null): ChatInput {
  const words = text.replace(DASHED_OPTION, '$1--').trim().split(/\s+/u).filter((word) => word.length > 0);
  const head = words.shift();
  if (head === undefined || !head.startsWith('/')) {
    throw new UserInputError('command_missing', `Commands start with a slash, e.g. ${EXAMPLE} (with a photo attached). Type /help to see them all.`);
  }
  const name = head.slice(1).toLowerCase();
  if (name === 'help') return { kind: 'help' };
  if (!isCommandKind(name)) {
    throw new UserInputError('command_unknown', `There is no /${name} command. Try ${EXAMPLE}, or /help for the list.`);
  }
  const options = COMMANDS[name].options;
  const { flags, positional } = splitFlags(words, name, options);
  const fields: Record<string, unknown> = {};
  for (const option of options) {
    if (option.type === 'image') fields[option.name] = attachment ?? { bytes: new Uint8Array(0) }; // the command says "please attach a photo"
    else if (option.type === 'job') {
      const jobId = positional.shift();
      if (jobId === undefined) throw new UserInputError('option_missing', `/${name} needs the id of an edit, e.g. /${name} Ab3dE5fG7hJ9.`);
      fields.jobId = jobId;
    } else if (option.name === 'prompt' && !flags.has('prompt')) {
      if (positional.length > 0) fields.prompt = positional.splice(0).join(' ');
      else if (option.required) fields.prompt = ''; // the command answers with its own "describe the edit" message
    } else if (flags.has(option.name)) fields[option.name] = convert(option, flags.get(option.name)!, name);
  }
  if (positional.length > 0) {
    throw new UserInputError('option_unexpected', `I did not understand "${positional.join(' ')}" after /${name}. Options look like --strength 0.7.`);
  }
  return toCommand(name, fields);
}

/** `--name value` pairs and the words in between. */
function splitFlags(words: string[], command: string, options: readonly CommandOption[]) {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  const flagNames = options.filter((o) => o.type !== 'image' && o.type !== 'job').map((o) => o.name);
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (!word.startsWith('--')) {
      positional.push(word);
      continue;
    }
    const flag = word.slice(2).toLowerCase();
    if (!flagNames.includes(flag) || flag === 'prompt') {
      const allowed = flagNames.filter((n) => n !== 'prompt').map((n) => `--${n}`);
      const hint = allowed.length > 0 ? ` /${command} takes ${allowed.join(', ')}.` : ` /${command} takes no options.`;
      throw new UserInputError('option_unknown', `Unknown option ${word}.${hint}`);
    }
    const value = words[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UserInputError('option_missing', `${word} needs a value, e.g. ${word} ${exampleValue(flag, options)}.`);
    flags.set(flag, value);
    i++;
  }
  return { flags, positional };
}

function convert(option: CommandOption, raw: string, command: string): string | number {
  if (option.type === 'string') return raw;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) {
    throw new UserInputError('option_invalid', `--${option.name} needs a number, e.g. --${option.name} ${exampleValue(option.name, COMMANDS[command as CommandKind].options)}; got "${raw}".`);
  }
  return value;
}

function exampleValue(name: string, options: readonly CommandOption[]): string {
  const option = options.find((o) => o.name === name);
  if (option?.choices) return option.choices[0];
  if (option?.type === 'integer') return String(option.min ?? 1);
  if (option?.type === 'number') return String(((option.min ?? 0) + (option.max ?? 1)) / 2);
  return 'value';
}

/** Edit keeps its tuning options in `options`; the other commands take theirs at the top level. */
function toCommand(kind: CommandKind, fields: Record<string, unknown>): Command {
  if (kind === 'edit') {
    const { image, prompt, ...options } = fields;
    return { kind, image: image as ImageInput, prompt: prompt as string, options };
  }
  return { kind, ...fields } as Command; // fields were built from this command's own option list
}

function isCommandKind(name: string): name is CommandKind {
  return Object.hasOwn(COMMANDS, name);
}

/** `/help`: every command with its options, from the registry. */
export function helpText(): string {
  const lines = Object.values(COMMANDS).map((command) => {
    const args = command.options.map((o) => (o.type === 'image' ? '' : o.type === 'job' ? '<job id>' : o.name === 'prompt' ? '<prompt>' : `[--${o.name}]`));
    return `/${command.name} ${args.filter(Boolean).join(' ')} — ${command.description}`;
  });
  return [`Attach a photo and type ${EXAMPLE}.`, ...lines].join('\n');
}
