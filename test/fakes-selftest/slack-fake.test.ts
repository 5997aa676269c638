/**
 * Proves the fake Slack speaks the protocol the real Bolt app and Web API client expect, over the HTTP receiver
 * (signed requests) and over Socket Mode.
 */
import { App, LogLevel, webApi } from '@slack/bolt';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALL_FAKE_SCOPES, FakeSlack, slackSignature, type SlackEvents } from '../fakes/slack.ts';

type WebClient = webApi.WebClient;

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5b1e2a90000000049454e44ae426082',
  'hex',
);

/** A promise with its resolve handle, for listeners to report what they saw. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

let slack: FakeSlack;

/** What Slack answered to a refused Web API call. */
const errorOf = (error: unknown) => (error as { data: Record<string, unknown> }).data;

/** Starts Bolt's HTTP receiver on a free port and returns its events URL. */
async function receiverUrlOf(app: App): Promise<string> {
  const server = (await app.start(0)) as Server;
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
}

beforeEach(async () => {
  slack = await FakeSlack.start();
});

afterEach(async () => {
  await slack.close();
});

describe('the fake Slack with a real Bolt app over HTTP', () => {
  let app: App;
  let events: SlackEvents;

  beforeEach(async () => {
    app = new App({ ...slack.httpAppOptions, logLevel: LogLevel.ERROR });
  });

  async function start(): Promise<void> {
    events = slack.httpEvents(await receiverUrlOf(app));
  }

  afterEach(async () => {
    await app.stop();
  });

  it('acks a signed slash command and lets the app respond and open a modal', async () => {
    app.command('/edit', async ({ ack, respond, client, body }) => {
      await ack();
      await client.views.open({
        trigger_id: body.trigger_id,
        view: { type: 'modal', callback_id: 'edit', title: { type: 'plain_text', text: 'Edit' }, blocks: [] },
      });
      await respond({ text: `editing: ${body.text}`, response_type: 'ephemeral' });
    });
    await start();

    const delivery = await events.slashCommand({ text: 'make it snowy' });

    expect(delivery.status).toBe(200);
    await slack.requests.waitFor((r) => r.path.startsWith('/response/'));
    expect(slack.responses()[0]?.body).toMatchObject({ text: 'editing: make it snowy' });
    expect(slack.views[0]?.view).toMatchObject({ callback_id: 'edit' });
    expect(slack.calls('auth.test')).toHaveLength(1);
    expect(slack.violations).toEqual([]);
  });

  it('rejects a request with a bad signature with 401', async () => {
    await start();
    const delivery = await events.slashCommand({ text: 'x' }, { signature: 'v0=deadbeef' });
    expect(delivery.status).toBe(401);
  });

  it('rejects a correctly signed request with a timestamp older than 5 minutes with 401', async () => {
    await start();
    const staleS = Math.floor(Date.now() / 1000) - 6 * 60;
    const delivery = await events.slashCommand({ text: 'x' }, { timestampS: staleS });
    expect(delivery.status).toBe(401);
  });

  it('retries a Web API call answered with 429 and Retry-After', async () => {
    const posted = deferred<string | undefined>();
    app.command('/edit', async ({ ack, client, body }) => {
      await ack();
      posted.resolve((await client.chat.postMessage({ channel: body.channel_id, text: 'queued' })).ts);
    });
    await start();
    slack.rateLimitNext('chat.postMessage');

    await events.slashCommand({});
    const ts = await posted.promise;

    expect(slack.requests.filter((r) => r.path === '/api/chat.postMessage').map((r) => r.status)).toEqual([429, 200]);
    expect(slack.message(slack.channel.id, ts ?? '')?.text).toBe('queued');
  });

  it('stores a file uploaded with filesUploadV2 in the thread it was shared to, until it is deleted', async () => {
    const parent = slack.seedMessage({ text: 'status' });
    const uploaded = deferred<void>();
    app.command('/edit', async ({ ack, client, body }) => {
      await ack();
      await client.filesUploadV2({
        channel_id: body.channel_id,
        thread_ts: parent.ts,
        file: PNG,
        filename: 'result.png',
        initial_comment: 'done',
      });
      uploaded.resolve();
    });
    await start();

    await events.slashCommand({});
    await uploaded.promise;

    const [, reply] = slack.thread(slack.channel.id, parent.ts);
    expect(reply?.text).toBe('done');
    expect(reply?.files?.[0]?.mimetype).toBe('image/png');
    expect(slack.fileData(reply!.files![0]!)).toEqual(PNG);
    expect(slack.calls('files.completeUploadExternal')[0]?.args.files).toEqual([
      { id: reply!.files![0]!.id, title: 'result.png' },
    ]);

    const fileId = reply!.files![0]!.id;
    await app.client.files.delete({ file: fileId });
    expect(slack.file(fileId)).toBeUndefined();
    expect(slack.thread(slack.channel.id, parent.ts)[1]?.files).toEqual([]);
  });

  it('delivers a view submission with a file input and a block action on a posted button', async () => {
    const photo = slack.addFile(PNG, { name: 'cat.png', mimetype: 'image/png' });
    const submitted = deferred<unknown>();
    const clicked = deferred<{ actionId: string; value?: string; ts?: string }>();
    app.view('edit', async ({ ack, view }) => {
      await ack();
      submitted.resolve(view.state.values);
    });
    app.action('vary', async ({ ack, action, body }) => {
      await ack();
      const button = action as { action_id: string; value?: string };
      clicked.resolve({
        actionId: button.action_id,
        value: button.value,
        ts: (body as { message?: { ts: string } }).message?.ts,
      });
    });
    app.command('/edit', async ({ ack, client, body }) => {
      await ack();
      await client.views.open({
        trigger_id: body.trigger_id,
        view: { type: 'modal', callback_id: 'edit', title: { type: 'plain_text', text: 'Edit' }, blocks: [] },
      });
      await client.chat.postMessage({
        channel: body.channel_id,
        text: 'result',
        blocks: [
          {
            type: 'actions',
            elements: [
              { type: 'button', action_id: 'vary', value: 'job-1', text: { type: 'plain_text', text: 'Variation' } },
            ],
          },
        ],
      });
    });
    await start();
    await events.slashCommand({});
    // The HTTP receiver acks before the listener's later calls finish, so wait for them.
    await slack.waitForCall('chat.postMessage');
    const view = slack.views[0]!;

    await events.viewSubmission({
      view,
      values: {
        image: { file: { type: 'file_input', files: [photo] } },
        prompt: { text: { type: 'plain_text_input', value: 'snow' } },
      },
    });
    expect(await submitted.promise).toMatchObject({
      image: { file: { files: [{ id: photo.id }] } },
      prompt: { text: { value: 'snow' } },
    });

    const result = slack.messages().find((m) => m.text === 'result')!;
    await events.blockActions({ actionId: 'vary', message: result });
    expect(await clicked.promise).toEqual({ actionId: 'vary', value: 'job-1', ts: result.ts });
  });

  it('applies respond() with replace_original to the message whose button was clicked', async () => {
    const result = slack.seedMessage({
      user: slack.botUser,
      text: 'running',
      blocks: [
        {
          type: 'actions',
          block_id: 'b',
          elements: [{ type: 'button', action_id: 'cancel', text: { type: 'plain_text', text: 'Cancel' } }],
        },
      ],
    });
    const responded = deferred<void>();
    app.action('cancel', async ({ ack, respond }) => {
      await ack();
      await respond({ replace_original: true, text: 'cancelled' });
      await respond({ text: 'only you can see this' });
      responded.resolve();
    });
    await start();

    await events.blockActions({ actionId: 'cancel', message: result });
    await responded.promise;

    expect(slack.message(result.channel, result.ts)?.text).toBe('cancelled');
    expect(slack.ephemerals).toMatchObject([{ user: slack.user.id, text: 'only you can see this' }]);
  });

  it('refuses blocks and views Slack would refuse and says why', async () => {
    app.command('/edit', async ({ ack }) => ack());
    await start();
    const { triggerId } = await events.slashCommand({});
    const longButton = [
      {
        type: 'actions',
        elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'x'.repeat(76) } }],
      },
    ];

    const longTitle = {
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: 'x'.repeat(25) },
      blocks: [],
    };

    await expect(
      app.client.chat.postMessage({ channel: slack.channel.id, text: 't', blocks: longButton }),
    ).rejects.toThrow(/invalid_blocks/);
    await expect(app.client.views.open({ trigger_id: triggerId, view: longTitle })).rejects.toThrow(
      /invalid_arguments/,
    );
    expect(slack.violations.map((v) => [v.rule, v.detail])).toEqual([
      ['invalid_blocks', 'blocks[0].elements[0].text: 76 characters (max 75)'],
      ['invalid_view', 'view.title: 25 characters (max 24)'],
    ]);
  });

  it('delivers a message shortcut, a global shortcut, an app mention with a file and a reaction', async () => {
    const photo = slack.addFile(PNG, { name: 'cat.png', mimetype: 'image/png' });
    const photoPost = slack.seedMessage({ text: 'look', files: [photo] });
    const shortcut = deferred<string>();
    const mention = deferred<string[]>();
    const reaction = deferred<string>();
    app.shortcut('edit_this_image', async ({ ack, shortcut: s }) => {
      await ack();
      shortcut.resolve((s as { message: { ts: string } }).message.ts);
    });
    const global = deferred<string>();
    app.shortcut({ type: 'shortcut', callback_id: 'open_editor' }, async ({ ack, shortcut: s }) => {
      await ack();
      global.resolve(s.trigger_id);
    });
    app.event('app_mention', async ({ event }) => mention.resolve((event.files ?? []).map((f) => f.id)));
    app.event('reaction_added', async ({ event }) => reaction.resolve(event.reaction));
    await start();

    await events.messageShortcut({ callbackId: 'edit_this_image', message: photoPost });
    const { triggerId } = await events.globalShortcut({ callbackId: 'open_editor' });
    await events.appMention({ text: 'make it snowy', files: [photo] });
    await events.reactionAdded({ reaction: 'repeat', message: photoPost });

    expect(await shortcut.promise).toBe(photoPost.ts);
    expect(await global.promise).toBe(triggerId);
    expect(await mention.promise).toEqual([photo.id]);
    expect(await reaction.promise).toBe('repeat');
  });
});

