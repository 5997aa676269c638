/** The web chat's HTTP and WebSocket edges, without a browser: limits, identity, privacy, live events, headers. */
import { request } from 'node:http';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { JobCard } from '../../../src/bots/web/index.ts';
import { TestEngine } from '../../jobs/fixtures/test-engines.ts';
import { startChatServer, temporaryDataDir } from './fixtures/chat-server.ts';
import type { ChatServerOptions, RunningChat } from './fixtures/chat-server.ts';
import { HeldEngine } from './fixtures/held-engine.ts';
import { headersOf, httpCall, newSession, sessionOf, signIn } from './fixtures/web-session.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(options: Partial<ChatServerOptions> = {}): Promise<RunningChat> {
  const dir = temporaryDataDir();
  cleanups.push(() => dir.remove());
  const server = await startChatServer({ engine: new TestEngine(), dataDir: dir.path, ...options });
  cleanups.push(() => server.stop());
  return server;
}

const smallPhoto = () =>
  sharp({ create: { width: 48, height: 32, channels: 3, background: '#2a7' } })
    .png()
    .toBuffer();

type SendAnswer = { reply: { text: string; code?: string }; card?: JobCard; error?: { code: string; text: string } };

/** POST /api/send as the page does it: a JSON line, a newline, the photo; as the test user `user` (its cookie). */
async function send(
  server: RunningChat,
  user: string,
  text: string,
  photo?: Buffer,
  headers: Record<string, string> = {},
) {
  const body = Buffer.concat([
    Buffer.from(`${JSON.stringify({ text, filename: photo ? 'p.png' : undefined })}\n`),
    photo ?? Buffer.alloc(0),
  ]);
  const response = await fetch(new URL('/api/send', server.url), {
    method: 'POST',
    headers: { ...(await headersOf(server, user)), ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as SendAnswer };
}

/** GET as the test user `user`: its cookie and name. */
async function getAs(server: RunningChat, user: string, path: string, headers: Record<string, string> = {}) {
  return fetch(new URL(path, server.url), { headers: { ...(await headersOf(server, user)), ...headers } });
}

/**
 * A raw upload: sends the headers and `body` (if any), never ends the request, and reports the
 * server's answer, so it shows what the server said before the upload was complete.
 */
async function answerToPartialUpload(
  server: RunningChat,
  headers: Record<string, string | number>,
  body?: Buffer,
): Promise<{ status: number; text: string }> {
  return (await partialUpload(server, headers, body)).answer;
}

/** The same, keeping the request open so a test can hold it in progress and close it later. */
async function partialUpload(
  server: RunningChat,
  headers: Record<string, string | number>,
  body?: Buffer,
  from?: { user: string; address: string },
) {
  const cookie = (await sessionOf(server, from?.user ?? 'ann')).cookie;
  let client!: ReturnType<typeof request>;
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    client = request(
      new URL('/api/send', server.url),
      { method: 'POST', headers: { cookie, ...headers }, localAddress: from?.address },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    client.on('error', reject);
    if (body) client.write(body);
    else client.flushHeaders();
  });
  answer.catch(() => {}); // a test that closes its upload on purpose awaits no answer
  cleanups.push(() => void client.destroy());
  return { client, answer };
}

/** Resolves once the server has started reading a body: an upload counts from its first bytes. */
const serverHasRead = () => new Promise((resolve) => setTimeout(resolve, 200));

describe('uploads', () => {
  it('refuses an upload whose declared size is over the limit before a byte of it is sent', async () => {
    const server = await setUp({ chat: { maxUploadBytes: 1024 * 1024 } });
    const answer = await answerToPartialUpload(server, { 'content-length': 30 * 1024 * 1024 });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toEqual({
      error: {
        code: 'upload_too_large',
        text: 'That upload is 30.0 MB; the limit here is 1.0 MB. Please send a smaller photo.',
      },
    });
  });

  it('stops reading an upload without a declared size once it passes the limit', async () => {
    const server = await setUp({ chat: { maxUploadBytes: 1024 } });
    // Well past 1 KB plus the room for the text; the rest of the upload never goes.
    const answer = await answerToPartialUpload(server, { 'transfer-encoding': 'chunked' }, Buffer.alloc(200 * 1024));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text).error.text).toMatch(/^That upload is at least \d+ KB; the limit here is 1 KB\./);
  });
});

