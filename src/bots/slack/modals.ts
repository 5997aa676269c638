/**
 * The three modals: /edit (photo, prompt, strength), "Edit this image" (prompt, strength; the photo
 * is the message's) and Remix (prompt and strength, prefilled). What a submission needs later rides
 * in `private_metadata`, which Slack hands back unchanged.
 */
import type { types } from '@slack/bolt';
import { UserInputError } from '../../errors.ts';
import { COMMANDS, type CommandRegistry } from '../../commands/index.ts';
import type { SlackFileRef } from './download.ts';

type ModalView = types.ModalView;
type KnownBlock = types.KnownBlock;

export const CALLBACK = {
  editModal: 'rfedit_edit',
  shortcutModal: 'rfedit_shortcut_edit',
  remixModal: 'rfedit_remix',
  /** The message shortcut, as declared in slack-manifest.yaml. */
  messageShortcut: 'rfedit_edit_image',
} as const;

/** Slack's file_input accepts these; the commands layer checks the bytes. */
const IMAGE_FILETYPES = ['png', 'jpg', 'jpeg', 'gif', 'webp'];
/** The prompt's bound as the commands in force declare it (the configured limits), as Discord shows it too. */
function promptMaxChars(commands: CommandRegistry): number | undefined {
  return commands.edit.options.find((option) => option.name === 'prompt')?.maxLength;
}

/** The request's response_url travels with the form: where the bot cannot post, it still answers the user privately. */
export interface EditModalMetadata {
  readonly channelId: string;
  readonly responseUrl?: string;
}
export interface ShortcutModalMetadata {
  readonly channelId: string;
  readonly threadTs: string;
  readonly messageTs: string;
  readonly file: SlackFileRef;
  readonly responseUrl?: string;
}
export interface RemixModalMetadata {
  readonly jobId: string;
  readonly channelId: string;
  readonly threadTs: string;
  readonly responseUrl?: string;
}

/** `commands`: the core's (`core.commands`), so the modal shows the configured bounds. */
export function editModal(
  meta: EditModalMetadata,
  initial: { prompt: string; strength?: number },
  commands: CommandRegistry = COMMANDS,
): ModalView {
  const photo: KnownBlock = {
    type: 'input',
    block_id: 'image',
    label: { type: 'plain_text', text: 'Photo' },
    element: { type: 'file_input', action_id: 'file', filetypes: IMAGE_FILETYPES, max_files: 1 },
  };
  return modal(CALLBACK.editModal, 'Edit a photo', 'Edit', meta, [photo, ...promptAndStrength(initial, commands)]);
}

export function shortcutModal(
  meta: ShortcutModalMetadata,
  fileName: string,
  commands: CommandRegistry = COMMANDS,
): ModalView {
  const about: KnownBlock = { type: 'context', elements: [{ type: 'plain_text', text: `Editing ${fileName}` }] };
  return modal(CALLBACK.shortcutModal, 'Edit this image', 'Edit', meta, [
    about,
    ...promptAndStrength({ prompt: '' }, commands),
  ]);
}

export function remixModal(
  meta: RemixModalMetadata,
  initial: { prompt: string; strength: number | null },
  commands: CommandRegistry = COMMANDS,
): ModalView {
  return modal(
    CALLBACK.remixModal,
    'Remix',
    'Remix',
    meta,
    promptAndStrength({ prompt: initial.prompt, strength: initial.strength ?? undefined }, commands),
  );
}

function modal(callbackId: string, title: string, submit: string, meta: object, blocks: KnownBlock[]): ModalView {
  return {
    type: 'modal',
    callback_id: callbackId,
    title: { type: 'plain_text', text: title },
    submit: { type: 'plain_text', text: submit },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify(meta),
    blocks,
  };
}

function promptAndStrength(initial: { prompt: string; strength?: number }, commands: CommandRegistry): KnownBlock[] {
  const maxLength = promptMaxChars(commands);
  return [
    {
      type: 'input',
      block_id: 'prompt',
      label: { type: 'plain_text', text: 'What should change?' },
      element: {
        type: 'plain_text_input',
        action_id: 'prompt',
        ...(maxLength === undefined ? {} : { max_length: maxLength }),
        placeholder: { type: 'plain_text', text: 'make it snowy' },
        ...(initial.prompt ? { initial_value: initial.prompt } : {}),
      },
    },
    {
      type: 'input',
      block_id: 'strength',
      optional: true,
      label: { type: 'plain_text', text: 'Strength (0 keeps the photo, 1 follows the prompt freely)' },
      element: {
        type: 'number_input',
        action_id: 'strength',
        is_decimal_allowed: true,
        min_value: '0',
        max_value: '1',
        ...(initial.strength === undefined ? {} : { initial_value: String(initial.strength) }),
      },
    },
  ];
}

/** Slack's view state: `{ blockId: { actionId: { type, value?, files? } } }`. */
export type ViewValues = Record<
  string,
  Record<string, { type?: string; value?: string | null; files?: SlackFileRef[] }>
>;

export interface SubmittedEdit {
  prompt: string;
  strength?: number;
  files: SlackFileRef[];
}

export function readSubmission(values: ViewValues): SubmittedEdit {
  const prompt = values.prompt?.prompt?.value ?? '';
  const strengthText = values.strength?.strength?.value;
  const strength =
    strengthText === undefined || strengthText === null || strengthText === '' ? undefined : Number(strengthText);
  return { prompt, ...(strength === undefined ? {} : { strength }), files: values.image?.file?.files ?? [] };
}

export function readMetadata<T>(privateMetadata: string): T {
  try {
    return JSON.parse(privateMetadata) as T;
  } catch (error) {
    throw new UserInputError('modal_stale', 'That form is out of date. Please start again.', { cause: error });
  }
}
