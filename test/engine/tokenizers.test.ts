import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_WORDS } from '../../src/engine/demo/vocabulary.ts';
import { loadClipTokenizer, loadT5Tokenizer } from '../../src/engine/flux/tokenizers.ts';
import { demoModel, tempDir } from './helpers.ts';

const root = tempDir();
const mergesModel = demoModel({ clipTokenizer: 'vocab-merges' }, join(root, 'a'));
const jsonModel = demoModel({ clipTokenizer: 'tokenizer-json' }, join(root, 'b'));
const clip = loadClipTokenizer(join(mergesModel, 'tokenizer'), 77);
const t5 = loadT5Tokenizer(join(mergesModel, 'tokenizer_2'), 64);

describe('CLIP tokenizer', () => {
  it('wraps the prompt in start and end tokens and pads with <|endoftext|> to 77', () => {
    const { ids, promptTokens } = clip.encode('red');
    const [bos, word, eos] = ids;
    expect(ids).toHaveLength(77);
    expect(promptTokens).toBe(1);
    expect(ids.slice(3)).toEqual(new Array(74).fill(eos));
    expect(new Set([bos, word, eos]).size).toBe(3);
  });

  it('keeps the end token when it truncates a long prompt', () => {
    const short = clip.encode('red');
    const long = clip.encode(Array.from({ length: 200 }, () => 'blue').join(' '));
    expect(long.truncated).toBe(true);
    expect(long.promptTokens).toBe(75);
    expect(long.ids[76]).toBe(short.ids[2]);
  });

  it('gives the same ids from vocab.json + merges.txt as from tokenizer.json', () => {
    const fromJson = loadClipTokenizer(join(jsonModel, 'tokenizer'), 77);
    const prompt = 'A vivid, RED sunset over a pastel sea at night!';
    expect(fromJson.encode(prompt).ids).toEqual(clip.encode(prompt).ids);
  });

  it('makes every demo word a single token', () => {
    const split = DEMO_WORDS.filter((w) => clip.encode(w).promptTokens !== 1);
    expect(split).toEqual([]);
  });
});

describe('T5 tokenizer', () => {
  it('ends with </s> and pads with id 0', () => {
    const { ids } = t5.encode('red blue');
    expect(ids).toHaveLength(64);
    expect(ids.slice(0, 3)).toEqual([expect.any(Number), expect.any(Number), 1]);
    expect(ids.slice(3)).toEqual(new Array(61).fill(0));
  });

  it('keeps </s> as the last token when the prompt is too long', () => {
    const { ids, truncated } = t5.encode(Array.from({ length: 100 }, () => 'green').join(' '));
    expect(truncated).toBe(true);
    expect(ids[63]).toBe(1);
    expect(ids[62]).toBe(ids[0]);
  });

  it('encodes the empty prompt as </s> and padding', () => {
    expect(t5.encode('').ids).toEqual([1, ...new Array(63).fill(0)]);
  });
});