describe('the fake Slack file hosting', () => {
  it('serves url_private to the bot token and an HTML login page otherwise', async () => {
    const photo = slack.addFile(PNG, { name: 'cat.png', mimetype: 'image/png' });

    const withToken = await fetch(photo.url_private, { headers: { authorization: `Bearer ${slack.botToken}` } });
    const withoutToken = await fetch(photo.url_private);

    expect(withToken.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await withToken.arrayBuffer())).toEqual(PNG);
    expect(withoutToken.status).toBe(200);
    expect(withoutToken.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('signs requests with the v0 HMAC-SHA256 scheme Slack documents', () => {
    // Slack's documented example (api.slack.com/authentication/verifying-requests-from-slack).
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(slackSignature('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });
});

describe('the Slack rules the fake enforces', () => {
  let app: App | undefined;
  let nowMs = 1_800_000_000_000;

  /** A fake on a hand-driven clock and a Bolt app whose listeners `register` adds. */
  async function startOnHandDrivenClock(register: (app: App) => void): Promise<SlackEvents> {
    await slack.close();
    slack = await FakeSlack.start({ now: () => nowMs });
    app = new App({ ...slack.httpAppOptions, logLevel: LogLevel.ERROR });
    register(app);
    return slack.httpEvents(await receiverUrlOf(app));
  }

  afterEach(async () => {
    await app?.stop();
  });

  it('refuses views.open with a trigger id older than 3 s and records it', async () => {
    const clockAdvanced = deferred<void>();
    const opened = deferred<unknown>();
    const events = await startOnHandDrivenClock((a) =>
      a.command('/edit', async ({ ack, client, body }) => {
        await ack();
        await clockAdvanced.promise;
        opened.resolve(
          await client.views
            .open({
              trigger_id: body.trigger_id,
              view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] },
            })
            .catch((e: Error) => e.message),
        );
      }),
    );
    await events.slashCommand({});
    nowMs += 3_001;
    clockAdvanced.resolve();
    expect(await opened.promise).toMatch(/expired_trigger_id/);
    expect(slack.violations.map((v) => v.rule)).toEqual(['expired_trigger_id']);
  });

  it('records an acknowledgement that came after 3 s', async () => {
    const listening = deferred<void>();
    const mayAck = deferred<void>();
    const events = await startOnHandDrivenClock((a) =>
      a.command('/edit', async ({ ack }) => {
        listening.resolve();
        await mayAck.promise;
        await ack();
      }),
    );
    const delivered = events.slashCommand({});
    await listening.promise;
    nowMs += 3_001;
    mayAck.resolve();
    await delivered;
    expect(slack.violations.map((v) => v.rule)).toEqual(['ack_late']);
  });
});

describe('the fake Slack with a real Bolt app over Socket Mode', () => {
  it('connects, delivers a slash command envelope and receives its ack', async () => {
    const app = new App({ ...slack.socketModeAppOptions, logLevel: LogLevel.ERROR });
    const seen = deferred<string>();
    app.command('/edit', async ({ ack, body }) => {
      await ack({ text: 'on it' });
      seen.resolve(body.text);
    });
    await app.start();
    await slack.socketMode.connections.waitFor(() => true);

    const delivery = await slack.socketEvents().slashCommand({ text: 'snowy' });

    expect(await seen.promise).toBe('snowy');
    expect(delivery.json).toMatchObject({ text: 'on it' });
    expect(slack.calls('apps.connections.open')[0]?.request.headers.authorization).toBe(`Bearer ${slack.appToken}`);
    await app.stop();
  });

  it('delivers events and interactive payloads over the socket too', async () => {
    const app = new App({ ...slack.socketModeAppOptions, logLevel: LogLevel.ERROR });
    const mention = deferred<string>();
    const clicked = deferred<string>();
    app.event('app_mention', async ({ event }) => mention.resolve(event.text));
    app.action('vary', async ({ ack }) => {
      await ack();
      clicked.resolve('vary');
    });
    await app.start();
    await slack.socketMode.connections.waitFor(() => true);
    const events = slack.socketEvents();
    const result = slack.seedMessage({
      user: slack.botUser,
      text: 'r',
      blocks: [
        {
          type: 'actions',
          block_id: 'b',
          elements: [{ type: 'button', action_id: 'vary', text: { type: 'plain_text', text: 'V' } }],
        },
      ],
    });

    await events.appMention({ text: 'hello' });
    await events.blockActions({ actionId: 'vary', message: result });

    expect(await mention.promise).toContain('hello');
    expect(await clicked.promise).toBe('vary');
    await app.stop();
  });

  it('reconnects when the server asks for a refresh, then keeps delivering', async () => {
    const app = new App({ ...slack.socketModeAppOptions, logLevel: LogLevel.ERROR });
    const seen = deferred<string>();
    app.command('/edit', async ({ ack, body }) => {
      await ack();
      seen.resolve(body.text);
    });
    await app.start();
    await slack.socketMode.connections.waitFor(() => true);

    slack.socketMode.requestRefresh();
    await slack.socketMode.connections.waitFor(() => true, { nth: 2 });
    await slack.socketEvents().slashCommand({ text: 'after refresh' });

    expect(await seen.promise).toBe('after refresh');
    expect(slack.calls('apps.connections.open')).toHaveLength(2);
    await app.stop();
  });
});

describe('the fake Slack is as strict as Slack', () => {
  /** A Web API client on the fake with the bot token (or another token). */
  function client(token = slack.botToken): WebClient {
    return new webApi.WebClient(token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  }
  const imageBlocks = (fileId: string) => [
    { type: 'section', text: { type: 'mrkdwn', text: 'result' } },
    { type: 'image', slack_file: { id: fileId }, alt_text: 'result' },
  ];

  it('keeps a file uploaded without a channel private to the uploader and shares it with channel_id + thread_ts', async () => {
    const web = client();
    const parent = slack.seedMessage({ text: 'status' });
    const privateUpload = await web.filesUploadV2({ file: PNG, filename: 'private.png' });
    const privateId = (privateUpload.files as Array<{ files: Array<{ id: string }> }>)[0]!.files[0]!.id;
    const shared = await web.filesUploadV2({
      file: PNG,
      filename: 'shared.png',
      channel_id: slack.channel.id,
      thread_ts: parent.ts,
      initial_comment: 'the result',
    });
    const sharedId = (shared.files as Array<{ files: Array<{ id: string }> }>)[0]!.files[0]!.id;

    expect(slack.fileVisibleTo(privateId, slack.botUser)).toBe(true);
    expect(slack.fileVisibleTo(privateId, slack.user)).toBe(false);
    expect(slack.fileVisibleTo(sharedId, slack.user)).toBe(true);
    expect(slack.thread(slack.channel.id, parent.ts)[1]).toMatchObject({
      text: 'the result',
      files: [{ id: sharedId }],
    });
    expect((await web.files.info({ file: sharedId })).file).toMatchObject({
      id: sharedId,
      channels: [slack.channel.id],
    });
  });

  it('refuses an image block for a file the bot cannot see, in Slack’s words', async () => {
    const unshared = slack.addFile(PNG, { name: 'cat.png', mimetype: 'image/png' });

    const refusal = await client()
      .chat.postMessage({ channel: slack.channel.id, text: 'x', blocks: imageBlocks(unshared.id) })
      .catch(errorOf);

    expect(refusal).toMatchObject({
      ok: false,
      error: 'invalid_blocks',
      errors: ['invalid slack file [json-pointer:/blocks/1/slack_file]'],
      response_metadata: { messages: ['[ERROR] invalid slack file [json-pointer:/blocks/1/slack_file]'] },
    });
    await expect(client().files.info({ file: unshared.id })).rejects.toThrow(/file_not_found/);
    expect(slack.violations.map((v) => v.rule)).toEqual(['invalid_blocks']);
  });

  it('refuses an image block for an upload Slack is still processing, and accepts it once processed', async () => {
    let nowMs = 1_800_000_000_000;
    await slack.close();
    slack = await FakeSlack.start({ now: () => nowMs, rules: { fileProcessingMs: 2_000 } });
    const web = client();
    const upload = await web.filesUploadV2({ file: PNG, filename: 'result.png' });
    const fileId = (upload.files as Array<{ files: Array<{ id: string }> }>)[0]!.files[0]!.id;

    const early = await web.chat
      .postMessage({ channel: slack.channel.id, text: 'x', blocks: imageBlocks(fileId) })
      .catch(errorOf);
    nowMs += 2_000;
    const later = await web.chat.postMessage({ channel: slack.channel.id, text: 'x', blocks: imageBlocks(fileId) });

    expect(early).toMatchObject({
      error: 'invalid_blocks',
      errors: ['invalid slack file [json-pointer:/blocks/1/slack_file]'],
    });
    expect(later.ok).toBe(true);
    // Slack's timing, not a mistake of the poster's.
    expect(slack.violations).toEqual([]);
  });

  it('enforces membership: chat.postMessage and chat.postEphemeral answer as Slack documents', async () => {
    const web = client();
    const bob = slack.addUser('bob');
    const secret = slack.addChannel('secret', { isPrivate: true, members: [slack.user] });
    const lobby = slack.addChannel('lobby', { members: [slack.user] });
    const twoPeople = slack.addDirectMessage(slack.user, bob);
    const post = (channel: string) =>
      web.chat.postMessage({ channel, text: 'hi' }).then(
        () => 'ok',
        (e) => errorOf(e).error,
      );
    const ephemeral = (channel: string, user: string) =>
      web.chat.postEphemeral({ channel, user, text: 'psst' }).then(
        () => 'ok',
        (e) => errorOf(e).error,
      );

    expect(await post(secret.id)).toBe('channel_not_found');
    expect(await post(twoPeople.id)).toBe('channel_not_found');
    expect(await post(lobby.id)).toBe('ok'); // chat:write.public
    expect(await ephemeral(lobby.id, slack.user.id)).toBe('not_in_channel');
    expect(await ephemeral(secret.id, slack.user.id)).toBe('channel_not_found');
    expect(await ephemeral(slack.channel.id, slack.user.id)).toBe('ok');
    slack.leave(slack.channel, bob);
    expect(await ephemeral(slack.channel.id, bob.id)).toBe('user_not_in_channel');
    await expect(web.conversations.replies({ channel: lobby.id, ts: '1.0' })).rejects.toThrow(/not_in_channel/);
    // Sharing a file needs membership even where chat:write.public lets the bot post; joining fixes that.
    await expect(web.filesUploadV2({ file: PNG, filename: 'r.png', channel_id: lobby.id })).rejects.toThrow(
      /not_in_channel/,
    );
    await expect(web.conversations.join({ channel: secret.id })).rejects.toThrow(/channel_not_found/);
    await web.conversations.join({ channel: lobby.id });
    expect((await web.filesUploadV2({ file: PNG, filename: 'r.png', channel_id: lobby.id })).ok).toBe(true);

    await slack.close();
    slack = await FakeSlack.start({ scopes: ALL_FAKE_SCOPES.filter((s) => s !== 'chat:write.public') });
    const lobbyWithoutPublic = slack.addChannel('lobby', { members: [slack.user] });
    await expect(client().chat.postMessage({ channel: lobbyWithoutPublic.id, text: 'hi' })).rejects.toThrow(
      /not_in_channel/,
    );
  });

  it('refuses a method whose scope the token lacks with missing_scope, needed and provided, and names the scopes in a header', async () => {
    await slack.close();
    slack = await FakeSlack.start({ scopes: ['chat:write', 'channels:history'] });
    const web = client();

    const auth = await web.auth.test();
    const refusal = await web.files.info({ file: 'F1' }).catch(errorOf);
    const dm = slack.dmWith(slack.user);
    const dmRefusal = await web.conversations.replies({ channel: dm.id, ts: '1.0' }).catch(errorOf);

    expect(auth.response_metadata?.scopes).toEqual(['chat:write', 'channels:history']);
    expect(refusal).toMatchObject({
      ok: false,
      error: 'missing_scope',
      needed: 'files:read',
      provided: 'chat:write,channels:history',
    });
    expect(dmRefusal).toMatchObject({ error: 'missing_scope', needed: 'im:history' });
    expect(slack.violations.map((v) => v.detail)).toEqual([
      'files.info needs files:read',
      'conversations.replies needs im:history',
    ]);
  });
});

describe('what the fake Slack sends for files', () => {
  let app: App;
  afterEach(async () => app.stop());

  it('sends a file upload with a mention as message/file_share and app_mention, or file_share alone', async () => {
    app = new App({ ...slack.httpAppOptions, logLevel: LogLevel.ERROR });
    const seen: string[] = [];
    app.event('message', async ({ event }) => void seen.push(`message/${(event as { subtype?: string }).subtype}`));
    app.event('app_mention', async () => void seen.push('app_mention'));
    const events = slack.httpEvents(await receiverUrlOf(app));
    const photo = slack.addFile(PNG, { name: 'cat.png', mimetype: 'image/png' });

    await events.appMention({ text: 'make it snowy', files: [photo] });
    await events.appMention({ text: 'make it snowy', files: [photo], delivery: 'file_share' });
    await slack.requests.waitFor(() => seen.length === 3);

    expect(seen.sort()).toEqual(['app_mention', 'message/file_share', 'message/file_share']);
  });

  it('sends mentions, messages and reactions only about conversations the bot is in, and only with their scope', async () => {
    await slack.close();
    slack = await FakeSlack.start({ scopes: ALL_FAKE_SCOPES.filter((s) => s !== 'im:history') });
    app = new App({ ...slack.httpAppOptions, logLevel: LogLevel.ERROR });
    const events = slack.httpEvents(await receiverUrlOf(app));
    const photo = slack.addFile(PNG, { name: 'cat.png', mimetype: 'image/png' });
    const lobby = slack.addChannel('lobby', { members: [slack.user] });

    const elsewhere = await events.appMention({ text: 'edit', files: [photo], channel: lobby });
    const inDm = await events.appMention({ text: 'edit', files: [photo], channel: slack.dmWith(slack.user) });
    const here = await events.appMention({ text: 'edit', files: [photo] });

    expect([elsewhere.status, inDm.status, here.status]).toEqual([0, 0, 200]);
  });

  it('delivers Slack Connect files without mimetype or URLs; files.info has them', async () => {
    app = new App({ ...slack.httpAppOptions, logLevel: LogLevel.ERROR });
    const received = deferred<Array<Record<string, unknown>>>();
    app.event('app_mention', async ({ event }) =>
      received.resolve(event.files as unknown as Array<Record<string, unknown>>),
    );
    const events = slack.httpEvents(await receiverUrlOf(app));
    const photo = slack.addFile(PNG, { name: 'cat.png', mimetype: 'image/png' });

    await events.appMention({ text: 'edit', files: [slack.slackConnectStub(photo)], delivery: 'app_mention' });
    const [file] = await received.promise;

    expect(file).toEqual({
      id: photo.id,
      mode: 'file_access',
      file_access: 'check_file_info',
      created: 0,
      timestamp: 0,
      user: '',
    });
    expect((await app.client.files.info({ file: photo.id })).file).toMatchObject({
      mimetype: 'image/png',
      url_private: photo.url_private,
    });
  });

  it('lets a slash command answer through its response_url where the bot is not a member', async () => {
    app = new App({ ...slack.httpAppOptions, logLevel: LogLevel.ERROR });
    const lobby = slack.addChannel('lobby', { members: [slack.user] });
    const answered = deferred<string>();
    app.command('/edit', async ({ ack, respond, client: web, body }) => {
      await ack();
      const direct = await web.chat.postEphemeral({ channel: body.channel_id, user: body.user_id, text: 'x' }).then(
        () => 'ok',
        (e) => errorOf(e).error,
      );
      await respond({ text: `only you: ${String(direct)}` });
      answered.resolve(String(direct));
    });
    const events = slack.httpEvents(await receiverUrlOf(app));

    await events.slashCommand({ channel: lobby });

    expect(await answered.promise).toBe('not_in_channel');
    expect(slack.ephemerals).toMatchObject([
      { channel: lobby.id, user: slack.user.id, text: 'only you: not_in_channel' },
    ]);
  });
});
