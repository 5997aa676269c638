/**
 * The Compare button: the job's source photo and its result side by side, posted in the thread.
 * The commands layer has no compare command, so the visibility rule of src/commands/job-access.ts
 * (owner, or anyone in the same workspace) is applied here through the core's `info` command.
 */
import { UserInputError } from '../../errors.ts';
import { sideBySide } from '../shared/side-by-side.ts';
import { commandContext, whereOf, type SlackAdapter, type SlackRequest } from './adapter.ts';
import { mention } from './blocks.ts';

export async function showComparison(adapter: SlackAdapter, request: SlackRequest, jobId: string): Promise<void> {
  // `info` answers with the job only when this user may see it; its refusal is the one to show.
  const access = await adapter.core.dispatch({ kind: 'info', jobId }, commandContext(request));
  if (access.code !== undefined) throw new UserInputError(access.code, access.text);
  const job = adapter.core.getJob(jobId);
  if (!job?.result) throw new UserInputError('compare_no_result', 'That edit has no result yet, so there is nothing to compare.');
  const image = await sideBySide(await adapter.core.readImage({ hash: job.sourceHash }), await adapter.core.readImage(job.result));
  const fileId = await adapter.messenger.uploadImage(image, `rfedit-${jobId}-compare.png`, 'before and after');
  const where = whereOf(request);
  const ts = await adapter.messenger.post(where, { mrkdwn: `${mention(request.userId)} Before ↔ after`, imageFileId: fileId, imageAlt: 'before and after' });
  // It shows the result, so it is recorded with the result: deleting the job deletes it too.
  adapter.core.recordMessage(jobId, { role: 'result', platform: 'slack', channelId: where.channelId, ...(where.threadTs ? { threadId: where.threadTs } : {}), messageId: ts });
}
