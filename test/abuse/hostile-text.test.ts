/**
 * Hostile text: control characters, invisible-only and 10,000-character prompts, mass mentions, and file names shaped like paths.
 * Each gets a clear answer; the names never become paths (nothing is written outside the data folder).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Harness } from '../bots/discord/harness.ts';
import { startChatServer, type RunningChat } from '../bots/web/fixtures/chat-server.ts';
import { TestEngine } from '../jobs/fixtures/test-engines.ts';
import type { RecordedRequest } from '../fakes/discord.ts';
import { printFigures, refuse, settle, tally } from './fixtures/figures.ts';
import { noisyPng } from './fixtures/hostile-images.ts';
import { jobRows } from './fixtures/job-rows.ts';
import { sendToChat } from './fixtures/web-client.ts';
import { discordSaid, discordStillEdits, webStillEdits } from './shared.ts';

const HOSTILE_PROMPTS = [
  {
    what: '10,000 characters',
    prompt: 'snow '.repeat(2_000),
    code: 'prompt_too_long',
    says: 'The prompt is 9999 characters; the limit is 1000.',
  },
  {
    what: 'terminal escapes',
    prompt: 'make it \u001b[31mred\u001b[0m',
    code: 'prompt_invalid',
    says: 'control characters',
  },
  { what: 'a NUL byte', prompt: 'make it\u0000 snowy', code: 'prompt_invalid', says: 'control characters' },
  { what: 'a bell and a backspace', prompt: 'snow\u0007\u0008y', code: 'prompt_invalid', says: 'control characters' },
  { what: 'a C1 control (CSI)', prompt: 'make it \u009b31mred', code: 'prompt_invalid', says: 'control characters' },
  { what: 'only zero-width spaces', prompt: '\u200b\u200b\u200b', code: 'prompt_empty', says: 'describe the edit' },
  { what: 'only bidi overrides', prompt: '\u202e\u202d\u2066', code: 'prompt_empty', says: 'describe the edit' },
  { what: 'only C1 controls', prompt: '\u0085\u009b\u0090', code: 'prompt_empty', says: 'describe the edit' },
  { what: 'only blank-looking letters', prompt: '\u3164 \u2800', code: 'prompt_empty', says: 'describe the edit' },
];

const PATH_NAMES = [
  '../../etc/passwd.png',
  '..\\..\\windows\\win.ini.png',
  '/etc/shadow.png',
  'a\u0000b.png',
  'line\r\nbreak\u001b[2J.png',
  `${'x'.repeat(300)}.png`,
];

/** Every file under `root`, relative to it. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

/** The only files a bot may write: the job store and content-addressed images (and the web scrollback). */
const DATA_FILE =
  /^data\/(jobs\.sqlite(-wal|-shm|\.reserve)?|images\/[0-9a-f]{2}\/[0-9a-f]{64}|web-chat\/transcript\.jsonl)$/;

/** A folder for one test, with the data folder two levels down, so "../.." from it is still inside. */
function sandbox(): { root: string; dataDir: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'rfedit-abuse-'));
  return { root, dataDir: join(root, 'data'), remove: () => rmSync(root, { recursive: true, force: true }) };
}

const passwdHash = () => createHash('sha256').update(readFileSync('/etc/passwd')).digest('hex');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => printFigures('hostile text and names'));

