/** `/edit help`: the ways in, in Slack's words (options are typed, e.g. `--preset`). */
import { SKETCH_PRESET, sketchHelp } from '../../commands/index.ts';

/** What `/edit` takes to mean "show me the help" rather than a prompt. */
export function asksForHelp(text: string): boolean {
  return /^\s*help\s*$/iu.test(text);
}

export function slackHelp(command: string): string {
  return [
    `${command} [prompt] [--strength 0.6] opens a form for your photo; or mention me in a message with a photo: "@rfedit make it snowy --strength 0.7".`,
    sketchHelp(
      `post it with "@rfedit a lake under mountains --preset ${SKETCH_PRESET}", or add that flag to ${command}`,
    ),
  ].join('\n');
}
