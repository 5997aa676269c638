/** Every command, by name. Explicit so the compiler and the tests see the whole set (no folder scanning). */
import { auditCommand, pauseCommand, resumeCommand } from './admin.ts';
import { cancelCommand } from './cancel.ts';
import { compareCommand } from './compare.ts';
import { deleteCommand } from './delete.ts';
import { editCommand } from './edit.ts';
import { historyCommand } from './history.ts';
import { infoCommand } from './info.ts';
import { strongCommand, subtleCommand } from './nudge.ts';
import { remixCommand } from './remix.ts';
import type { CommandKind, CommandModule } from './types.ts';
import { variationCommand } from './variation.ts';

export const COMMANDS: { readonly [K in CommandKind]: CommandModule<K> } = {
  edit: editCommand,
  variation: variationCommand,
  subtle: subtleCommand,
  strong: strongCommand,
  remix: remixCommand,
  cancel: cancelCommand,
  delete: deleteCommand,
  info: infoCommand,
  compare: compareCommand,
  history: historyCommand,
  pause: pauseCommand,
  resume: resumeCommand,
  audit: auditCommand,
};
