/**
 * Tiny tokenizers in the real formats: a CLIP-like byte-level BPE (vocab.json + merges.txt, or the same as
 * tokenizer.json) and a T5-like Unigram tokenizer.json. Every demo word is one token in both.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { clipTokenizerJson } from '../flux/tokenizers.ts';

/** GPT-2/CLIP byte → printable character table. */
function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const table = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + extra++);
  }
  return table;
}

export interface ClipVocabulary {
  vocab: Record<string, number>;
  merges: string[];
  /** Token id of each word (as "word</w>"). */
  wordIds: Map<string, number>;
}

/**
 * Byte symbols, their end-of-word forms, then for each word the merges that join whatever pieces the
 * merges so far leave, left to right. New merges rank below all earlier ones, so earlier words stay whole.
 */
export function buildClipVocabulary(words: readonly string[]): ClipVocabulary {
  const vocab: Record<string, number> = {};
  const add = (token: string) => {
    if (vocab[token] === undefined) vocab[token] = Object.keys(vocab).length;
  };
  const symbols = bytesToUnicode();
  for (const s of symbols) add(s);
  for (const s of symbols) add(`${s}</w>`);
  add('<|startoftext|>');
  add('<|endoftext|>');
  const merges: string[] = [];
  const wordIds = new Map<string, number>();
  const piecesOf = (word: string) =>
    new Tokenizer(clipTokenizerJson(vocab, merges) as never, {} as never).encode(word, { add_special_tokens: false })
      .tokens;
  for (const word of words) {
    // A repeated pair ("vi" in "vivid") is merged everywhere at once, which can break a left-to-right
    // chain; joining whatever pieces remain again converges in a few rounds.
    let pieces = piecesOf(word);
    for (let round = 0; pieces.length > 1 && round < word.length; round++) {
      let joined = pieces[0];
      for (const piece of pieces.slice(1)) {
        merges.push(`${joined} ${piece}`);
        joined += piece;
        add(joined);
      }
      pieces = piecesOf(word);
    }
    if (pieces.length !== 1) throw new Error(`The demo CLIP vocabulary cannot make "${word}" one token.`);
    wordIds.set(word, vocab[pieces[0]]);
  }
  return { vocab, merges, wordIds };
}

export interface T5Vocabulary {
  tokenizerJson: Record<string, unknown>;
  size: number;
  wordIds: Map<string, number>;
}

/** `<pad>` 0, `</s>` 1, `<unk>` 2, then "▁word" pieces and single characters for everything else. */
export function buildT5Vocabulary(words: readonly string[]): T5Vocabulary {
  const pieces: Array<[string, number]> = [
    ['<pad>', 0],
    ['</s>', 0],
    ['<unk>', 0],
    ['▁', -3],
  ];
  const wordIds = new Map<string, number>();
  for (const word of words) {
    wordIds.set(word, pieces.length);
    pieces.push([`▁${word}`, -1]);
  }
  for (let c = 32; c < 127; c++) pieces.push([String.fromCharCode(c), -8]);
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '<pad>'), special(1, '</s>'), special(2, '<unk>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'Lowercase' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }],
    },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
      ],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
    },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 2, vocab: pieces, byte_fallback: false },
  };
  return { tokenizerJson, size: pieces.length, wordIds };
}
