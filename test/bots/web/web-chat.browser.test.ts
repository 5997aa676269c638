/**
 * The web chat in a real browser (Debian's chromium through playwright-core) against the server on
 * 127.0.0.1, running the whole bot on the generated demo model.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDemoEngine } from '../../../src/engine/index.ts';
import type { EditEngine } from '../../../src/engine/types.ts';
import { CHROMIUM_PATH, HAS_CHROMIUM, openBrowser } from './fixtures/browser.ts';
import type { TestBrowser } from './fixtures/browser.ts';
import { startChatServer, temporaryDataDir } from './fixtures/chat-server.ts';
import type { ChatServerOptions } from './fixtures/chat-server.ts';
import { HeldEngine } from './fixtures/held-engine.ts';
import { decodedSize, meanDifference } from './fixtures/images.ts';
import { card, lastNotice, openChat, recordCards, screenshot, sendCommand, waitForDoneCards } from './fixtures/page-driver.ts';

const FULL_PHOTO_PATH = join(process.cwd(), 'test', 'fixtures', 'stm32f3-discovery.jpg');
const FULL_PHOTO = readFileSync(FULL_PHOTO_PATH);
// Edits run on a 320-wide copy of the fixture: four times fewer pixels keep each CPU edit short.
const PHOTO_SIZE = { width: 320, height: 212 };
let PHOTO_PATH: string;
let PHOTO: Buffer;

// One browser and one demo engine for the file: launching chromium and loading the model take seconds,
// and every test still gets its own bot (data folder, port) and its own page.
let browser: TestBrowser;
let engineDir: { path: string; remove(): void };
let sharedEngine: EditEngine;
beforeAll(async () => {
  engineDir = temporaryDataDir();
  PHOTO_PATH = join(engineDir.path, 'board.jpg');
  PHOTO = await sharp(FULL_PHOTO).resize(PHOTO_SIZE.width, PHOTO_SIZE.height).jpeg({ quality: 90 }).toFile(PHOTO_PATH).then(() => readFileSync(PHOTO_PATH));
  // Frequent previews, so even a four-step edit shows one.
  sharedEngine = createDemoEngine(engineDir.path, { previewEverySteps: 2 });
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  await sharedEngine?.close();
  engineDir?.remove();
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(options: { engine?: EditEngine; server?: Partial<ChatServerOptions> } = {}) {
  const dir = temporaryDataDir();
  cleanups.push(() => dir.remove());
  const engine = options.engine ?? sharedEngine;
  const server = await startChatServer({ engine, dataDir: dir.path, ...options.server });
  cleanups.push(() => server.stop());
  const page = await newPage();
  return { dir, engine, server, page };
}

async function newPage(): Promise<Page> {
  const page = await browser.context.newPage();
  cleanups.push(() => page.close());
  return page;
}

/** Every result image on the page: what the browser decoded and what the server sends. */
async function resultImages(page: Page) {
  const images = await page.locator('.card[data-state="done"] img.result').evaluateAll((nodes) =>
    (nodes as HTMLImageElement[]).map((img) => ({ src: img.src, alt: img.alt, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight, width: img.width ? Number(img.getAttribute('width')) : 0, height: Number(img.getAttribute('height')) })),
  );
  return Promise.all(
    images.map(async (image) => {
      const bytes = new Uint8Array(await (await fetch(image.src)).arrayBuffer());
      return { ...image, bytes, decoded: await decodedSize(bytes), difference: await meanDifference(bytes, PHOTO) };
    }),
  );
}

