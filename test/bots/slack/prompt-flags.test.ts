import { describe, expect, it } from 'vitest';
import { parsePromptFlags } from '../../../src/bots/slack/prompt-flags.ts';
import { UserInputError } from '../../../src/errors.ts';

describe('parsePromptFlags', () => {
  it('splits trailing flags from the prompt', () => {
    expect(parsePromptFlags('make it snowy --strength 0.7 --seed 42')).toEqual({ prompt: 'make it snowy', options: { strength: 0.7, seed: 42 } });
  });

  it('accepts the em dash phones put in place of --', () => {
    expect(parsePromptFlags('make it snowy —strength 0.3')).toEqual({ prompt: 'make it snowy', options: { strength: 0.3 } });
  });

  it('leaves hyphens inside the prompt alone', () => {
    expect(parsePromptFlags('a well-lit room - at dusk')).toEqual({ prompt: 'a well-lit room - at dusk', options: {} });
  });

  it('passes text options through for the commands layer to check', () => {
    expect(parsePromptFlags('night --sampler sde --preset soft')).toEqual({ prompt: 'night', options: { sampler: 'sde', preset: 'soft' } });
  });

  it('refuses an unknown flag, naming the ones it knows', () => {
    expect(() => parsePromptFlags('night --ar 16:9')).toThrow(/--ar.*--strength/);
  });

  it('refuses a number flag without a number', () => {
    expect(() => parsePromptFlags('night --strength high')).toThrow(UserInputError);
  });

  it('refuses a flag with no value', () => {
    expect(() => parsePromptFlags('night --strength')).toThrow(/each with a value/);
  });
});
