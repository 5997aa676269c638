/**
 * Damaged and hostile files sent as photos, through Discord and the web chat. Each one gets a clear answer
 * (a refusal before any work, or a failed job that says why), nothing reaches the engine's output, and a
 * normal edit afterwards still works.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Harness } from '../bots/discord/harness.ts';
import { startHarness, waitForResult, type Harness as SlackHarness } from '../bots/slack/harness.ts';
import { DecodingEngine } from './fixtures/decoding-engine.ts';
import { printFigures, refuse, settle, tally } from './fixtures/figures.ts';
import {
  decompressionBombPng,
  hostileImages,
  noisyPng,
  pngWithHtmlInside,
  type HostileImage,
} from './fixtures/hostile-images.ts';
import { sendToChat } from './fixtures/web-client.ts';
import { headersOf } from '../bots/web/fixtures/web-session.ts';
import { bodyText, discordSaid, discordStillEdits, occurrences, webChatForBlock, webStillEdits } from './shared.ts';

/** What each hostile file must be answered with: the code, and words the user reads. */
const EXPECTED: Record<string, { code: string; says: string }> = {
  'cut.png': { code: 'image_unreadable', says: 'could not read that file as an image' },
  'garbage.png': { code: 'image_type', says: 'not an image I can read' },
  'bomb.png': { code: 'image_too_many_pixels', says: 'MP); the limit is' },
  'page.png': { code: 'image_type', says: 'not an image I can read' },
  'empty.png': { code: 'image_empty', says: '“empty.png” is empty (0 bytes)' },
  'IMG_0001.heic': {
    code: 'image_type',
    says: 'iPhone HEIC photos: share them as JPEG, or set Settings › Camera › Formats to “Most Compatible”',
  },
  'scan.tif': {
    code: 'image_type',
    says: '“scan.tif” is a TIFF image, which I cannot read. Please send a PNG, JPEG, WebP or GIF.',
  },
};

/** Slack's downloader checks the bytes itself, so its words differ for files that are not images at all. */
const SLACK_EXPECTED: Record<string, { code: string; says: string }> = {
  ...EXPECTED,
  'garbage.png': { code: 'image_type', says: 'not an image I can read' },
  'page.png': { code: 'slack_file_login_page', says: 'sign-in page instead of your photo' },
};

let images: HostileImage[];
const discordRow = tally('corrupt and hostile images', 'Discord /edit');
const webRow = tally('corrupt and hostile images', 'web chat');

beforeAll(async () => {
  images = await hostileImages();
});
afterAll(() => printFigures('hostile images'));

describe('through Discord', () => {
  let world: Harness;
  beforeAll(async () => {
    world = await Harness.start({ engine: new DecodingEngine() });
  });
  afterAll(() => world.close());

  it('answers every hostile file with a clear message, stores no result, and still edits afterwards', async () => {
    const nth = occurrences();
    for (const image of images) {
      const attachment = world.discord.attachment({
        filename: image.filename,
        contentType: 'image/png',
        data: image.bytes,
      });
      world.discord.slashCommand('edit', { image: attachment, prompt: 'make it snowy' });
      discordRow.sent++;
      const expected = EXPECTED[image.filename]!;
      await discordSaid(world.discord, expected.says, nth(expected.says));
      refuse(discordRow, expected.code);
    }
    await world.core.queue.onIdle();
    const jobs = world.core.queue.stats();
    expect(jobs.queued + jobs.running).toBe(0);
    await discordStillEdits(world, 1);
    expect(world.discord.violations).toEqual([]);
    expect(settle(discordRow)).toBe(0);
  });

  // A bomb's header is over sharp's own 268-megapixel guard: validation reads the header without that guard, so
  // the user reads the size and the limit rather than "damaged".
  it('refuses a decompression bomb by naming its size and the pixel limit', async () => {
    const bomb = world.discord.attachment({
      filename: 'bomb.png',
      contentType: 'image/png',
      data: decompressionBombPng(),
    });
    const sent = world.discord.slashCommand('edit', { image: bomb, prompt: 'x' });
    // Known only after the download, so after the public defer: the status message says it.
    expect((await world.statusMatching(sent.id, /60000×60000/)).components).toEqual([]);
  });
});

describe('through a Slack mention', () => {
  const row = tally('corrupt and hostile images', 'Slack mention');
  let h: SlackHarness;
  beforeAll(async () => {
    h = await startHarness({ engine: new DecodingEngine() });
  });
  afterAll(() => h.close());

  it('answers every hostile file with a clear message and still edits afterwards', async () => {
    const nth = occurrences();
    for (const image of images) {
      const file = h.slack.addFile(image.bytes, { name: image.filename, mimetype: 'image/png' });
      await h.events.appMention({ text: 'make it snowy', files: [file] });
      row.sent++;
      const expected = SLACK_EXPECTED[image.filename]!;
      await h.slack.requests.waitFor((r) => bodyText(r).includes(expected.says), { nth: nth(expected.says) });
      refuse(row, expected.code);
    }
    await h.core.queue.onIdle();
    await h.events.appMention({
      text: 'still working',
      files: [h.slack.addFile(await noisyPng(32), { name: 'ok.png', mimetype: 'image/png' })],
    });
    await waitForResult(h.slack);
    expect(settle(row)).toBe(0);
  });
});

describe('through the web chat', () => {
  const web = webChatForBlock(() => new DecodingEngine());
  afterEach(() => web.chat.core.queue.onIdle());

  it('answers every hostile file with a clear message and stores no result', async () => {
    const { chat } = web;
    for (const image of images) {
      const answer = await sendToChat(chat, 'mallory', '/edit make it snowy', image.bytes, image.filename);
      webRow.sent++;
      expect(answer.status).toBe(200);
      const expected = EXPECTED[image.filename]!;
      const jobId = answer.reply?.jobId;
      if (answer.reply?.code) {
        // Refused before anything was queued.
        expect(answer.reply).toMatchObject({ code: expected.code, ephemeral: true });
        expect(answer.reply.text).toContain(expected.says);
      } else {
        // Accepted on its header; the engine's full decode then fails the job with a message.
        await chat.core.queue.onIdle();
        const job = chat.core.getJob(jobId!)!;
        expect(job.status).toBe('failed');
        expect(job.error).toMatchObject({ code: expected.code });
        expect(job.error?.userMessage).toContain(expected.says);
        expect(job.result).toBeNull();
      }
      refuse(webRow, expected.code);
    }
    await webStillEdits(chat);
    expect(settle(webRow)).toBe(0);
  });

  it('serves a PNG that carries a web page inside as an image, never as a page', async () => {
    const { chat } = web;
    const answer = await sendToChat(chat, 'mallory', '/edit make it snowy', await pngWithHtmlInside(), 'page.html');
    webRow.sent++;
    await chat.core.queue.onIdle();
    const jobId = answer.reply!.jobId!;
    expect(chat.core.getJob(jobId)?.status).toBe('done');
    webRow.handled++;
    expect(settle(webRow)).toBe(0);
    const source = await fetch(new URL(`/api/jobs/${jobId}/source`, chat.url), {
      headers: await headersOf(chat, 'mallory'),
    });
    expect(source.headers.get('content-type')).toBe('image/png');
    expect(source.headers.get('x-content-type-options')).toBe('nosniff'); // no browser may read it as the page inside
  });
});
