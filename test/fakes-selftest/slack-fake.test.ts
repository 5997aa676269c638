/**
 * Proves the fake Slack speaks the protocol the real Bolt app and Web API client expect, over the HTTP receiver
 * (signed requests) and over Socket Mode.
 */
import { App, LogLevel } from '@slack/bolt';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack, slackSignature, type SlackEvents } from '../fakes/slack.ts';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5b1e2a90000000049454e44ae426082', 'hex');

/** A promise with its resolve handle, for listeners to report what they saw. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

let slack: FakeSlack;

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
      await client.views.open({ trigger_id: body.trigger_id, view: { type: 'modal', callback_id: 'edit', title: { type: 'plain_text', text: 'Edit' }, blocks: [] } });
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
      await client.filesUploadV2({ channel_id: body.channel_id, thread_ts: parent.ts, file: PNG, filename: 'result.png', initial_comment: 'done' });
      uploaded.resolve();
    });
    await start();

    await events.slashCommand({});
    await uploaded.promise;

    const [, reply] = slack.thread(slack.channel.id, parent.ts);
    expect(reply?.text).toBe('done');
    expect(reply?.files?.[0]?.mimetype).toBe('image/png');
    expect(slack.fileData(reply!.files![0]!)).toEqual(PNG);
    expect(slack.calls('files.completeUploadExternal')[0]?.args.files).toEqual([{ id: reply!.files![0]!.id, title: 'result.png' }]);

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
      clicked.resolve({ actionId: button.action_id, value: button.value, ts: (body as { message?: { ts: string } }).message?.ts });
    });
    app.command('/edit', async ({ ack, client, body }) => {
      await ack();
      await client.views.open({ trigger_id: body.trigger_id, view: { type: 'modal', callback_id: 'edit', title: { type: 'plain_text', text: 'Edit' }, blocks: [] } });
      await client.chat.postMessage({
        channel: body.channel_id,
        text: 'result',
        blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: 'vary', value: 'job-1', text: { type: 'plain_text', text: 'Variation' } }] }],
      });
    });
    await start();
    await events.slashCommand({});
    // The HTTP receiver acks before the listener's later calls finish, so wait for them.
    await slack.waitForCall('chat.postMessage');
    const view = slack.views[0]!;

    await events.viewSubmission({ view, values: { image: { file: { type: 'file_input', files: [photo] } }, prompt: { text: { type: 'plain_text_input', value: 'snow' } } } });
    expect(await submitted.promise).toMatchObject({ image: { file: { files: [{ id: photo.id }] } }, prompt: { text: { value: 'snow' } } });

    const result = slack.messages().find((m) => m.text === 'result')!;
    await events.blockActions({ actionId: 'vary', message: result });
    expect(await clicked.promise).toEqual({ actionId: 'vary', value: 'job-1', ts: result.ts });
  });

  it('applies respond() with replace_original to the message whose button was clicked', async () => {
    const result = slack.seedMessage({ user: slack.botUser, text: 'running', blocks: [{ type: 'actions', block_id: 'b', elements: [{ type: 'button', action_id: 'cancel', text: { type: 'plain_text', text: 'Cancel' } }] }] });
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
    const longButton = [{ type: 'actions', elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'x'.repeat(76) } }] }];

    const longTitle = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'x'.repeat(25) }, blocks: [] };

    await expect(app.client.chat.postMessage({ channel: slack.channel.id, text: 't', blocks: longButton })).rejects.toThrow(/invalid_blocks/);
    await expect(app.client.views.open({ trigger_id: triggerId, view: longTitle })).rejects.toThrow(/invalid_arguments/);
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
    const body = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(slackSignature('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body)).toBe('v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
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
        opened.resolve(await client.views.open({ trigger_id: body.trigger_id, view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] } }).catch((e: Error) => e.message));
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
    const result = slack.seedMessage({ user: slack.botUser, text: 'r', blocks: [{ type: 'actions', block_id: 'b', elements: [{ type: 'button', action_id: 'vary', text: { type: 'plain_text', text: 'V' } }] }] });

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
