/**
 * Clicks on the buttons under status and result messages. Every button's action_id is a signed
 * action id, so a click names its job and action by itself (also after a restart). Remix opens a
 * prefilled modal first; Compare is shown here; everything else is a command of the core.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import {
  answeringErrors,
  admitted,
  commandContext,
  deliverReply,
  openModal,
  type SlackAdapter,
  type SlackRequest,
  formRequest,
} from '../adapter.ts';
import {
  CALLBACK,
  readMetadata,
  readSubmission,
  remixModal,
  type RemixModalMetadata,
  type ViewValues,
} from '../modals.ts';
import { showComparison } from '../compare.ts';

/** Signed action ids start with their version; see src/commands/action-id.ts. */
const OUR_ACTION_IDS = /^rf\d+\./;

export function registerButtons(app: App, adapter: SlackAdapter): void {
  app.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: OUR_ACTION_IDS },
    async ({ ack, body, action }) => {
      await ack();
      const channelId = body.channel?.id ?? (body.container as { channel_id?: string }).channel_id ?? '';
      const message = body.message;
      const threadTs = (message?.thread_ts as string | undefined) ?? message?.ts;
      const request: SlackRequest = {
        teamId: body.team?.id,
        channelId,
        userId: body.user.id,
        userName: body.user.name,
        threadTs,
        messageTs: message?.ts,
        responseUrl: body.response_url,
      };
      if (!(await admitted(adapter, request))) return;
      await answeringErrors(adapter, request, async () => {
        const decoded = adapter.core.codec.decode(action.action_id);
        if (decoded?.action === 'compare') return showComparison(adapter, request, decoded.jobId);
        const reply = await adapter.core.handleAction(action.action_id, commandContext(request));
        if (reply.requestInput) {
          const meta: RemixModalMetadata = {
            jobId: reply.requestInput.jobId,
            channelId,
            threadTs: threadTs ?? '',
            responseUrl: body.response_url,
          };
          return openModal(
            adapter,
            request,
            body.trigger_id,
            remixModal(meta, reply.requestInput, adapter.core.commands),
          );
        }
        await deliverReply(adapter, reply, request);
      });
    },
  );

  app.view(CALLBACK.remixModal, async ({ ack, view, body }) => {
    await ack();
    const meta = readMetadata<RemixModalMetadata>(view.private_metadata);
    const submitted = readSubmission(view.state.values as ViewValues);
    const request = formRequest(view, body, meta, { threadTs: meta.threadTs || undefined });
    if (!(await admitted(adapter, request))) return;
    await answeringErrors(adapter, request, async () => {
      const command = {
        kind: 'remix' as const,
        jobId: meta.jobId,
        prompt: submitted.prompt,
        ...(submitted.strength === undefined ? {} : { strength: submitted.strength }),
      };
      await deliverReply(adapter, await adapter.core.dispatch(command, commandContext(request)), request);
    });
  });
}
