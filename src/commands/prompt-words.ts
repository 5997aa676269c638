/**
 * Honesty about a model with a fixed vocabulary (the built-in demo): a result whose prompt had words the model
 * does not know says which it used and which it ignored, in one line; /help lists the words. Real FLUX.1 reads
 * any prompt, records no prompt words, and so never shows either.
 */
import type { EditParams, ModelVocabulary } from '../engine/types.ts';

const MAX_LISTED = 6;

function list(words: readonly string[]): string {
  const shown = words.slice(0, MAX_LISTED).map((w) => `“${w.length > 24 ? `${w.slice(0, 23)}…` : w}”`);
  return words.length > MAX_LISTED ? `${shown.join(', ')} and ${words.length - MAX_LISTED} more` : shown.join(', ');
}

/**
 * One line, or null when every meaningful word was understood (or the model reads any prompt). `helpHint` points
 * at the web chat's /help (Discord and Slack have none; the CLI leaves it out).
 */
export function promptWordsNote(
  params: Pick<EditParams, 'promptWords'>,
  { helpHint = true, modelName = 'the demo model' } = {},
): string | null {
  const words = params.promptWords;
  if (!words || words.ignored.length === 0) return null;
  const model = modelName[0].toUpperCase() + modelName.slice(1);
  const hint = helpHint ? ' (the web chat’s /help lists its words)' : '';
  if (words.used.length === 0) return `${model} knows none of ${list(words.ignored)}, so little changed${hint}.`;
  return `${model} used ${list(words.used)} and ignored ${list(words.ignored)}, which it does not know${hint}.`;
}

/** The /help section listing a fixed vocabulary: one line per group. */
export function vocabularyHelp(vocabulary: ModelVocabulary): string {
  return [
    `This bot runs ${vocabulary.modelName}, which knows only these words and ignores the rest (try "/edit sketch" or "/edit golden hour"):`,
    ...vocabulary.groups.map(({ title, words }) => `• ${title}: ${words.join(', ')}`),
  ].join('\n');
}
