/**
 * The Compare button: the job's source photo and its result side by side, posted in the thread.
 * The core's `compare` command decides who may see them and names the two images.
 */
import { UserInputError } from '../../errors.ts';
import { sideBySide } from '../shared/side-by-side.ts';
import { commandContext, whereOf, type SlackAdapter, type SlackRequest } from './adapter.ts';
import { buttonsLine, mention } from './blocks.ts';

export async function showComparison(adapter: SlackAdapter, request: SlackRequest, jobId: string): Promise<void> {
  const reply = await adapter.core.dispatch({ kind: 'compare', jobId }, commandContext(request));
  if (!reply.comparison) throw new UserInputError(reply.code ?? 'compare_refused', reply.text);
  const image = await sideBySide(
    await adapter.core.readImage(reply.comparison.before),
    await adapter.core.readImage(reply.comparison.after),
  );
  const where = whereOf(request);
  const shared = await adapter.messenger.shareImage(
    where,
    image,
    `rfedit-${jobId}-compare.png`,
    'before and after',
    `${mention(request.userId)} Before ↔ after`,
  );
  // When Slack is slow to share it, a note links it.
  if (!shared.messageTs) await adapter.messenger.post(where, { mrkdwn: buttonsLine(shared) });
  // The result's buttons message (the one clicked) now stands for the comparison too: deleting the job deletes it.
  if (request.messageTs) await adapter.messenger.linkFiles(where.channelId, request.messageTs, [shared.fileId]);
}
