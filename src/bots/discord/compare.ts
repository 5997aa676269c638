/** The Compare button: the source photo and the result side by side, shown only to whoever asked. */
import { AttachmentBuilder } from 'discord.js';
import type { CommandContext } from '../../commands/index.ts';
import { fitUnderBytes } from '../shared/fit-upload.ts';
import { sideBySide } from '../shared/side-by-side.ts';
import type { Adapter } from './adapter.ts';

export type Comparison = { ok: true; file: AttachmentBuilder } | { ok: false; text: string };

export async function compareAttachment(jobId: string, ctx: CommandContext, adapter: Adapter): Promise<Comparison> {
  const { core } = adapter;
  const reply = await core.dispatch({ kind: 'compare', jobId }, ctx);
  if (!reply.comparison) return { ok: false, text: reply.text };
  const [before, after] = await Promise.all([
    core.readImage(reply.comparison.before),
    core.readImage(reply.comparison.after),
  ]);
  const pair = await fitUnderBytes(await sideBySide(before, after), adapter.options.defaultUploadLimitBytes);
  return {
    ok: true,
    file: new AttachmentBuilder(Buffer.from(pair.bytes), {
      name: `compare-${jobId}.${pair.extension}`,
      description: 'Before and after',
    }),
  };
}
