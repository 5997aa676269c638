/** The Compare button: the source photo and the result side by side, shown only to whoever asked. */
import { AttachmentBuilder } from 'discord.js';
import type { CommandContext } from '../../commands/index.ts';
import { fitUnderBytes } from '../shared/fit-upload.ts';
import { sideBySide } from '../shared/side-by-side.ts';
import type { Adapter } from './adapter.ts';

export type Comparison = { ok: true; file: AttachmentBuilder } | { ok: false; text: string };

export async function compareAttachment(jobId: string, ctx: CommandContext, adapter: Adapter): Promise<Comparison> {
  const { core } = adapter;
  // The core has no "compare" command; its read-only `info` applies the same visibility rule (same server, or
  // the owner), so a refusal there is the refusal here.
  const visible = await core.dispatch({ kind: 'info', jobId }, ctx);
  if (visible.code !== undefined) return { ok: false, text: visible.text };
  const job = core.getJob(jobId);
  if (!job?.result) return { ok: false, text: 'That edit has no result yet, so there is nothing to compare.' };
  const [before, after] = await Promise.all([core.readImage({ hash: job.sourceHash }), core.readImage(job.result)]);
  const pair = await fitUnderBytes(await sideBySide(before, after), adapter.options.defaultUploadLimitBytes);
  return { ok: true, file: new AttachmentBuilder(Buffer.from(pair.bytes), { name: `compare-${jobId}.${pair.extension}`, description: 'Before and after' }) };
}
