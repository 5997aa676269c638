/**
 * The Compare button: the job's source photo and its result side by side, posted in the thread.
 * The core's `compare` command decides who may see them and names the two images.
 */
import { UserInputError } from '../../errors.ts';
import { sideBySide } from '../shared/side-by-side.ts';
import { commandContext, whereOf, type SlackAdapter, type SlackRequest } from './adapter.ts';
import { mention } from './blocks.ts';

export async function showComparison(adapter: SlackAdapter, request: SlackRequest, jobId: string): Promise<void> {
  const reply = await adapter.core.dispatch({ kind: 'compare', jobId }, commandContext(request));
  if (!reply.comparison) throw new UserInputError(reply.code ?? 'compare_refused', reply.text);
  const image = await sideBySide(await adapter.core.readImage(reply.comparison.before), await adapter.core.readImage(reply.comparison.after));
  const fileId = await adapter.messenger.uploadImage(image, `rfedit-${jobId}-compare.png`, 'before and after');
  const where = whereOf(request);
  const ts = await adapter.messenger.post(where, { mrkdwn: `${mention(request.userId)} Before ↔ after`, imageFileId: fileId, imageAlt: 'before and after' });
  // It shows the result, so it is recorded with the result: deleting the job deletes it too.
  adapter.core.recordMessage(jobId, { role: 'result', platform: 'slack', channelId: where.channelId, ...(where.threadTs ? { threadId: where.threadTs } : {}), messageId: ts });
}
