/**
 * Oversized bodies: uploads larger than the limit (declared or not), oversized JSON, header floods and
 * WebSocket frames over the limit on the web chat; a Discord attachment that lies about its size; and an unsigned
 * event on Slack's HTTP endpoint. Each is refused early with a clear answer and the bot keeps serving.
 */
import { request } from 'node:http';
import { headersOf } from '../bots/web/fixtures/web-session.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Harness } from '../bots/discord/harness.ts';
import { startHarness, waitForResult } from '../bots/slack/harness.ts';
import type { RunningChat } from '../bots/web/fixtures/chat-server.ts';
import { TestEngine } from '../jobs/fixtures/test-engines.ts';
import { printFigures, refuse, settle, tally } from './fixtures/figures.ts';
import { noisyPng } from './fixtures/hostile-images.ts';
import { jobRows } from './fixtures/job-rows.ts';
import { discordStillEdits, webChatForBlock, webStillEdits } from './shared.ts';

afterAll(() => printFigures('oversized bodies'));

/** Sends headers and as much of `body` as the server reads; resolves with its answer (or how the connection ended). */
async function rawPost(
  chat: RunningChat,
  path: string,
  headers: Record<string, string | number>,
  body: Buffer,
): Promise<{ status: number; text: string }> {
  const mallory = await headersOf(chat, 'mallory');
  return new Promise((resolve) => {
    const client = request(
      new URL(path, chat.url),
      { method: 'POST', headers: { ...mallory, ...headers } },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    client.on('error', (error) => resolve({ status: 0, text: error.message }));
    client.end(body);
  });
}

describe('web chat', () => {
  const row = tally('oversized bodies', 'web chat');
  const web = webChatForBlock(() => new TestEngine(), { chat: { maxUploadBytes: 1024 * 1024 } });

  it('refuses oversized uploads, JSON and headers with a status and a message, then still edits', async () => {
    const { chat } = web;
    const cases: Array<{
      what: string;
      send: () => Promise<{ status: number; text: string }>;
      status: number;
      code: string;
    }> = [
      {
        what: 'an upload declaring 5 MB',
        send: () => rawPost(chat, '/api/send', { 'content-length': 5 * 2 ** 20 }, Buffer.alloc(64 * 1024)),
        status: 413,
        code: 'upload_too_large',
      },
      {
        what: 'a 5 MB upload without a length',
        send: () =>
          rawPost(
            chat,
            '/api/send',
            { 'transfer-encoding': 'chunked' },
            Buffer.concat([Buffer.from('{"text":"/edit x"}\n'), Buffer.alloc(5 * 2 ** 20)]),
          ),
        status: 413,
        code: 'upload_too_large',
      },
      {
        what: 'a 1 MB button press',
        send: () =>
          rawPost(
            chat,
            '/api/action',
            { 'content-type': 'application/json' },
            Buffer.from(JSON.stringify({ actionId: 'x'.repeat(2 ** 20), threadId: 't' })),
          ),
        status: 413,
        code: 'request_too_large',
      },
      // Issue 15: 20 MB of nested arrays as the message line blocked the event loop 3.3 s per request; it is now refused at 64 KB, unparsed.
      {
        what: 'a message line of nested arrays',
        send: () => rawPost(chat, '/api/send', {}, Buffer.alloc(900 * 1024, 0x5b)),
        status: 413,
        code: 'message_too_large',
      },
      {
        what: '100 KB of headers',
        send: () => rawPost(chat, '/api/send', { 'x-filler': 'y'.repeat(100 * 1024) }, Buffer.alloc(0)),
        status: 431,
        code: 'headers_too_large',
      },
    ];
    for (const attempt of cases) {
      const answer = await attempt.send();
      row.sent++;
      expect(answer.status, `${attempt.what}: ${answer.text}`).toBe(attempt.status);
      if (attempt.code === 'upload_too_large')
        expect(JSON.parse(answer.text).error.text, attempt.what).toMatch(
          /^That upload is .+; the limit here is .+\. Please send a smaller photo\.$/,
        );
      if (attempt.code === 'request_too_large')
        expect(JSON.parse(answer.text).error.text, attempt.what).toBe(
          'That request is larger than the 64 KB this chat accepts for a button or form. Please reload the page and try again.',
        );
      if (attempt.code === 'message_too_large')
        expect(JSON.parse(answer.text).error.text, attempt.what).toBe(
          'That message is too long: the text and the file name may take up to 64 KB together. Please shorten it.',
        );
      refuse(row, attempt.code);
    }
    await webStillEdits(chat);
    expect(settle(row)).toBe(0);
  });

  it('closes a live socket that sends a frame over the limit, and serves the next one', async () => {
    const { chat } = web;
    const live = new URL('/live', chat.url.replace(/^http/, 'ws'));
    const origin = new URL(chat.url).origin;
    const headers = await headersOf(chat, 'mallory');
    const flood = new WebSocket(live, { origin, headers });
    await new Promise((resolve) => flood.once('open', resolve));
    const closed = new Promise<number>((resolve) => flood.once('close', (code) => resolve(code)));
    flood.send('z'.repeat(64 * 1024));
    row.sent++;
    expect(await closed).toBe(1009); // "message too big"
    refuse(row, 'websocket_1009');

    const next = new WebSocket(live, { origin, headers });
    await new Promise((resolve, reject) => next.once('open', resolve).once('error', reject));
    next.close();
    expect(settle(row)).toBe(0);
  });
});

describe('Slack (HTTP events)', () => {
  // Not covered: a body over Bolt's own 4 MB limit. Bolt (raw-body) did not answer a request that declared 6 MB
  // and sent only headers (the test ran into its 60 s limit), and a full 6 MB body took ~6 s and ended in a reset.
  const row = tally('forged (unsigned) events', 'Slack events endpoint');

  it('refuses an unsigned event without running anything, then still edits', async () => {
    const h = await startHarness();
    try {
      const url = h.bot.requestUrl()!;
      const forged = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
          'x-slack-signature': 'v0=0123456789abcdef',
        },
        body: JSON.stringify({ type: 'event_callback', event: { type: 'app_mention', text: 'x' } }),
      });
      row.sent++;
      expect(forged.status).toBe(401);
      refuse(row, 'signature_invalid (401)');
      expect(jobRows(h.dataDir)).toEqual([]);
      await h.events.appMention({
        text: 'still working',
        files: [h.slack.addFile(await noisyPng(32), { name: 'ok.png', mimetype: 'image/png' })],
      });
      await waitForResult(h.slack);
      expect(settle(row)).toBe(0);
    } finally {
      await h.close();
    }
  });
});

describe('Discord', () => {
  const row = tally('oversized bodies', 'Discord /edit');

  it('stops downloading an attachment that is larger than it claims, and says why', async () => {
    const world = await Harness.start({ bot: { maxDownloadBytes: 1024 * 1024 } });
    try {
      const big = await noisyPng(1024); // ~3 MB of incompressible pixels
      const liar = {
        ...world.discord.attachment({ filename: 'small.png', contentType: 'image/png', data: big }),
        size: 20_000,
      };
      const sent = world.discord.slashCommand('edit', { image: liar, prompt: 'x' });
      row.sent++;
      // Only the download finds the lie, after the public defer: the refusal edits the public status message.
      await world.statusMatching(sent.id, /That file is (at least )?\d+\.\d MB; the limit is 1\.0 MB\./);
      refuse(row, 'image_too_large');
      await discordStillEdits(world, 1);
      expect(settle(row)).toBe(0);
    } finally {
      await world.close();
    }
  });
});