describe('uploads in flight', () => {
  const header = Buffer.from(`${JSON.stringify({ text: '/edit greener', filename: 'p.png' })}\n`);

  /** With `held` uploads in progress, ann's next one is refused at once with `status` and `error`; once they close, hers goes through. */
  async function refusedWhileHeld(
    server: RunningChat,
    held: Array<{ client: { destroy(): void } }>,
    declared: number,
    status: number,
    error: object,
  ) {
    await serverHasRead();
    const refused = await answerToPartialUpload(server, { 'content-length': declared }, header);
    expect(refused.status).toBe(status);
    expect(JSON.parse(refused.text).error).toEqual(error);
    for (const upload of held) upload.client.destroy(); // closing them gives their places back
    await serverHasRead();
    expect((await send(server, 'ann', '/edit greener', await smallPhoto())).status).toBe(200);
  }

  it('lets one client have two uploads in progress, and answers a third at once with 429', async () => {
    const server = await setUp();
    const held = [
      await partialUpload(server, { 'content-length': 100_000 }, header),
      await partialUpload(server, { 'content-length': 100_000 }, header),
    ];
    await refusedWhileHeld(server, held, 100_000, 429, {
      code: 'uploads_in_progress',
      text: 'You already have 2 uploads in progress. Wait for one to finish, then send again.',
    });
  });

  it('answers 503 when uploads in progress hold the whole budget, and takes uploads again once they are gone', async () => {
    const server = await setUp({ chat: { uploads: { maxBytesInFlight: 300_000 } } });
    const held = [];
    for (const [i, address] of ['127.0.0.2', '127.0.0.3'].entries())
      held.push(await partialUpload(server, { 'content-length': 140_000 }, header, { user: `far${i}`, address }));
    await refusedWhileHeld(server, held, 140_000, 503, {
      code: 'server_busy',
      text: 'The server is busy receiving other photos right now. Please try again in a minute.',
    });
  });

  it('stops waiting for an upload that stalls, and says so', async () => {
    const server = await setUp({ chat: { uploads: { idleTimeoutMs: 1_000 } } });
    const answer = await answerToPartialUpload(server, { 'content-length': 100_000 }, header);
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.text).error).toEqual({
      code: 'upload_timeout',
      text: 'The upload stalled (nothing arrived for 1 s). Please check your connection and send it again.',
    });
  });

  it('refuses a message line over 64 KB before reading the photo, and a button press over 64 KB, each in its own words', async () => {
    const server = await setUp();
    const longLine = await answerToPartialUpload(
      server,
      { 'content-length': 5 * 2 ** 20 },
      Buffer.alloc(70 * 1024, 0x5b),
    ); // "[[[[…"
    expect(longLine.status).toBe(413);
    expect(JSON.parse(longLine.text).error).toEqual({
      code: 'message_too_large',
      text: 'That message is too long: the text and the file name may take up to 64 KB together. Please shorten it.',
    });
    const press = await fetch(new URL('/api/action', server.url), {
      method: 'POST',
      headers: await headersOf(server, 'ann'),
      body: JSON.stringify({ actionId: '['.repeat(100 * 1024), threadId: 't' }),
    });
    expect(press.status).toBe(413);
    expect(await press.json()).toEqual({
      error: {
        code: 'request_too_large',
        text: 'That request is larger than the 64 KB this chat accepts for a button or form. Please reload the page and try again.',
      },
    });
  });
});