describe.skipIf(!HAS_CHROMIUM)('the web chat page', () => {
  it('edits an uploaded photo in a thread, and Variation, Subtler and 🔁 each add a result that differs from the photo', async () => {
    const { server, page } = await setUp();
    await openChat(page, server.url, 'ada');
    const seenCards = await recordCards(page);

    // 0.55 and its subtler 0.4 fall in different controller windows even at four steps, so they give different pictures.
    await sendCommand(page, '/edit make it snowy --strength 0.55 --steps 4', PHOTO_PATH);
    await waitForDoneCards(page, 1);
    await expect.poll(() => card(page, 0).locator('.status').textContent()).toMatch(/^Done \(seed \d+\)\.$/);
    await screenshot(page, '1-edit-done');

    await card(page, 0).getByRole('button', { name: 'Variation' }).click();
    await waitForDoneCards(page, 2);
    await card(page, 0).getByRole('button', { name: 'Subtler' }).click();
    await waitForDoneCards(page, 3);
    await card(page, 0).getByRole('button', { name: 'React with 🔁' }).click();
    await waitForDoneCards(page, 4);
    await screenshot(page, '2-variation-subtle-reaction');

    // One thread under the user's message holds all four results, in order.
    const thread = page.locator('.message .thread');
    await expect.poll(() => thread.locator('.card').evaluateAll((cards) => cards.map((c) => (c as HTMLElement).dataset.state))).toEqual(['done', 'done', 'done', 'done']);
    expect(await thread.locator('.card .kind').allTextContents()).toEqual(['edit', 'variation', 'subtle', 'variation']);
    expect(await thread.locator('.used').allTextContents()).toEqual(['ada used Variation', 'ada used Subtle', 'ada used 🔁']);

    const images = await resultImages(page);
    expect(images).toHaveLength(4);
    for (const image of images) {
      expect(image.alt).toContain('make it snowy');
      expect(image.naturalWidth).toBeGreaterThan(0);
      expect({ width: image.naturalWidth, height: image.naturalHeight }).toEqual({ width: image.width, height: image.height });
      expect(image.decoded).toEqual({ width: image.width, height: image.height });
      // The demo model keeps the photo's shape (within a pixel of rounding) and changes its pixels.
      expect(Math.abs(image.width / image.height - PHOTO_SIZE.width / PHOTO_SIZE.height)).toBeLessThan(0.02);
      expect(image.difference).toBeGreaterThan(5);
    }
    const distinct = new Set(images.map((image) => Buffer.from(image.bytes).toString('base64')));
    expect(distinct.size).toBe(4);

    // While it ran, the first job's card showed live progress and an engine preview.
    const firstJob = (await card(page, 0).getAttribute('data-job-id'))!;
    const states = (await seenCards()).filter((seen) => seen.jobId === firstJob);
    expect(states.some((seen) => seen.state === 'running' && seen.progress)).toBe(true);
    expect(states.some((seen) => seen.preview)).toBe(true);
    expect(server.core.getJob(firstJob)?.deliveredAt).not.toBeNull();
  });

  it('shows a waiting edit its place in line with an ETA, and Cancel takes it out of the queue', async () => {
    const engine = new HeldEngine(sharedEngine);
    const { server, page } = await setUp({ engine });
    await openChat(page, server.url, 'grace');

    await sendCommand(page, '/edit make it golden --steps 4', PHOTO_PATH);
    await engine.reached();
    await sendCommand(page, '/edit make it blue --steps 4', PHOTO_PATH);
    const waiting = page.locator('.card').nth(1);
    await expect.poll(() => waiting.locator('.status').textContent()).toMatch(/next in line \(starts in about \d+ (s|min)\)/);
    await expect.poll(() => card(page, 0).getAttribute('data-state')).toBe('running');
    await screenshot(page, '3-queue-position');

    await waiting.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => waiting.getAttribute('data-state')).toBe('cancelled');
    expect(await waiting.locator('.status').textContent()).toBe('Cancelled.');

    engine.open();
    await waitForDoneCards(page, 1);
    expect(await page.locator('.card[data-state="done"]').count()).toBe(1);
  });

  it('opens a remix form from the Remix button and runs the new prompt on the same photo; ❌ then deletes a result', async () => {
    const { server, page } = await setUp();
    await openChat(page, server.url, 'lin');
    await sendCommand(page, '/edit warm light --steps 4', PHOTO_PATH);
    await waitForDoneCards(page, 1);

    await card(page, 0).getByRole('button', { name: 'Remix' }).click();
    const form = page.getByRole('form', { name: 'Remix' });
    await expect.poll(() => form.getByRole('textbox').inputValue()).toBe('warm light');
    await form.getByRole('textbox').fill('cold blue light');
    await form.getByRole('spinbutton').fill('0.4');
    await form.getByRole('button', { name: 'Remix' }).press('Enter');
    await waitForDoneCards(page, 2);
    const remix = card(page, 1);
    expect(await remix.locator('.kind').textContent()).toBe('remix');
    expect(await remix.locator('img.result').getAttribute('alt')).toContain('cold blue light');
    const remixJob = server.core.getJob((await remix.getAttribute('data-job-id'))!)!;
    expect(remixJob.params.strength).toBe(0.4);
    expect(remixJob.sourceHash).toBe(server.core.getJob((await card(page, 0).getAttribute('data-job-id'))!)!.sourceHash);

    await remix.getByRole('button', { name: 'React with ❌' }).click();
    await expect.poll(() => page.locator('.card').count()).toBe(1);
    expect(server.core.getJob(remixJob.id)?.deleted).toBe(true);
  });

  it('works from the keyboard: Enter sends, Tab reaches the buttons, Enter presses them, Compare shows the photo beside the result', async () => {
    const { server, page } = await setUp();
    await openChat(page, server.url, 'kb');
    await sendCommand(page, '/edit snowy --steps 4', PHOTO_PATH);
    await waitForDoneCards(page, 1);

    await card(page, 0).getByRole('button', { name: /Compare/ }).focus();
    await page.keyboard.press('Enter');
    const before = card(page, 0).locator('img.source');
    await before.waitFor();
    expect(await before.getAttribute('alt')).toContain('snowy');
    expect(await before.evaluate((img) => (img as HTMLImageElement).decode().then(() => (img as HTMLImageElement).naturalWidth))).toBe(PHOTO_SIZE.width);
    expect(await card(page, 0).getByRole('button', { name: /Compare/ }).getAttribute('aria-pressed')).toBe('true');
    await screenshot(page, '4-compare');

    await card(page, 0).getByRole('button', { name: 'Variation' }).focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await waitForDoneCards(page, 2);
  });

  it('attaches a photo dropped on the page or pasted into the message box', async () => {
    const { server, page } = await setUp();
    await openChat(page, server.url, 'dd');
    const base64 = PHOTO.toString('base64');
    const attachBy = (how: 'drop' | 'paste', name: string) =>
      page.evaluate(
        ({ how, name, base64 }) => {
          const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
          const transfer = new DataTransfer();
          transfer.items.add(new File([bytes], name, { type: 'image/jpeg' }));
          if (how === 'drop') document.querySelector('#channel')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
          else document.querySelector('#input')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
        },
        { how, name, base64 },
      );

    await attachBy('drop', 'dropped.jpg');
    await expect.poll(() => page.locator('#attachment-name').textContent()).toContain('dropped.jpg');
    await attachBy('paste', 'pasted.jpg');
    await expect.poll(() => page.locator('#attachment-name').textContent()).toContain('pasted.jpg');
    await sendCommand(page, '/edit pasted --steps 4');
    await waitForDoneCards(page, 1);
    expect(await page.locator('#attachment').isHidden()).toBe(true);
  });
});

