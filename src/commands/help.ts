/**
 * What each platform's help says about turning a sketch into a picture (the paper's stroke-to-image). The
 * preset is the engine's; each platform phrases how to pass it (`preset:` on Discord, `--preset` where typed).
 */
import type { PresetName } from '../engine/params.ts';

export const SKETCH_PRESET = 'stroke-to-image' satisfies PresetName;

/** One line: `how` is this platform's way to send a drawing with the preset. */
export function sketchHelp(how: string): string {
  return `Sketch → picture: draw a few rough coloured shapes (in any paint app, or on paper and take a photo), then ${how}.`;
}
