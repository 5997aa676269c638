/**
 * `/edit [prompt] [--strength s]`: slash commands carry no files, so this opens a modal with a file
 * input, prefilled from the typed text. Its submission posts a thread starter in the channel (the
 * job's messages go in that thread) and runs the edit.
 */
import type { App } from '@slack/bolt';
import { quote } from '../../../commands/format.ts';
import { parseEditText } from '../../../commands/index.ts';
import { RfeditError } from '../../../errors.ts';
import {
  answeringErrors,
  admitted,
  openModal,
  refusalFor,
  runEdit,
  tellPrivately,
  type SlackAdapter,
  type SlackRequest,
  formRequest,
} from '../adapter.ts';
import { escapeMrkdwn, mention, unescapeSlackText } from '../blocks.ts';
import { asksForHelp, slackHelp } from '../help.ts';
import {
  CALLBACK,
  editModal,
  readMetadata,
  readSubmission,
  type EditModalMetadata,
  type ViewValues,
} from '../modals.ts';

export const EDIT_COMMAND = '/edit';

export function registerEditCommand(app: App, adapter: SlackAdapter): void {
  app.command(EDIT_COMMAND, async ({ command, ack }) => {
    const request: SlackRequest = {
      teamId: command.team_id,
      channelId: command.channel_id,
      userId: command.user_id,
      userName: command.user_name,
      responseUrl: command.response_url,
    };
    const refusal = refusalFor(adapter, request);
    if (refusal !== null) return ack({ response_type: 'ephemeral', text: refusal });
    if (asksForHelp(command.text)) return ack({ response_type: 'ephemeral', text: slackHelp(EDIT_COMMAND) });
    let initial: { prompt: string; strength?: number };
    try {
      const { prompt, options } = parseEditText(unescapeSlackText(command.text));
      const { strength, ...others } = options;
      // Strength has its own field; other flags (--preset stroke-to-image) stay after the prompt, read again on submit.
      const flags = Object.entries(others).map(([name, value]) => `--${name} ${value}`);
      initial = { prompt: [prompt, ...flags].join(' '), ...(strength === undefined ? {} : { strength }) };
    } catch (error) {
      if (error instanceof RfeditError) return ack({ response_type: 'ephemeral', text: error.userMessage });
      throw error;
    }
    await ack();
    // The trigger id is valid for 3 s, so the modal opens before anything slow.
    await openModal(
      adapter,
      request,
      command.trigger_id,
      editModal({ channelId: command.channel_id, responseUrl: command.response_url }, initial, adapter.core.commands),
    );
  });

  app.view(CALLBACK.editModal, async ({ ack, view, body }) => {
    await ack();
    const meta = readMetadata<EditModalMetadata>(view.private_metadata);
    const submitted = readSubmission(view.state.values as ViewValues);
    const request = formRequest(view, body, meta);
    if (!(await admitted(adapter, request))) return;
    await answeringErrors(adapter, request, async () => {
      const file = submitted.files[0];
      if (!file) return tellPrivately(adapter, request, 'Please attach a photo to edit.');
      const threadTs = await adapter.messenger.post(
        { channelId: meta.channelId },
        {
          mrkdwn: `${mention(body.user.id)} asked me to edit a photo: ${escapeMrkdwn(quote(parseEditText(submitted.prompt).prompt))}`,
        },
      );
      const inThread = { ...request, threadTs, messageTs: threadTs };
      await answeringErrors(adapter, inThread, () =>
        runEdit(adapter, inThread, { file, text: submitted.prompt, strength: submitted.strength }),
      );
    });
  });
}
