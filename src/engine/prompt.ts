/**
 * The one rule for "is there a prompt at all", shared by the chat commands and the CLI (through the engine).
 */
import { UserInputError } from '../errors.ts';

// Characters that show nothing: controls (C0, DEL, C1), format characters (zero-width space and joiners, bidi
// marks and overrides, BOM, word joiner, soft hyphen), separators, and letters drawn blank (Hangul fillers,
// braille blank). A prompt made only of these reads as empty to the user and to the model.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Z}\u115f\u1160\u3164\uffa0\u2800]/gu;

/** The prompt, trimmed; refused as empty when nothing in it is visible. */
export function requireVisiblePrompt(prompt: unknown): string {
  const text = typeof prompt === 'string' ? prompt.trim() : '';
  if (text.replace(INVISIBLE, '').length === 0) {
    throw new UserInputError('prompt_empty', 'Please describe the edit you want, e.g. "make it snowy".');
  }
  return text;
}
