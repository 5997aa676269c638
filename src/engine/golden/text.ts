/**
 * golden/text: the FLUX.1 text path. Token ids from rfedit's tokenizers (CLIP from vocab.json + merges.txt and
 * from tokenizer.json, T5 from tokenizer.json) against transformers' slow tokenizers, then the model's
 * encodePrompt (tokenizers + both encoders) against torch, then the encoders at other shapes (dynamic axes).
 */
import { join } from 'node:path';
import type { FluxModel } from '../flux/model.ts';
import { loadClipTokenizer, loadT5Tokenizer } from '../flux/tokenizers.ts';
import type { GoldenFolder } from './fixture.ts';
import type { RawSessions } from './raw-sessions.ts';
import type { StageLog } from './stages.ts';

interface PromptGolden {
  prompt: string;
  clip_ids: number[];
  t5_ids: number[];
  clip_prompt_tokens: number;
  t5_prompt_tokens: number;
  clip_truncated: boolean;
  t5_truncated: boolean;
  files: Record<string, string>;
}

export async function checkText(
  model: FluxModel,
  raw: RawSessions,
  g: GoldenFolder,
  modelDir: string,
  log: StageLog,
): Promise<void> {
  const m = g.manifest;
  const prompts = m.prompts as PromptGolden[];
  const tokenizers = [
    {
      name: 'CLIP tokenizer (vocab.json + merges.txt)',
      key: 'clip',
      tok: loadClipTokenizer(join(modelDir, 'tokenizer'), m.clip.max_length),
    },
    {
      name: 'CLIP tokenizer (tokenizer.json)',
      key: 'clip',
      tok: loadClipTokenizer(join(g.dir, 'clip-tokenizer-json'), m.clip.max_length),
    },
    {
      name: 'T5 tokenizer (tokenizer.json)',
      key: 't5',
      tok: loadT5Tokenizer(join(modelDir, 'tokenizer_2'), m.t5.max_length),
    },
  ] as const;
  for (const { name, key, tok } of tokenizers) {
    const problems: string[] = [];
    for (const [k, p] of prompts.entries()) {
      const got = tok.encode(p.prompt);
      const want = p[`${key}_ids`];
      const index = want.findIndex((id, i) => got.ids[i] !== id);
      if (index >= 0 || got.ids.length !== want.length)
        problems.push(`prompt ${k}: ids differ first at ${index >= 0 ? index : want.length}`);
      else if (got.promptTokens !== p[`${key}_prompt_tokens`] || got.truncated !== p[`${key}_truncated`]) {
        problems.push(
          `prompt ${k}: ${got.promptTokens} prompt tokens, truncated ${got.truncated}; want ${p[`${key}_prompt_tokens`]}, ${p[`${key}_truncated`]}`,
        );
      }
    }
    log.add(
      `text: ${name}`,
      problems.length === 0,
      problems.length === 0
        ? `ids, prompt-token counts and truncation equal for ${prompts.length} prompts`
        : problems.join('; '),
    );
  }

  for (const [k, p] of prompts.entries()) {
    const e = await model.encodePrompt(p.prompt);
    const label = JSON.stringify(p.prompt.length > 24 ? `${p.prompt.slice(0, 24)}…` : p.prompt);
    log.floats(
      `text: encodePrompt(${label}) T5 states [${e.t5Length}, ${e.t5Dim}]`,
      e.t5,
      g.f32(p.files.t5_last_hidden_state),
    );
    log.floats(
      `text: encodePrompt(${label}) CLIP pooled [${e.pooled.length}]`,
      e.pooled,
      g.f32(p.files.clip_pooler_output),
      k === 0 ? 'pooled at the end token' : '',
    );
  }

  const clipIds = g.i64(m.dynamic.clip_ids);
  const clipShape = g.shape(m.dynamic.clip_ids);
  const clip = await raw.runAll('text_encoder', clipIds, clipShape);
  log.floats(
    `text: text_encoder at [${clipShape}] last_hidden_state`,
    clip.last_hidden_state ?? new Float32Array(),
    g.f32('dyn_clip_last_hidden_state.f32'),
  );
  log.floats(
    `text: text_encoder at [${clipShape}] pooler_output`,
    clip.pooler_output ?? new Float32Array(),
    g.f32('dyn_clip_pooler_output.f32'),
  );
  const t5Ids = g.i64(m.dynamic.t5_ids);
  const t5Shape = g.shape(m.dynamic.t5_ids);
  log.floats(
    `text: text_encoder_2 at [${t5Shape}]`,
    await raw.run('text_encoder_2', t5Ids, t5Shape),
    g.f32('dyn_t5_last_hidden_state.f32'),
  );
}
