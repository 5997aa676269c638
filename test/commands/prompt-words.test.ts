/**
 * Honesty on the demo model: a result says which words it used and which it ignored, /help lists the words,
 * and a model that reads any prompt (FLUX.1, which records no prompt words) never shows either.
 */
import { describe, expect, it } from 'vitest';
import { createActionCodec } from '../../src/commands/action-id.ts';
import { promptWordsNote, vocabularyHelp } from '../../src/commands/prompt-words.ts';
import { renderJobEvent } from '../../src/commands/render-event.ts';
import { DEMO_MODEL_VOCABULARY, DEMO_WORDS } from '../../src/engine/demo/vocabulary.ts';
import { PARAM_DEFAULTS } from '../../src/engine/params.ts';
import type { EditParams } from '../../src/engine/types.ts';
import type { JobEventBase } from '../../src/jobs/types.ts';

const codec = createActionCodec('prompt-words-test-secret-0123');
const about: JobEventBase = {
  jobId: 'job1',
  owner: { platform: 'web', id: 'u1' },
  place: { platform: 'web', channelId: 'web' },
};
const { steps, gamma, guidance, inversionSeed, sampler, method, convention, etaDecayPower } = PARAM_DEFAULTS;
const params = (prompt?: string): EditParams => ({
  steps,
  gamma,
  guidance,
  inversionSeed,
  sampler,
  method,
  convention,
  etaDecayPower,
  eta: 0.9,
  start: 0,
  stop: 7,
  seed: 42,
  strength: 0.5,
  preset: null,
  ...(prompt === undefined ? {} : { promptWords: DEMO_MODEL_VOCABULARY.read(prompt) }),
});
const done = (p: EditParams) =>
  renderJobEvent({ ...about, type: 'done', images: [], params: p, redelivery: false }, codec).text;

describe('a demo result whose prompt had words the demo does not know', () => {
  it('says in one line which words it used and which it ignored', () => {
    const text = done(params('Make it a pencil sketch with sunglasses and a hat'));
    expect(text.split('\n')).toEqual([
      'Done (seed 42).',
      'The demo model used “pencil”, “sketch” and ignored “sunglasses”, “hat”, which it does not know (the web chat’s /help lists its words).',
    ]);
  });

  it('says so plainly when it knew none of them', () => {
    expect(done(params('add glasses'))).toBe(
      'Done (seed 42).\nThe demo model knows none of “glasses”, so little changed (the web chat’s /help lists its words).',
    );
  });

  it('lists at most six ignored words and counts the rest', () => {
    const note = promptWordsNote(params('one two three four five six seven eight nine red'));
    expect(note).toContain('“six” and 3 more');
    expect(note!.length).toBeLessThan(200);
  });

  it('stays quiet when every word meant something (filler such as "make it" does not count)', () => {
    expect(done(params('make it snowy at golden hour'))).toBe('Done (seed 42).');
  });
});

describe('a model that reads any prompt', () => {
  it('never shows the line: FLUX.1 results carry no prompt words', () => {
    expect(done(params())).toBe('Done (seed 42).');
    expect(promptWordsNote(params())).toBeNull();
  });
});

describe('/help on the demo model', () => {
  it('lists every word the demo knows, one line per group', () => {
    const help = vocabularyHelp(DEMO_MODEL_VOCABULARY);
    const listed = help
      .split('\n')
      .slice(1)
      .flatMap((line) => line.replace(/^• [^:]+: /, '').split(', '));
    expect([...listed].sort()).toEqual([...DEMO_WORDS].sort());
    expect(help.split('\n')).toHaveLength(1 + DEMO_MODEL_VOCABULARY.groups.length);
  });
});
