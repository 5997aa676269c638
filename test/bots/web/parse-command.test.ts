import { describe, expect, it } from 'vitest';
import { helpText, parseChatInput } from '../../../src/bots/web/parse-command.ts';
import { vocabularyHelp } from '../../../src/commands/prompt-words.ts';
import { DEMO_MODEL_VOCABULARY } from '../../../src/engine/demo/vocabulary.ts';
import { UserInputError } from '../../../src/errors.ts';

const photo = { bytes: new Uint8Array([1, 2, 3]), filename: 'a.jpg' };

function refusal(text: string, attachment: typeof photo | null = photo): UserInputError {
  try {
    parseChatInput(text, attachment);
  } catch (error) {
    if (error instanceof UserInputError) return error;
    throw error;
  }
  throw new Error(`"${text}" was accepted`);
}

describe('parseChatInput', () => {
  it('reads /edit with a prompt and every Discord option', () => {
    expect(
      parseChatInput(
        '/edit make it snowy --strength 0.7 --preset soft --seed 42 --steps 20 --guidance 3.5 --sampler sde',
        photo,
      ),
    ).toEqual({
      kind: 'edit',
      image: photo,
      prompt: 'make it snowy',
      options: { strength: 0.7, preset: 'soft', seed: 42, steps: 20, guidance: 3.5, sampler: 'sde' },
    });
  });

  it('accepts dashes that phones turned into em or en dashes, and comma decimals', () => {
    expect(parseChatInput('/edit make it snowy —strength 0,3 –seed 7', photo)).toEqual({
      kind: 'edit',
      image: photo,
      prompt: 'make it snowy',
      options: { strength: 0.3, seed: 7 },
    });
  });

  it('refuses prompt words after the options (the shared rule: options go at the end)', () => {
    expect(refusal('/edit make it —strength 0.3 snowy').code).toBe('option_misplaced');
  });

  it('leaves range checks to the command, so out-of-range values pass through unchanged', () => {
    expect(parseChatInput('/edit x --strength 7 --steps 1.5', photo)).toMatchObject({
      options: { strength: 7, steps: 1.5 },
    });
  });

  it('hands /edit without a photo or prompt to the command, which asks for them in its own words', () => {
    expect(parseChatInput('/edit', null)).toEqual({
      kind: 'edit',
      image: { bytes: new Uint8Array(0) },
      prompt: '',
      options: {},
    });
  });

  it('reads job commands with the job id first', () => {
    expect(parseChatInput('/variation Ab3dE5fG7hJ9', null)).toEqual({ kind: 'variation', jobId: 'Ab3dE5fG7hJ9' });
    expect(parseChatInput('/remix Ab3dE5fG7hJ9 at night --strength 0.4', null)).toEqual({
      kind: 'remix',
      jobId: 'Ab3dE5fG7hJ9',
      prompt: 'at night',
      strength: 0.4,
    });
    expect(parseChatInput('/history --limit 3', null)).toEqual({ kind: 'history', limit: 3 });
  });

  it('answers /help with every command from the registry', () => {
    expect(parseChatInput('/help', null)).toEqual({ kind: 'help' });
    expect(helpText()).toMatch(
      /^\/edit <prompt> \[--strength\] \[--preset\] \[--seed\] \[--steps\] \[--guidance\] \[--sampler\] \[--count\] \[--sweep\] — /m,
    );
    expect(helpText()).toMatch(/^\/variation <job id> — /m);
    expect(helpText()).not.toMatch(/^\/compare/m);
    expect(helpText()).toMatch(/^Sketch → picture: .*--preset stroke-to-image, or press Draw next to Attach/m);
    expect(helpText()).not.toMatch(/knows only these words/);
  });

  it('on the demo model, /help ends with the words the demo knows', () => {
    const help = helpText(vocabularyHelp(DEMO_MODEL_VOCABULARY));
    expect(help).toMatch(/^\/edit <prompt>/m);
    expect(help).toMatch(/^This bot runs the demo model, which knows only these words/m);
    expect(help).toMatch(/^• Looks .*: .*sketch/m);
  });

  it('refuses text that is not a command, unknown commands and unknown options, naming what is allowed', () => {
    expect(refusal('make it snowy').code).toBe('command_missing');
    expect(refusal('/imagine a cat').message).toBe(
      'There is no /imagine command. Try /edit make it snowy --strength 0.7, or /help for the list.',
    );
    expect(refusal('/edit x --ar 16:9').message).toBe(
      'Unknown option --ar. /edit takes --strength, --preset, --seed, --steps, --guidance, --sampler, --count, --sweep.',
    );
    expect(refusal('/variation abc --seed 3', null).message).toBe(
      'Unknown option --seed. /variation takes no options.',
    );
  });

  it('points /compare to the Compare toggle under a result, where the page shows the pair', () => {
    expect(refusal('/compare Ab3dE5fG7hJ9', null).message).toBe(
      'Press Compare under a result to see your photo beside it.',
    );
  });

  it('refuses an option without a value or a number that is not one', () => {
    expect(refusal('/edit x --strength').message).toBe('--strength needs a value, e.g. --strength 0.5.');
    expect(refusal('/edit x --steps many').message).toBe('--steps needs a number, e.g. --steps 1; got "many".');
    expect(refusal('/variation', null).code).toBe('option_missing');
    expect(refusal('/variation abc def', null).code).toBe('option_unexpected');
  });
});
