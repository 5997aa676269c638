import { describe, expect, it } from 'vitest';
import { UserInputError } from '../../src/errors.ts';
import { requireVisiblePrompt } from '../../src/engine/prompt.ts';

describe('a prompt made only of characters that show nothing', () => {
  it.each([
    ['zero-width space, joiner and non-joiner', '\u200b\u200d\u200c'],
    ['right-to-left override and isolates', '\u202e\u2067\u2069'],
    ['byte-order mark and word joiner', '\ufeff\u2060'],
    ['C0 controls', '\u0001\u001f'],
    ['C1 controls', '\u0085\u009b'],
    ['ideographic and no-break spaces', '\u3000\u00a0'],
    ['Hangul fillers and the braille blank', '\u3164\u115f\u2800'],
    ['soft hyphen between spaces', ' \u00ad '],
  ])('is refused as empty: %s', (_, prompt) => {
    expect(() => requireVisiblePrompt(prompt)).toThrow(expect.objectContaining({ code: 'prompt_empty' }));
    expect(() => requireVisiblePrompt(prompt)).toThrow(UserInputError);
  });

  it('is fine once one visible character is there, and comes back trimmed', () => {
    expect(requireVisiblePrompt(' \u200bsnow\u200b ')).toBe('\u200bsnow\u200b');
    expect(requireVisiblePrompt('雪')).toBe('雪');
    expect(requireVisiblePrompt('🌨️')).toBe('🌨️');
  });
});
