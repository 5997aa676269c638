import { describe, expect, it } from 'vitest';
import { parseEditText, parseTypedArgs } from '../../src/commands/parse-flags.ts';
import { UserInputError } from '../../src/errors.ts';

function refusal(parse: () => unknown): UserInputError {
  try {
    parse();
  } catch (error) {
    if (error instanceof UserInputError) return error;
    throw error;
  }
  throw new Error('the text was accepted');
}

describe('parseEditText', () => {
  it('splits trailing flags from the prompt', () => {
    expect(parseEditText('make it snowy --strength 0.7 --seed 42')).toEqual({
      prompt: 'make it snowy',
      options: { strength: 0.7, seed: 42 },
    });
  });

  it('accepts the em and en dashes phones put in place of --', () => {
    expect(parseEditText('make it snowy —strength 0.3 –seed 7')).toEqual({
      prompt: 'make it snowy',
      options: { strength: 0.3, seed: 7 },
    });
  });

  it('accepts a comma as the decimal mark', () => {
    expect(parseEditText('make it snowy --strength 0,7 --guidance 3,5')).toEqual({
      prompt: 'make it snowy',
      options: { strength: 0.7, guidance: 3.5 },
    });
  });

  it('leaves hyphens and line breaks inside the prompt alone', () => {
    expect(parseEditText('a well-lit room - at dusk\nwith snow')).toEqual({
      prompt: 'a well-lit room - at dusk\nwith snow',
      options: {},
    });
  });

  it('passes text options through for the command to check', () => {
    expect(parseEditText('night --sampler sde --preset soft')).toEqual({
      prompt: 'night',
      options: { sampler: 'sde', preset: 'soft' },
    });
  });

  it('gives an empty prompt to the edit command, which asks for one in its own words', () => {
    expect(parseEditText('  --strength 0.5')).toEqual({ prompt: '', options: { strength: 0.5 } });
  });

  it('refuses an unknown flag, naming the ones the command takes', () => {
    expect(refusal(() => parseEditText('night --ar 16:9')).message).toBe(
      'Unknown option --ar. /edit takes --strength, --preset, --seed, --steps, --guidance, --sampler, --count, --sweep.',
    );
  });

  it('refuses a number flag whose value is not a number', () => {
    expect(refusal(() => parseEditText('night --steps many')).message).toBe(
      '--steps needs a number, e.g. --steps 1; got "many".',
    );
  });

  it('refuses a flag with no value', () => {
    expect(refusal(() => parseEditText('night --strength')).message).toBe(
      '--strength needs a value, e.g. --strength 0.5.',
    );
    expect(refusal(() => parseEditText('night --strength --seed 3')).code).toBe('option_missing');
  });

  it('refuses words after the flags instead of dropping or moving them', () => {
    const error = refusal(() => parseEditText('make it --strength 0.3 snowy'));
    expect(error.code).toBe('option_misplaced');
    expect(error.message).toBe(
      'Options go at the end, each with a value, e.g. "make it snowy --strength 0.7"; "snowy" came after them.',
    );
  });

  it('quotes at most 80 characters of what was typed in a refusal', () => {
    const error = refusal(() => parseEditText(`night --steps ${'9x'.repeat(3_000)}`));
    const quoted = /got "(.*)"\.$/.exec(error.message)![1];
    expect(quoted).toHaveLength(80);
    expect(quoted.endsWith('…')).toBe(true);
    expect(error.message.length).toBeLessThan(150);
  });
});

describe('parseTypedArgs', () => {
  it('reads the job id first, then the prompt, then the flags', () => {
    expect(parseTypedArgs('remix', 'Ab3dE5fG7hJ9 at night --strength 0,4')).toEqual({
      jobId: 'Ab3dE5fG7hJ9',
      prompt: 'at night',
      strength: 0.4,
    });
  });

  it('leaves out an optional prompt that was not given', () => {
    expect(parseTypedArgs('remix', 'Ab3dE5fG7hJ9 --strength 0.4')).toEqual({ jobId: 'Ab3dE5fG7hJ9', strength: 0.4 });
  });

  it('refuses a job command without a job id, and words a command does not take', () => {
    expect(refusal(() => parseTypedArgs('variation', '')).message).toBe(
      '/variation needs the id of an edit, e.g. /variation Ab3dE5fG7hJ9.',
    );
    expect(refusal(() => parseTypedArgs('variation', 'abc def')).code).toBe('option_unexpected');
    expect(refusal(() => parseTypedArgs('variation', 'abc --seed 3')).message).toBe(
      'Unknown option --seed. /variation takes no options.',
    );
  });
});