describe.skipIf(!HAS_CHROMIUM)('bad input through the page', () => {
  it('answers a text file renamed .jpg, an image over the size limit and a missing photo with the same messages the commands give everywhere', async () => {
    const { server, page } = await setUp({ server: { core: { limits: { maxImageBytes: 100_000 } } } });
    await openChat(page, server.url, 'eve');
    const ctx = { user: { platform: 'web' as const, id: 'eve' }, place: { platform: 'web' as const, channelId: 'direct' }, isAdmin: false };
    const textFile = Buffer.from('this is not a photo\n');
    const expected = {
      text: (await server.core.dispatch({ kind: 'edit', image: { bytes: textFile }, prompt: 'x' }, ctx)).text,
      large: (await server.core.dispatch({ kind: 'edit', image: { bytes: FULL_PHOTO }, prompt: 'x' }, ctx)).text,
      missing: (await server.core.dispatch({ kind: 'edit', image: { bytes: new Uint8Array(0) }, prompt: 'x' }, ctx)).text,
    };
    expect(expected.text).toMatch(/not an image/);
    expect(expected.large).toMatch(/limit is 0\.1 MB/);

    await sendCommand(page, '/edit make it snowy', { name: 'holiday.jpg', mimeType: 'image/jpeg', buffer: textFile });
    await expect.poll(() => lastNotice(page).locator('.text').textContent()).toBe(expected.text);
    expect(await lastNotice(page).getAttribute('role')).toBe('alert');
    // A refused command keeps what was typed and attached, so it can be fixed and sent again.
    expect(await page.locator('#input').inputValue()).toBe('/edit make it snowy');

    await page.locator('#attachment-remove').click();
    await sendCommand(page, '/edit make it snowy', FULL_PHOTO_PATH);
    await expect.poll(() => lastNotice(page).locator('.text').textContent()).toBe(expected.large);

    await page.locator('#attachment-remove').click();
    await sendCommand(page, '/edit make it snowy');
    await expect.poll(() => lastNotice(page).locator('.text').textContent()).toBe(expected.missing);

    await sendCommand(page, '/edit make it snowy --strength high', PHOTO_PATH);
    await expect.poll(() => lastNotice(page).locator('.text').textContent()).toBe('--strength needs a number, e.g. --strength 0.5; got "high".');
    await screenshot(page, '5-bad-input');
    expect(await page.locator('.card').count()).toBe(0);
  });

  it('refuses an upload over the server limit from its declared size and says so on the page', async () => {
    const { server, page } = await setUp({ server: { chat: { maxUploadBytes: 50_000 } } });
    await openChat(page, server.url, 'big');
    await sendCommand(page, '/edit too big', FULL_PHOTO_PATH);
    await expect.poll(() => lastNotice(page).locator('.text').textContent()).toMatch(/^That upload is 254 KB; the limit here is 49 KB\./);
  });
});

