/**
 * "@rfedit make it snowy --strength 0.7" with a photo attached: the job's messages go in that message's thread.
 *
 * Slack may deliver such a message as `app_mention`, as a `message` event with subtype `file_share`
 * (docs.slack.dev/reference/events/message/file_share), or as both; both are handled, and one message starts one
 * job, whichever arrives first. In a DM with the bot there is no app_mention, so there a photo with a prompt is
 * enough.
 */
import type { App } from '@slack/bolt';
import {
  answeringErrors,
  admitted,
  imageFilesOf,
  runEdit,
  tellPrivately,
  type SlackAdapter,
  type SlackRequest,
} from '../adapter.ts';
import { unescapeSlackText } from '../blocks.ts';
import type { SlackFileRef } from '../download.ts';

const MENTION = /<@[A-Z0-9]+(?:\|[^>]*)?>/g;

/** What the two events share. */
interface MentionEvent {
  readonly user?: string;
  readonly text?: string;
  readonly ts: string;
  readonly thread_ts?: string;
  readonly channel: string;
  readonly team?: string;
  readonly files?: SlackFileRef[];
}

/** Messages already taken, by channel and ts; remembered long enough for the twin event (Slack sends both within seconds). */
class SeenMessages {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 1_000) {}

  /** true the first time a message is seen. Synchronous, so two events arriving together cannot both win. */
  claim(channel: string, ts: string): boolean {
    const key = `${channel}/${ts}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value!);
    return true;
  }
}

export function registerMention(app: App, adapter: SlackAdapter): void {
  const seen = new SeenMessages();
  const handle = async (event: MentionEvent, teamId: string | undefined) => {
    if (!event.user || !seen.claim(event.channel, event.ts)) return;
    const threadTs = event.thread_ts ?? event.ts;
    const request: SlackRequest = {
      teamId: teamId ?? event.team,
      channelId: event.channel,
      userId: event.user,
      threadTs,
      messageTs: event.ts,
    };
    if (!(await admitted(adapter, request))) return;
    await answeringErrors(adapter, request, async () => {
      const file = (await imageFilesOf(adapter, event.files))[0];
      if (!file)
        return tellPrivately(
          adapter,
          request,
          'Attach a photo to your message and tell me what to change, e.g. "@rfedit make it snowy --strength 0.7". /edit help shows more.',
        );
      const text = unescapeSlackText((event.text ?? '').replace(MENTION, ' ')).trim();
      await runEdit(adapter, request, { file, text });
    });
  };

  app.event('app_mention', async ({ event, body }) => handle(event as MentionEvent, body.team_id));

  app.event('message', async ({ event, body, context }) => {
    const message = event as MentionEvent & { subtype?: string; bot_id?: string; channel_type?: string };
    if (message.subtype !== 'file_share' || message.bot_id || message.user === context.botUserId) return;
    // Elsewhere only a message that mentions the bot is a request; in the bot's DM every photo with a prompt is.
    const mentionsBot = context.botUserId !== undefined && (message.text ?? '').includes(`<@${context.botUserId}>`);
    if (!mentionsBot && message.channel_type !== 'im') return;
    await handle(message, body.team_id);
  });
}