describe('identity', () => {
  it('refuses requests without an identity the server issued, and a display name it cannot read', async () => {
    const server = await setUp();
    for (const cookie of [
      undefined,
      'rfedit_session=AAAAAAAAAAAAAAAAAAAAAA.forged',
      `rfedit_session=${'A'.repeat(22)}.${'B'.repeat(43)}`,
    ]) {
      const response = await fetch(new URL('/api/scrollback', server.url), { headers: cookie ? { cookie } : {} });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        error: { code: 'not_signed_in', text: 'Your session has ended. Please reload the page.' },
      });
    }
    const badName = await getAs(server, 'ann', '/api/scrollback', { 'x-rfedit-name': 'no spaces please' });
    expect(badName.status).toBe(400);
    expect(await badName.json()).toEqual({
      error: {
        code: 'user_name_invalid',
        text: 'Pick a name of 1 to 32 letters, digits, dots, dashes or underscores (top of the page).',
      },
    });
  });

  it('issues the identity in a signed HttpOnly SameSite=Strict cookie, and keeps it for a client that has one', async () => {
    const server = await setUp();
    const first = await fetch(new URL('/api/session', server.url), { method: 'POST' });
    expect(first.headers.get('set-cookie')).toMatch(
      /^rfedit_session=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/,
    );
    const { id } = (await first.json()) as { id: string };
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    const again = await fetch(new URL('/api/session', server.url), { method: 'POST', headers: { cookie } });
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(await again.json()).toEqual({ id });
  });

  it('keeps a job, its photo, its scrollback and its buttons from anyone else, whatever name they claim', async () => {
    const server = await setUp({ engine: new HeldEngine(new TestEngine()) });
    const photo = await smallPhoto();
    const sent = await send(server, 'ann', '/edit greener', photo);
    expect(sent.status).toBe(200);
    const card = sent.body.card!;
    const jobId = card.jobId;

    const asAnn = await getAs(server, 'ann', card.source!.url);
    expect(asAnn.status).toBe(200);
    expect(asAnn.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await asAnn.arrayBuffer())).toEqual(photo);
    expect(card.source!.url).not.toContain('user=');

    // Mallory has her own identity and calls herself "ann", and names ann in the query as the old page did.
    const claims = { 'x-rfedit-name': 'ann' };
    const image = await getAs(server, 'mallory', `/api/jobs/${jobId}/source?user=ann`, claims);
    expect(image.status).toBe(404);
    expect((await image.json()).error.text).toBe('I cannot find that edit. It may have been deleted or expired.');
    expect(await (await getAs(server, 'mallory', '/api/scrollback', claims)).json()).toEqual({
      messages: [],
      cards: [],
    });
    const cancel = card.buttons.find((b) => b.label === 'Cancel')!;
    for (const [path, body] of [
      ['/api/action', { actionId: cancel.actionId, threadId: card.threadId }],
      ['/api/react', { jobId, emoji: '❌', threadId: card.threadId }],
    ] as const) {
      const answer = await fetch(new URL(path, server.url), {
        method: 'POST',
        headers: { ...(await headersOf(server, 'mallory')), ...claims },
        body: JSON.stringify(body),
      });
      expect((await answer.json()).reply.code, path).toBe('job_not_found');
    }
    expect(server.core.getJob(jobId)!.status).not.toBe('cancelled');
    const annsScrollback = (await (await getAs(server, 'ann', '/api/scrollback')).json()) as { cards: JobCard[] };
    expect(annsScrollback.cards.map((c) => c.jobId)).toEqual([jobId]);
  });

  it('counts edits per address, so fresh cookies and new names get no more than one client may have', async () => {
    const engine = new HeldEngine(new TestEngine());
    const server = await setUp({ engine, chat: { clientLimits: { perClientQueued: 3 } } });
    const photo = await smallPhoto();
    const codes: Array<string | undefined> = [];
    for (let i = 0; i < 8; i++) {
      const { cookie } = await newSession(server.url); // a new identity each time, and a new name
      codes.push(
        (await send(server, `rotating-${i}`, `/edit greener ${i}`, photo, { cookie, 'x-rfedit-name': `name${i}` })).body
          .reply.code,
      );
    }
    expect(codes).toEqual([undefined, undefined, undefined, ...Array(5).fill('user_queue_full')]);
    const refused = await send(server, 'rotating-9', '/edit once more', photo);
    expect(refused.body.reply.text).toBe(
      'You already have 3 edits waiting or running (the limit is 3). Wait for one to finish, or cancel one.',
    );

    // Another machine (here another loopback address) is another client.
    const { cookie } = await newSession(server.url);
    const header = Buffer.from(`${JSON.stringify({ text: '/edit from elsewhere', filename: 'p.png' })}\n`);
    const other = await httpCall(new URL('/api/send', server.url), {
      method: 'POST',
      headers: { cookie },
      body: Buffer.concat([header, photo]),
      localAddress: '127.0.0.2',
    });
    expect(JSON.parse(other.text).reply.code).toBeUndefined();

    // Once edits finish, the client may send again.
    engine.open();
    await server.core.queue.onIdle();
    expect((await send(server, 'rotating-0', '/edit after', photo)).body.reply.code).toBeUndefined();
  });
});

