/**
 * The text a user types in the page, as a Command: `/edit make it snowy --strength 0.7 --seed 3`.
 * This layer only picks the command by name (and `/help`); the words after it go through the core's
 * shared parser (src/commands/parse-flags.ts), so the page reads flags exactly as Slack does.
 */
import { COMMANDS, SKETCH_PRESET, parseTypedArgs, sketchHelp } from '../../commands/index.ts';
import type { Command, CommandKind, ImageInput } from '../../commands/index.ts';
import { UserInputError } from '../../errors.ts';

export type ChatInput = Command | { kind: 'help' };

const EXAMPLE = '/edit make it snowy --strength 0.7';
// The page shows a comparison with the Compare toggle under a result; a typed reply could only say so.
const PAGE_ONLY: ReadonlyMap<string, string> = new Map([
  ['compare', 'Press Compare under a result to see your photo beside it.'],
]);

/** Picks the command by its name; the words after it are read by the core's shared flag parser. */
export function parseChatInput(text: string, attachment: ImageInput | null): ChatInput {
  const trimmed = text.trim();
  const [head = ''] = trimmed.split(/\s/u, 1);
  if (!head.startsWith('/')) {
    throw new UserInputError(
      'command_missing',
      `Commands start with a slash, e.g. ${EXAMPLE} (with a photo attached). Type /help to see them all.`,
    );
  }
  const name = head.slice(1).toLowerCase();
  if (name === 'help') return { kind: 'help' };
  const onPage = PAGE_ONLY.get(name);
  if (onPage !== undefined) throw new UserInputError('command_on_page', onPage);
  if (!isCommandKind(name)) {
    throw new UserInputError('command_unknown', `There is no /${name} command. Try ${EXAMPLE}, or /help for the list.`);
  }
  const fields: Record<string, unknown> = parseTypedArgs(name, trimmed.slice(head.length));
  // Without a photo the command says "please attach a photo" in its own words.
  if (COMMANDS[name].options.some((o) => o.type === 'image')) fields.image = attachment ?? { bytes: new Uint8Array(0) };
  return toCommand(name, fields);
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

/** `/help`: every command with its options, from the registry, then the model's words if it has a fixed vocabulary. */
export function helpText(vocabulary: string | null = null): string {
  const typed = Object.values(COMMANDS).filter((command) => !PAGE_ONLY.has(command.name));
  const lines = typed.map((command) => {
    const args = command.options.map((o) =>
      o.type === 'image' ? '' : o.type === 'job' ? '<job id>' : o.name === 'prompt' ? '<prompt>' : `[--${o.name}]`,
    );
    return `/${command.name} ${args.filter(Boolean).join(' ')} — ${command.description}`;
  });
  const sketch = sketchHelp(`attach it and add --preset ${SKETCH_PRESET}, or press Draw next to Attach to draw here`);
  return [`Attach a photo and type ${EXAMPLE}.`, ...lines, sketch, ...(vocabulary ? ['', vocabulary] : [])].join('\n');
}
