/** `/rfedit help`: the ways in, in Discord's words (options are picked by name, e.g. `preset:`). */
import { SKETCH_PRESET, sketchHelp } from '../../commands/index.ts';
import { COMMAND_NAMES } from './command-definitions.ts';

export const DISCORD_HELP = [
  `/${COMMAND_NAMES.edit}: give a photo as image and say what to change in prompt; strength 0 keeps your photo, 1 follows the prompt.`,
  `${COMMAND_NAMES.editImageMenu}: on a message with a photo, open Apps → ${COMMAND_NAMES.editImageMenu}.`,
  sketchHelp(
    `/${COMMAND_NAMES.edit} with the drawing as image, a prompt saying what it shows, and preset: ${SKETCH_PRESET}`,
  ),
  `/${COMMAND_NAMES.rfedit} ${COMMAND_NAMES.history} and /${COMMAND_NAMES.rfedit} ${COMMAND_NAMES.info}: your edits.`,
].join('\n');
