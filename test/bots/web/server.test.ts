/** The web chat's HTTP and WebSocket edges, without a browser: limits, identity, privacy, live events. */
import { request } from 'node:http';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { JobCard } from '../../../src/bots/web/index.ts';
import { TestEngine } from '../../jobs/fixtures/test-engines.ts';
import { startChatServer, temporaryDataDir } from './fixtures/chat-server.ts';
import type { ChatServerOptions, RunningChat } from './fixtures/chat-server.ts';

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

const smallPhoto = () => sharp({ create: { width: 48, height: 32, channels: 3, background: '#2a7' } }).png().toBuffer();

/** POST /api/send as the page does it: a JSON line, a newline, the photo. */
async function send(server: RunningChat, user: string, text: string, photo?: Buffer) {
  const body = Buffer.concat([Buffer.from(`${JSON.stringify({ text, filename: photo ? 'p.png' : undefined })}\n`), photo ?? Buffer.alloc(0)]);
  const response = await fetch(new URL('/api/send', server.url), { method: 'POST', headers: { 'x-rfedit-user': user }, body });
  return { status: response.status, body: (await response.json()) as { reply: { text: string; code?: string }; card?: JobCard; error?: { text: string } } };
}

/**
 * A raw upload: sends the headers and `body` (if any), never ends the request, and reports the
 * server's answer, so it shows what the server said before the upload was complete.
 */
function answerToPartialUpload(server: RunningChat, headers: Record<string, string | number>, body?: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const client = request(new URL('/api/send', server.url), { method: 'POST', headers: { 'x-rfedit-user': 'ann', ...headers } }, (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    client.on('error', reject);
    if (body) client.write(body);
    else client.flushHeaders();
  });
}

describe('uploads', () => {
  it('refuses an upload whose declared size is over the limit before a byte of it is sent', async () => {
    const server = await setUp({ chat: { maxUploadBytes: 1024 * 1024 } });
    const answer = await answerToPartialUpload(server, { 'content-length': 30 * 1024 * 1024 });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toEqual({ error: { code: 'upload_too_large', text: 'That upload is 30.0 MB; the limit here is 1.0 MB. Please send a smaller photo.' } });
  });

  it('stops reading an upload without a declared size once it passes the limit', async () => {
    const server = await setUp({ chat: { maxUploadBytes: 1024 } });
    // Well past 1 KB plus the room for the text; the rest of the upload never goes.
    const answer = await answerToPartialUpload(server, { 'transfer-encoding': 'chunked' }, Buffer.alloc(200 * 1024));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text).error.text).toMatch(/^That upload is at least \d+ KB; the limit here is 1 KB\./);
  });
});

describe('identity', () => {
  it('refuses requests without a usable name and says how to pick one', async () => {
    const server = await setUp();
    const response = await fetch(new URL('/api/scrollback', server.url), { headers: { 'x-rfedit-user': 'no spaces please' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { code: 'user_name_invalid', text: 'Pick a name of 1 to 32 letters, digits, dots, dashes or underscores (top of the page).' },
    });
  });

  it('shows a job and its photo to its owner only', async () => {
    const server = await setUp();
    const photo = await smallPhoto();
    const sent = await send(server, 'ann', '/edit greener', photo);
    expect(sent.status).toBe(200);
    const jobId = sent.body.card!.jobId;
    await server.core.queue.onIdle();

    const asAnn = await fetch(new URL(`/api/jobs/${jobId}/source?user=ann`, server.url));
    expect(asAnn.status).toBe(200);
    expect(asAnn.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await asAnn.arrayBuffer())).toEqual(photo);

    const asBob = await fetch(new URL(`/api/jobs/${jobId}/result?user=bob`, server.url));
    expect(asBob.status).toBe(404);
    expect((await asBob.json()).error.text).toBe('I cannot find that edit. It may have been deleted or expired.');
    const bobsScrollback = await (await fetch(new URL('/api/scrollback', server.url), { headers: { 'x-rfedit-user': 'bob' } })).json();
    expect(bobsScrollback).toEqual({ messages: [], cards: [] });
  });
});

describe('other web sites', () => {
  it('cannot post commands, open the live socket or pose as the chat under another host name', async () => {
    const server = await setUp();
    const foreign = await fetch(new URL('/api/scrollback', server.url), { headers: { 'x-rfedit-user': 'ann', origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).error.code).toBe('foreign_origin');

    const rebound = await new Promise<number>((resolve, reject) => {
      request(new URL('/api/scrollback', server.url), { headers: { 'x-rfedit-user': 'ann', host: `evil.example:${server.port}` } }, (response) => resolve(response.statusCode ?? 0))
        .on('error', reject)
        .end();
    });
    expect(rebound).toBe(403);

    const socket = new WebSocket(`${server.url.replace('http', 'ws')}live?user=ann`, { origin: 'https://evil.example' });
    expect((await new Promise<Error>((resolve) => socket.once('error', resolve))).message).toMatch(/400/);

    const own = await fetch(new URL('/api/scrollback', server.url), { headers: { 'x-rfedit-user': 'ann', origin: server.url.slice(0, -1) } });
    expect(own.status).toBe(200);
  });
});

describe('live events', () => {
  it("pushes a job's cards to every open tab of its owner and to nobody else", async () => {
    const server = await setUp();
    const live = (user: string) => {
      const socket = new WebSocket(`${server.url.replace('http', 'ws')}live?user=${user}`);
      const messages: Array<{ type: string; card?: JobCard }> = [];
      socket.on('message', (data) => messages.push(JSON.parse(String(data))));
      cleanups.push(() => socket.close());
      return { messages, opened: new Promise((resolve) => socket.once('message', resolve)) };
    };
    const [tab1, tab2, other] = [live('ann'), live('ann'), live('bob')];
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
    expect(done.buttons.map((b) => b.label)).toEqual(['Variation', 'Subtler', 'Stronger', 'Remix', 'Info', 'Delete', 'Compare']);
    expect(done.reactions).toEqual(['🔁', '❌']);
    expect(done.images[0].alt).toBe(`Edited photo: “greener” (edit, seed ${server.core.getJob(done.jobId)!.params.seed})`);
    expect(server.core.getJob(done.jobId)!.deliveredAt).not.toBeNull();
    expect(other.messages.map((m) => m.type)).toEqual(['hello']);
  });

  it('refuses a socket without a name', async () => {
    const server = await setUp();
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}live`);
    const failure = await new Promise<Error>((resolve) => socket.once('error', resolve));
    expect(failure.message).toMatch(/400/);
  });
});

describe('the page', () => {
  it('serves the page, its script and its styles', async () => {
    const server = await setUp();
    const page = await fetch(server.url);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<main id="channel"');
    expect((await fetch(new URL('/app.js', server.url))).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(new URL('/style.css', server.url))).status).toBe(200);
    expect((await fetch(new URL('/nothing', server.url))).status).toBe(404);
  });
});