describe('Discord', () => {
  const promptRow = tally('control characters, invisible-only and 10,000-character prompts', 'Discord /edit');
  const nameRow = tally('path-like and control-character file names', 'Discord /edit');

  it('refuses hostile prompts with a clear private message and queues nothing', async () => {
    const box = sandbox();
    const world = await Harness.start({ dataDir: box.dataDir });
    cleanups.push(
      () => world.close(),
      () => box.remove(),
    );
    for (const hostile of HOSTILE_PROMPTS) {
      const sent = world.discord.slashCommand('edit', { image: await world.photo(), prompt: hostile.prompt });
      promptRow.sent++;
      expect(await world.ephemeralText(sent.id), hostile.what).toContain(hostile.says);
      refuse(promptRow, hostile.code);
    }
    expect(jobRows(box.dataDir)).toEqual([]);
    await discordStillEdits(world, 1);
    expect(settle(promptRow)).toBe(0);
  });

  it('never pings @everyone or roles when it repeats a prompt', async () => {
    const world = await Harness.start();
    cleanups.push(() => world.close());
    world.discord.slashCommand('edit', { image: await world.photo(), prompt: '@everyone @here <@&123456> look' });
    await world.result();
    type Body = {
      content?: string;
      allowed_mentions?: { parse?: string[] };
      data?: { content?: string; allowed_mentions?: { parse?: string[] } };
    };
    const messages = world.discord.requests
      .filter((r: RecordedRequest) => r.status < 300)
      .map((r) => ({ r, body: (r.json ?? JSON.parse(r.fields.payload_json ?? '{}')) as Body }))
      // Message text is where mentions ping (thread names do not).
      .filter(({ body }) => (body.content ?? body.data?.content ?? '').includes('@everyone'));
    expect(messages.length).toBeGreaterThan(0);
    for (const { r, body } of messages) {
      const allowed = body.allowed_mentions ?? body.data?.allowed_mentions;
      expect(allowed, `${r.method} ${r.path}`).toBeDefined();
      expect(allowed!.parse ?? []).not.toContain('everyone');
      expect(allowed!.parse ?? []).not.toContain('roles');
    }
  });

  it('treats path-like file names as names only: every edit is stored inside the data folder', async () => {
    const box = sandbox();
    const before = passwdHash();
    const world = await Harness.start({ dataDir: box.dataDir });
    cleanups.push(
      () => world.close(),
      () => box.remove(),
    );
    for (const [i, filename] of PATH_NAMES.entries()) {
      // Discord percent-encodes names in CDN URLs; the name itself reaches the bot as typed.
      const attachment = { ...(await world.photo('safe.png', `named-${i}`)), filename };
      world.discord.slashCommand('edit', { image: attachment, prompt: `named ${i}` });
      nameRow.sent++;
      await world.result(i + 1);
      nameRow.handled++;
    }
    expect(filesUnder(box.root).filter((file) => !DATA_FILE.test(file))).toEqual([]);
    expect(passwdHash()).toBe(before);
    expect(jobRows(box.dataDir).map((j) => j.status)).toEqual(PATH_NAMES.map(() => 'done'));
    expect(settle(nameRow)).toBe(0);
  });

  it('repeats a hostile name of a non-image safely in its refusal', async () => {
    const world = await Harness.start();
    cleanups.push(() => world.close());
    const text = world.discord.attachment({
      filename: '../../x\u0000.txt',
      contentType: 'text/plain',
      data: Buffer.from('hi'),
    });
    world.discord.slashCommand('edit', { image: text, prompt: 'x' });
    nameRow.sent++;
    await discordSaid(world.discord, 'is not an image');
    refuse(nameRow, 'image_type');
    await discordStillEdits(world, 1);
    expect(settle(nameRow)).toBe(0);
  });
});

describe('web chat', () => {
  const promptRow = tally('control characters, invisible-only and 10,000-character prompts', 'web chat');
  const nameRow = tally('path-like and control-character file names', 'web chat');

  async function chatIn(box: ReturnType<typeof sandbox>): Promise<RunningChat> {
    const chat = await startChatServer({ engine: new TestEngine(), dataDir: box.dataDir });
    cleanups.push(
      () => chat.stop(),
      () => box.remove(),
    );
    return chat;
  }

  it('refuses hostile prompts with a clear message and queues nothing', async () => {
    const box = sandbox();
    const chat = await chatIn(box);
    for (const hostile of HOSTILE_PROMPTS) {
      const answer = await sendToChat(chat, 'mallory', `/edit ${hostile.prompt}`, await noisyPng(32));
      promptRow.sent++;
      expect(answer.reply, hostile.what).toMatchObject({
        code: hostile.code,
        text: expect.stringContaining(hostile.code === 'prompt_too_long' ? 'the limit is 1000' : hostile.says),
      });
      refuse(promptRow, hostile.code);
    }
    expect(jobRows(box.dataDir)).toEqual([]);
    await webStillEdits(chat);
    expect(settle(promptRow)).toBe(0);
  });

  it('treats path-like file names as names only: every edit is stored inside the data folder', async () => {
    const box = sandbox();
    const before = passwdHash();
    const chat = await chatIn(box);
    for (const [i, filename] of PATH_NAMES.entries()) {
      const answer = await sendToChat(chat, 'mallory', `/edit named ${i}`, await noisyPng(24 + i), filename);
      nameRow.sent++;
      expect(answer.reply?.jobId, answer.reply?.text).toBeDefined();
      nameRow.handled++;
    }
    await chat.core.queue.onIdle();
    expect(filesUnder(box.root).filter((file) => !DATA_FILE.test(file))).toEqual([]);
    expect(passwdHash()).toBe(before);
    expect(jobRows(box.dataDir).map((j) => j.status)).toEqual(PATH_NAMES.map(() => 'done'));
    expect(settle(nameRow)).toBe(0);
  });
});
