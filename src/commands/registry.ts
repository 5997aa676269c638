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
import { withBounds } from './options.ts';
import { COMMAND_LIMIT_DEFAULTS } from './types.ts';
import type { CommandKind, CommandLimits, CommandModule } from './types.ts';
import { variationCommand } from './variation.ts';
import { pickCommand, sweepCommand } from './grid.ts';

export type CommandRegistry = { readonly [K in CommandKind]: CommandModule<K> };

/** Every command, its option bounds taken from `limits` (what adapters register with the platforms). */
export function commandRegistry(limits: Required<CommandLimits>): CommandRegistry {
  return {
    ...REGISTRY,
    edit: { ...editCommand, options: withBounds(editCommand.options, limits) },
    remix: { ...remixCommand, options: withBounds(remixCommand.options, limits) },
  };
}

const REGISTRY: CommandRegistry = {
  edit: editCommand,
  variation: variationCommand,
  pick: pickCommand,
  sweep: sweepCommand,
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

/** The registry with the default limits (config/default.yaml's). */
export const COMMANDS: CommandRegistry = commandRegistry(COMMAND_LIMIT_DEFAULTS);