describe('a password', () => {
  it('is required to start anywhere but loopback, and the refusal names the setting', async () => {
    const dir = temporaryDataDir();
    cleanups.push(() => dir.remove());
    await expect(
      startChatServer({ engine: new TestEngine(), dataDir: dir.path, chat: { host: '0.0.0.0' } }),
    ).rejects.toThrow(
      /listen on 0\.0\.0\.0, where other machines can reach it, but it has no password\. Set RFEDIT_WEB_PASSWORD/,
    );
    await expect(
      startChatServer({ engine: new TestEngine(), dataDir: dir.path, chat: { host: '0.0.0.0', password: 'short' } }),
    ).rejects.toThrow('RFEDIT_WEB_PASSWORD is too short: use at least 8 characters.');
  });

  it('gates the chat: no identity without the password, wrong guesses are counted, the right one signs in', async () => {
    const server = await setUp({ chat: { password: 'correct horse battery' } });
    const session = await fetch(new URL('/api/session', server.url), { method: 'POST' });
    expect(session.status).toBe(401);
    expect((await session.json()).error.code).toBe('sign_in_required');
    const form = await fetch(new URL('/login', server.url));
    expect(await form.text()).toContain('<form class="identity" method="post" action="/login">');

    const wrong = await signIn(server.url, 'guess');
    expect(wrong).toMatchObject({ cookie: null, status: 401 });
    expect(wrong.text).toContain('That password is not right. Please try again.');
    const right = await signIn(server.url, 'correct horse battery');
    expect(right.status).toBe(303);
    const scrollback = await fetch(new URL('/api/scrollback', server.url), { headers: { cookie: right.cookie! } });
    expect(scrollback.status).toBe(200);

    for (let i = 0; i < 9; i++) await signIn(server.url, `guess ${i}`);
    const throttled = await signIn(server.url, 'correct horse battery');
    expect(throttled).toMatchObject({ cookie: null, status: 429 });
    expect(throttled.text).toMatch(
      /Too many wrong passwords from your connection\. Please wait 10 minutes and try again\./,
    );
  });

  it('ends every session when it changes', async () => {
    const dir = temporaryDataDir();
    cleanups.push(() => dir.remove());
    const before = await startChatServer({
      engine: new TestEngine(),
      dataDir: dir.path,
      chat: { password: 'first password' },
    });
    const { cookie } = await signIn(before.url, 'first password');
    await before.stop();
    const after = await startChatServer({
      engine: new TestEngine(),
      dataDir: dir.path,
      chat: { password: 'second password' },
    });
    cleanups.push(() => after.stop());
    expect((await fetch(new URL('/api/scrollback', after.url), { headers: { cookie: cookie! } })).status).toBe(401);
  });
});

