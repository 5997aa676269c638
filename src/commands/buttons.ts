/** The buttons shown under a job's messages, by the job's state. */
import type { ActionCodec, ActionName } from './action-id.ts';
import type { ButtonStyle, ReplyButton } from './types.ts';

const BUTTONS: Record<ActionName, { label: string; emoji: string; style: ButtonStyle }> = {
  variation: { label: 'Variation', emoji: '🎲', style: 'primary' },
  subtle: { label: 'Subtler', emoji: '🔉', style: 'secondary' },
  strong: { label: 'Stronger', emoji: '🔊', style: 'secondary' },
  remix: { label: 'Remix', emoji: '🎛️', style: 'secondary' },
  info: { label: 'Info', emoji: 'ℹ️', style: 'secondary' },
  compare: { label: 'Compare', emoji: '↔️', style: 'secondary' },
  cancel: { label: 'Cancel', emoji: '✖️', style: 'danger' },
  delete: { label: 'Delete', emoji: '🗑️', style: 'danger' },
  pick: { label: 'Pick', emoji: '🔍', style: 'primary' },
  sweep: { label: 'Sweep', emoji: '🎚️', style: 'secondary' },
};

const RESULT_ACTIONS: readonly ActionName[] = ['variation', 'subtle', 'strong', 'remix', 'sweep', 'info', 'delete'];
const GRID_ACTIONS: readonly ActionName[] = ['sweep', 'info', 'delete'];

/** What an action's button says, e.g. "Subtler" (the web chat's "ada used Subtler"). */
export function actionLabel(action: ActionName): string {
  return BUTTONS[action].label;
}

/** One action's button; adapters use it for buttons they place themselves (Compare). */
export function button(codec: ActionCodec, action: ActionName, jobId: string): ReplyButton {
  return { ...BUTTONS[action], actionId: codec.encode({ action, jobId }) };
}

/** While a job waits or runs: cancel. */
export function pendingButtons(codec: ActionCodec, jobId: string): ReplyButton[] {
  return [button(codec, 'cancel', jobId)];
}

/** Under a result: build on it, look inside it, or remove it. Under a grid of `cells`: pick or vary each cell. */
export function resultButtons(codec: ActionCodec, jobId: string, cells = 0): ReplyButton[] {
  if (cells === 0) return RESULT_ACTIONS.map((action) => button(codec, action, jobId));
  const perCell = (action: 'pick' | 'variation', label: string) =>
    Array.from({ length: cells }, (_, i) => ({
      ...BUTTONS[action],
      label: `${label} ${i + 1}`,
      actionId: codec.encode({ action, jobId, arg: String(i + 1) }),
    }));
  return [
    ...perCell('pick', 'Pick'),
    ...perCell('variation', 'Vary'),
    ...GRID_ACTIONS.map((action) => button(codec, action, jobId)),
  ];
}