describe.skipIf(!HAS_CHROMIUM)('after a server restart', () => {
  it('reconnects by itself and shows the result of an edit that finished while the page was disconnected', async () => {
    const dir = temporaryDataDir();
    cleanups.push(() => dir.remove());
    const held = new HeldEngine(sharedEngine);
    const first = await startChatServer({ engine: held, dataDir: dir.path });
    let firstStopped = false;
    cleanups.push(() => (firstStopped ? undefined : first.stop()));
    const page = await newPage();
    await openChat(page, first.url, 'rita');
    await sendCommand(page, '/edit make it snowy --steps 4', PHOTO_PATH);
    await held.reached();
    const jobId = (await card(page, 0).getAttribute('data-job-id'))!;

    await first.stop();
    firstStopped = true;
    await page.locator('#connection[data-state="offline"]').waitFor();

    // The next bot resumes the job and finishes it before its web chat is even listening.
    const { assembleCore } = await import('../../../src/app.ts');
    const { createWebChat } = await import('../../../src/bots/web/index.ts');
    const { TEST_SECRET } = await import('./fixtures/chat-server.ts');
    const core = assembleCore({ engine: sharedEngine, dataDir: dir.path, secret: TEST_SECRET });
    await core.start();
    await core.queue.onIdle();
    expect(core.getJob(jobId)?.status).toBe('done');
    expect(core.getJob(jobId)?.deliveredAt).toBeNull();
    const chat = createWebChat({ core, host: '127.0.0.1', port: first.port, dataDir: dir.path });
    await chat.start();
    cleanups.push(async () => {
      await chat.stop();
      await core.close();
    });

    await page.locator('#connection[data-state="online"]').waitFor({ timeout: 30_000 });
    await waitForDoneCards(page, 1);
    expect(await card(page, 0).getAttribute('data-job-id')).toBe(jobId);
    expect(await page.locator('.message .text').first().textContent()).toBe('/edit make it snowy --steps 4');
    expect(core.getJob(jobId)?.deliveredAt).not.toBeNull();
    await screenshot(page, '6-after-restart');
  });
});

describe.skipIf(HAS_CHROMIUM)('browser tests', () => {
  it.skip(`need Debian's chromium at ${CHROMIUM_PATH} (sudo apt-get install -y chromium); skipped`, () => {});
});