describe('other web sites', () => {
  it('cannot post commands, open the live socket or pose as the chat under another host name', async () => {
    const server = await setUp();
    const ann = await headersOf(server, 'ann');
    const foreign = await fetch(new URL('/api/scrollback', server.url), {
      headers: { ...ann, origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).error.code).toBe('foreign_origin');

    const rebound = await new Promise<number>((resolve, reject) => {
      request(
        new URL('/api/scrollback', server.url),
        { headers: { ...ann, host: `evil.example:${server.port}` } },
        (response) => resolve(response.statusCode ?? 0),
      )
        .on('error', reject)
        .end();
    });
    expect(rebound).toBe(403);

    const socket = new WebSocket(`${server.url.replace('http', 'ws')}live`, {
      origin: 'https://evil.example',
      headers: ann,
    });
    expect((await new Promise<Error>((resolve) => socket.once('error', resolve))).message).toMatch(/400/);

    const own = await fetch(new URL('/api/scrollback', server.url), {
      headers: { ...ann, origin: server.url.slice(0, -1) },
    });
    expect(own.status).toBe(200);
  });
});

describe('live events', () => {
  it("pushes a job's cards to every open tab of its owner and to nobody else", async () => {
    const server = await setUp();
    const live = async (user: string) => {
      const socket = new WebSocket(`${server.url.replace('http', 'ws')}live`, {
        headers: await headersOf(server, user),
      });
      const messages: Array<{ type: string; card?: JobCard }> = [];
      socket.on('message', (data) => messages.push(JSON.parse(String(data))));
      cleanups.push(() => socket.close());
      return { messages, opened: new Promise((resolve) => socket.once('message', resolve)) };
    };
    const [tab1, tab2, other] = await Promise.all([live('ann'), live('ann'), live('bob')]);
    await Promise.all([tab1.opened, tab2.opened, other.opened]);

    const sent = await send(server, 'ann', '/edit greener --steps 2', await smallPhoto());
    await server.core.queue.onIdle();
    await expect.poll(() => tab1.messages.at(-1)?.card?.state).toBe('done');
    await expect.poll(() => tab2.messages.at(-1)?.card?.state).toBe('done');

    const states = tab1.messages.filter((m) => m.type === 'card').map((m) => m.card!.state);
    expect(states[0]).toBe('queued');
    expect(states).toContain('running');
    const done = tab1.messages.at(-1)!.card!;
    expect(done.jobId).toBe(sent.body.card!.jobId);
    expect(done.buttons.map((b) => b.label)).toEqual([
      'Variation',
      'Subtler',
      'Stronger',
      'Remix',
      'Sweep',
      'Info',
      'Delete',
      'Compare',
    ]);
    expect(done.reactions).toEqual(['🔁', '❌']);
    expect(done.images[0].alt).toBe(
      `Edited photo: “greener” (edit, seed ${server.core.getJob(done.jobId)!.params.seed})`,
    );
    expect(server.core.getJob(done.jobId)!.deliveredAt).not.toBeNull();
    expect(other.messages.map((m) => m.type)).toEqual(['hello']);
  });

  it('refuses a socket without an identity the server issued, whatever user it names', async () => {
    const server = await setUp();
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}live?user=ann`);
    const failure = await new Promise<Error>((resolve) => socket.once('error', resolve));
    expect(failure.message).toMatch(/401/);
  });
});

describe('headers', () => {
  it('sends a strict policy, no framing and no sniffing with every answer', async () => {
    const server = await setUp();
    const answers = [
      await fetch(server.url),
      await fetch(new URL('/app.js', server.url)),
      await fetch(new URL('/api/session', server.url), { method: 'POST' }),
      await fetch(new URL('/api/scrollback', server.url)), // 401
      await fetch(new URL('/nothing', server.url)), // 404
    ];
    for (const answer of answers) {
      expect(answer.headers.get('x-content-type-options'), answer.url).toBe('nosniff');
      expect(answer.headers.get('x-frame-options'), answer.url).toBe('DENY');
    }
    const host = new URL(server.url).host;
    expect(answers[0]!.headers.get('content-security-policy')).toBe(
      `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws://${host} wss://${host}; ` +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
    );
  });
});

describe('the page', () => {
  it('serves the page, its script and its styles', async () => {
    const server = await setUp();
    const page = await fetch(server.url);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<main id="channel"');
    expect((await fetch(new URL('/app.js', server.url))).headers.get('content-type')).toBe(
      'text/javascript; charset=utf-8',
    );
    expect((await fetch(new URL('/sketch-pad.js', server.url))).headers.get('content-type')).toBe(
      'text/javascript; charset=utf-8',
    );
    expect((await fetch(new URL('/style.css', server.url))).status).toBe(200);
    expect((await fetch(new URL('/nothing', server.url))).status).toBe(404);
  });
});
