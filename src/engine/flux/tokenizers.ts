/**
 * CLIP and T5 tokenizers from the export's tokenizer folders, with our own padding and truncation:
 * @huggingface/tokenizers ignores the padding/truncation keys of tokenizer.json, and cutting after the special
 * tokens would drop the end token that CLIP pools at. So: encode without specials, cut to max − specials,
 * add them back, pad to the fixed length.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelError } from '../../errors.ts';
import { readJson } from './model-files.ts';

export interface TokenIds {
  /** Exactly `length` ids. */
  ids: number[];
  /** How many ids carry the prompt before the end token (after truncation). */
  promptTokens: number;
  truncated: boolean;
}

export interface PromptTokenizer {
  readonly length: number;
  encode(text: string): TokenIds;
}

interface SpecialTokens {
  bos: number | null;
  eos: number;
  pad: number;
}

class FixedLengthTokenizer implements PromptTokenizer {
  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly specials: SpecialTokens,
    readonly length: number,
  ) {
    const needed = (specials.bos === null ? 1 : 2) + 1;
    if (length < needed)
      throw new ModelError('tokenizer_invalid', `A token length of ${length} leaves no room for the prompt.`);
  }

  encode(text: string): TokenIds {
    const { bos, eos, pad } = this.specials;
    const room = this.length - (bos === null ? 1 : 2);
    const body = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    const kept = body.slice(0, room);
    const ids = [...(bos === null ? [] : [bos]), ...kept, eos];
    while (ids.length < this.length) ids.push(pad);
    return { ids, promptTokens: kept.length, truncated: body.length > room };
  }
}

/** Builds CLIP's tokenizer.json (as transformers' CLIPTokenizerFast conversion does) from vocab.json + merges.txt. */
export function clipTokenizerJson(vocab: Record<string, number>, merges: string[]): Record<string, unknown> {
  const special = (content: string) => ({
    id: vocab[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: true,
    special: true,
  });
  for (const token of ['<|startoftext|>', '<|endoftext|>']) {
    if (vocab[token] === undefined)
      throw new ModelError('tokenizer_invalid', `The CLIP vocab.json has no ${token} token.`);
  }
  return {
    version: '1.0',
    added_tokens: [special('<|startoftext|>'), special('<|endoftext|>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFC' },
        { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
        { type: 'Lowercase' },
      ],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: {
            Regex:
              "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
          },
          behavior: 'Removed',
          invert: true,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep: ['<|endoftext|>', vocab['<|endoftext|>']],
      cls: ['<|startoftext|>', vocab['<|startoftext|>']],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<|endoftext|>',
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

function tokenId(tokenizer: Tokenizer, token: string, folder: string): number {
  const id = tokenizer.token_to_id(token);
  if (id === undefined || id === null) {
    throw new ModelError('tokenizer_invalid', `The tokenizer in ${folder} has no "${token}" token.`, {
      details: { folder, token },
    });
  }
  return id;
}

function readTokenizerJson(folder: string): Record<string, unknown> | null {
  const path = join(folder, 'tokenizer.json');
  return existsSync(path) ? readJson(path) : null;
}

function tokenizerConfig(folder: string): Record<string, unknown> {
  const path = join(folder, 'tokenizer_config.json');
  return existsSync(path) ? readJson(path) : {};
}

/** CLIP: `<|startoftext|>` prompt `<|endoftext|>`, padded with `<|endoftext|>` (CLIP-L's pad token). */
export function loadClipTokenizer(folder: string, length: number): PromptTokenizer {
  let json = readTokenizerJson(folder);
  if (!json) {
    const vocabPath = join(folder, 'vocab.json');
    const mergesPath = join(folder, 'merges.txt');
    if (!existsSync(vocabPath) || !existsSync(mergesPath)) {
      throw new ModelError('tokenizer_missing', `${folder} has neither tokenizer.json nor vocab.json + merges.txt.`, {
        details: { folder },
      });
    }
    const vocab = readJson(vocabPath) as Record<string, number>;
    // merges.txt starts with a "#version" line; the rest are "left right" pairs.
    const merges = readFileSync(mergesPath, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0 && !line.startsWith('#version'));
    json = clipTokenizerJson(vocab, merges);
  }
  const config = tokenizerConfig(folder);
  const tokenizer = new Tokenizer(json as never, config as never);
  const eos = tokenId(tokenizer, '<|endoftext|>', folder);
  const padToken = typeof config.pad_token === 'string' ? config.pad_token : '<|endoftext|>';
  return new FixedLengthTokenizer(
    tokenizer,
    { bos: tokenId(tokenizer, '<|startoftext|>', folder), eos, pad: tokenId(tokenizer, padToken, folder) },
    length,
  );
}

/** T5: prompt `</s>`, padded with `<pad>` (id 0 in T5's vocabulary). No start token. */
export function loadT5Tokenizer(folder: string, length: number): PromptTokenizer {
  const json = readTokenizerJson(folder);
  if (!json) {
    throw new ModelError(
      'tokenizer_missing',
      `${folder}/tokenizer.json is missing; the T5 tokenizer is read from tokenizer.json (spiece.model alone is not supported).`,
      { details: { folder } },
    );
  }
  const tokenizer = new Tokenizer(json as never, tokenizerConfig(folder) as never);
  return new FixedLengthTokenizer(
    tokenizer,
    { bos: null, eos: tokenId(tokenizer, '</s>', folder), pad: tokenId(tokenizer, '<pad>', folder) },
    length,
  );
}
