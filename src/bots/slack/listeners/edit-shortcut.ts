/**
 * The message shortcut "Edit this image": on any message with an image, a modal asks for the prompt
 * and strength; the job's messages go in that message's thread.
 */
import type { App, MessageShortcut } from '@slack/bolt';
import {
  answeringErrors,
  admitted,
  imageFilesOf,
  openModal,
  runEdit,
  tellPrivately,
  type SlackAdapter,
  type SlackRequest,
  formRequest,
} from '../adapter.ts';
import type { SlackFileRef } from '../download.ts';
import {
  CALLBACK,
  readMetadata,
  readSubmission,
  shortcutModal,
  type ShortcutModalMetadata,
  type ViewValues,
} from '../modals.ts';

export function registerEditShortcut(app: App, adapter: SlackAdapter): void {
  app.shortcut<MessageShortcut>(
    { callback_id: CALLBACK.messageShortcut, type: 'message_action' },
    async ({ shortcut, ack }) => {
      await ack();
      const message = shortcut.message;
      const threadTs = (message.thread_ts as string | undefined) ?? message.ts;
      const request: SlackRequest = {
        teamId: shortcut.team?.id,
        channelId: shortcut.channel.id,
        userId: shortcut.user.id,
        userName: shortcut.user.name,
        threadTs,
        messageTs: message.ts,
        responseUrl: shortcut.response_url,
      };
      if (!(await admitted(adapter, request))) return;
      // Slack Connect files need files.info first (a quick call: the trigger id lives 3 s).
      const file = (await imageFilesOf(adapter, message.files as SlackFileRef[] | undefined))[0];
      if (!file)
        return tellPrivately(
          adapter,
          request,
          'That message has no image I can edit. Use "Edit this image" on a message with a photo.',
        );
      const meta: ShortcutModalMetadata = {
        channelId: request.channelId,
        threadTs,
        messageTs: message.ts,
        file: pick(file),
        responseUrl: shortcut.response_url,
      };
      await openModal(
        adapter,
        request,
        shortcut.trigger_id,
        shortcutModal(meta, file.name ?? 'the photo', adapter.core.commands),
      );
    },
  );

  app.view(CALLBACK.shortcutModal, async ({ ack, view, body }) => {
    await ack();
    const meta = readMetadata<ShortcutModalMetadata>(view.private_metadata);
    const submitted = readSubmission(view.state.values as ViewValues);
    const request = formRequest(view, body, meta, { threadTs: meta.threadTs, messageTs: meta.messageTs });
    if (!(await admitted(adapter, request))) return;
    await answeringErrors(adapter, request, () =>
      runEdit(adapter, request, { file: meta.file, text: submitted.prompt, strength: submitted.strength }),
    );
  });
}

/** private_metadata holds at most 3,000 characters; keep only what the download needs. */
function pick(file: SlackFileRef): SlackFileRef {
  const { id, name, mimetype, size, url_private, url_private_download } = file;
  return { id, name, mimetype, size, url_private, url_private_download };
}
