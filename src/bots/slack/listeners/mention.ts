/** "@rfedit make it snowy --strength 0.7" with a photo attached: the job's messages go in that message's thread. */
import type { App } from '@slack/bolt';
import { answeringErrors, admitted, runEdit, type SlackAdapter, type SlackRequest } from '../adapter.ts';
import { unescapeSlackText } from '../blocks.ts';
import { imageFiles, type SlackFileRef } from '../download.ts';

const MENTION = /<@[A-Z0-9]+(?:\|[^>]*)?>/g;

export function registerMention(app: App, adapter: SlackAdapter): void {
  app.event('app_mention', async ({ event, body }) => {
    if (!event.user) return;
    const threadTs = event.thread_ts ?? event.ts;
    const request: SlackRequest = { teamId: body.team_id ?? event.team, channelId: event.channel, userId: event.user, threadTs, messageTs: event.ts };
    if (!(await admitted(adapter, request))) return;
    const file = imageFiles((event as { files?: SlackFileRef[] }).files)[0];
    if (!file) {
      return adapter.messenger.ephemeral({ channelId: event.channel, threadTs }, event.user, 'Attach a photo to your message and tell me what to change, e.g. "@rfedit make it snowy --strength 0.7".');
    }
    const text = unescapeSlackText(event.text.replace(MENTION, ' ')).trim();
    await answeringErrors(adapter, request, () => runEdit(adapter, request, { file, text }));
  });
}
