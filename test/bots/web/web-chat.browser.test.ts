/**
 * The web chat in a real browser (Debian's chromium through playwright-core) against the server on
 * 127.0.0.1, running the whole bot on the generated demo model.
 */
import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDemoEngine } from '../../../src/engine/index.ts';
import type { EditEngine } from '../../../src/engine/types.ts';
import { CHROMIUM_PATH, HAS_CHROMIUM, openBrowser } from './fixtures/browser.ts';
import type { TestBrowser } from './fixtures/browser.ts';
import { startChatServer, temporaryDataDir } from './fixtures/chat-server.ts';
import type { ChatServerOptions } from './fixtures/chat-server.ts';
import { PacedEngine } from '../../jobs/fixtures/paced-engine.ts';
import { HeldEngine } from './fixtures/held-engine.ts';
import { decodedSize, meanDifference } from './fixtures/images.ts';
import {
  card,
  lastNotice,
  openChat,
  recordCards,
  screenshot,
  sendCommand,
  waitForDoneCards,
} from './fixtures/page-driver.ts';

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
  PHOTO = await sharp(FULL_PHOTO)
    .resize(PHOTO_SIZE.width, PHOTO_SIZE.height)
    .jpeg({ quality: 90 })
    .toFile(PHOTO_PATH)
    .then(() => readFileSync(PHOTO_PATH));
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
    (nodes as HTMLImageElement[]).map((img) => ({
      src: img.src,
      alt: img.alt,
      naturalWidth: img.naturalWidth,
      naturalHeight: img.naturalHeight,
      width: img.width ? Number(img.getAttribute('width')) : 0,
      height: Number(img.getAttribute('height')),
    })),
  );
  // Images are the owner's only: ask for them with the page's own (HttpOnly) identity cookie.
  const cookie = (await page.context().cookies(images[0]?.src ?? [])).map((c) => `${c.name}=${c.value}`).join('; ');
  return Promise.all(
    images.map(async (image) => {
      const bytes = new Uint8Array(await (await fetch(image.src, { headers: { cookie } })).arrayBuffer());
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
    await expect
      .poll(() => thread.locator('.card').evaluateAll((cards) => cards.map((c) => (c as HTMLElement).dataset.state)))
      .toEqual(['done', 'done', 'done', 'done']);
    expect(await thread.locator('.card .kind').allTextContents()).toEqual(['edit', 'variation', 'subtle', 'variation']);
    expect(await thread.locator('.used').allTextContents()).toEqual([
      'ada used Variation',
      'ada used Subtler',
      'ada used 🔁',
    ]);

    const images = await resultImages(page);
    expect(images).toHaveLength(4);
    for (const image of images) {
      expect(image.alt).toContain('make it snowy');
      expect(image.naturalWidth).toBeGreaterThan(0);
      expect({ width: image.naturalWidth, height: image.naturalHeight }).toEqual({
        width: image.width,
        height: image.height,
      });
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
    await expect
      .poll(() => waiting.locator('.status').textContent())
      .toMatch(/next in line \(starts in about \d+ (s|min)\)/);
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
    expect(remixJob.sourceHash).toBe(
      server.core.getJob((await card(page, 0).getAttribute('data-job-id'))!)!.sourceHash,
    );

    await remix.getByRole('button', { name: 'React with ❌' }).click();
    await expect.poll(() => page.locator('.card').count()).toBe(1);
    expect(server.core.getJob(remixJob.id)?.deleted).toBe(true);
  });

  it('works from the keyboard: Enter sends, Tab reaches the buttons, Enter presses them, Compare shows the photo beside the result', async () => {
    const { server, page } = await setUp();
    await openChat(page, server.url, 'kb');
    await sendCommand(page, '/edit snowy --steps 4', PHOTO_PATH);
    await waitForDoneCards(page, 1);

    await card(page, 0)
      .getByRole('button', { name: /Compare/ })
      .focus();
    await page.keyboard.press('Enter');
    const before = card(page, 0).locator('img.source');
    await before.waitFor();
    expect(await before.getAttribute('alt')).toContain('snowy');
    expect(
      await before.evaluate((img) =>
        (img as HTMLImageElement).decode().then(() => (img as HTMLImageElement).naturalWidth),
      ),
    ).toBe(PHOTO_SIZE.width);
    expect(
      await card(page, 0)
        .getByRole('button', { name: /Compare/ })
        .getAttribute('aria-pressed'),
    ).toBe('true');
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
          if (how === 'drop')
            document
              .querySelector('#channel')!
              .dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
          else
            document
              .querySelector('#input')!
              .dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
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

describe.skipIf(!HAS_CHROMIUM)('what a person sees', () => {
  it('an edit of a second and a half shows its progress several times and a preview, at the web chat’s own pace', async () => {
    const picture = await sharp(PHOTO).png().toBuffer();
    const engine = new PacedEngine({
      clock: { ms: 0 },
      msPerCallPerMegapixel: 0,
      sizeOf: () => PHOTO_SIZE,
      // 28 calls of about 55 ms: a job of about 1.5 s, like a demo edit.
      beforeCall: () => new Promise((resolve) => setTimeout(resolve, 55)),
      preview: picture,
      image: picture,
    });
    // The queue's default pace for Discord and Slack (2.5 s); the web chat keeps its own.
    const { server, page } = await setUp({ engine, server: { core: { queue: { progressIntervalMs: 2_500 } } } });
    await openChat(page, server.url, 'pia');
    const seenCards = await recordCards(page);
    await sendCommand(page, '/edit as a pencil sketch --steps 14', PHOTO_PATH);
    await waitForDoneCards(page, 1);

    const running = (await seenCards()).filter((seen) => seen.state === 'running');
    expect(running.filter((seen) => seen.progress).length).toBeGreaterThanOrEqual(3);
    expect(running.some((seen) => seen.preview)).toBe(true);
  });

  it('draws every icon as SVG or words, never as an emoji a machine without an emoji font shows as a box', async () => {
    const { server, page } = await setUp();
    await openChat(page, server.url, 'ivo');
    await sendCommand(page, '/edit warm light --steps 4', PHOTO_PATH);
    await waitForDoneCards(page, 1);
    await card(page, 0).getByRole('button', { name: 'React with 🔁' }).click();
    await waitForDoneCards(page, 2);
    await page.setInputFiles('#file', PHOTO_PATH); // shows the attachment row with its remove button

    const emojiShown = await page.evaluate(() => {
      const found: string[] = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement!;
        if (parent.closest('.visually-hidden, [hidden], script, style')) continue;
        if (/\p{Extended_Pictographic}/u.test(node.textContent ?? ''))
          found.push(`${parent.className || parent.tagName}: ${node.textContent}`);
      }
      // Tooltips are drawn by the system with its fonts too.
      for (const titled of document.querySelectorAll('[title]'))
        if (/\p{Extended_Pictographic}/u.test(titled.getAttribute('title')!))
          found.push(`title: ${titled.getAttribute('title')}`);
      return found;
    });
    expect(emojiShown).toEqual([]);
    // Each button says what it does in words or carries a drawn icon (reactions, the attachment's remove button).
    const unlabelled = await page
      .locator('button, label.button')
      .evaluateAll((nodes) =>
        nodes
          .filter(
            (n) => (n as HTMLElement).offsetParent !== null && !(n.textContent ?? '').trim() && !n.querySelector('svg'),
          )
          .map((n) => n.outerHTML),
      );
    expect(unlabelled).toEqual([]);
    expect(await page.locator('label.attach > span:not(.visually-hidden)').textContent()).toBe('Attach');
    expect(await page.getByLabel('Attach a photo').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Variation' }).first().locator('svg').count()).toBe(1);
  });

  it('scrolls a new result into view where it appears, inside an earlier thread too', async () => {
    const { server, page } = await setUp();
    await page.setViewportSize({ width: 1000, height: 700 });
    await openChat(page, server.url, 'sam');
    for (const [index, prompt] of ['first thread', 'second thread', 'third thread'].entries()) {
      await sendCommand(page, `/edit ${prompt} --steps 4`, PHOTO_PATH);
      await waitForDoneCards(page, index + 1);
    }
    const firstThread = page.locator('.message .thread').first();
    // The page sits at the bottom (the newest thread); Variation in the first thread is pressed without scrolling up
    // (as by a keyboard shortcut or a second tab), so its result appears far above what is on screen.
    await page.locator('#channel').evaluate((channel) => (channel.scrollTop = channel.scrollHeight));
    expect(
      await firstThread
        .locator('.card')
        .first()
        .evaluate(
          (node) =>
            node.getBoundingClientRect().bottom < document.querySelector('#channel')!.getBoundingClientRect().top,
        ),
    ).toBe(true);
    await firstThread.getByRole('button', { name: 'Variation' }).evaluate((button) => (button as HTMLElement).click());
    const result = firstThread.locator('.card').nth(1);
    await result.locator('img.result').waitFor();
    await expect
      .poll(() =>
        result.evaluate((node) => {
          const box = node.getBoundingClientRect();
          const view = document.querySelector('#channel')!.getBoundingClientRect();
          return box.top >= view.top - 1 && box.bottom <= view.bottom + 1;
        }),
      )
      .toBe(true);
  });

  it('a cancel reads in order: "Stopping your edit…" while it stops, then only "Cancelled."', async () => {
    const engine = new HeldEngine(sharedEngine);
    const { server, page } = await setUp({ engine });
    await openChat(page, server.url, 'cam');
    const seen = await recordCards(page);
    await sendCommand(page, '/edit make it golden --steps 4', PHOTO_PATH);
    await engine.reached();
    await expect.poll(() => card(page, 0).getAttribute('data-state')).toBe('running');
    // The cancel's own answer ("Stopping your edit…") must have arrived before the order is read.
    const answered = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/action');
    await card(page, 0).getByRole('button', { name: 'Cancel' }).click();
    await answered;
    await expect.poll(() => card(page, 0).getAttribute('data-state')).toBe('cancelled');

    expect(await card(page, 0).locator('.status').textContent()).toBe('Cancelled.');
    expect(await page.locator('.notice', { hasText: 'Stopping' }).count()).toBe(0);
    const order = await seen();
    const stopping = order.findIndex((node) => node.kind === 'notice' && node.status.startsWith('Stopping'));
    const cancelled = order.findIndex((node) => node.kind === 'card' && node.status === 'Cancelled.');
    expect(cancelled).toBeGreaterThan(-1);
    if (stopping !== -1) expect(stopping).toBeLessThan(cancelled);
  });

  it('says when a photo was edited at a smaller working size, with both sizes and the limit', async () => {
    const { server, page } = await setUp();
    await openChat(page, server.url, 'wes');
    await sendCommand(page, '/edit warm light --steps 4', FULL_PHOTO_PATH);
    await waitForDoneCards(page, 1);
    const [image] = await resultImages(page);
    expect(await card(page, 0).locator('.status').textContent()).toMatch(
      new RegExp(
        `^Done \\(seed \\d+\\)\\.\\nEdited at ${image.width}×${image.height}; your photo is 720×477 and this model works on at most 0\\.26 MP\\.(\\n[^\\n]*)?$`,
      ),
    );
  });

  it('a refused long prompt is echoed in at most about 80 characters', async () => {
    const { server, page } = await setUp();
    await openChat(page, server.url, 'lou');
    await sendCommand(page, `/edit ${'snow '.repeat(1_200)}`, PHOTO_PATH);
    await expect
      .poll(() => lastNotice(page).locator('.text').textContent())
      .toBe('The prompt is 5999 characters; the limit is 1000.');
    const echo = (await lastNotice(page).locator('.echo').textContent())!;
    expect(echo.length).toBeLessThan(120);
    expect(echo).toContain('…');
  });
});

describe.skipIf(!HAS_CHROMIUM)('bad input through the page', () => {
  it('answers a text file renamed .jpg, an image over the size limit and a missing photo with the same messages the commands give everywhere', async () => {
    const { server, page } = await setUp({ server: { core: { limits: { maxImageBytes: 100_000 } } } });
    await openChat(page, server.url, 'eve');
    const ctx = {
      user: { platform: 'web' as const, id: 'eve' },
      place: { platform: 'web' as const, channelId: 'direct' },
      isAdmin: false,
    };
    const textFile = Buffer.from('this is not a photo\n');
    const expected = {
      text: (await server.core.dispatch({ kind: 'edit', image: { bytes: textFile }, prompt: 'x' }, ctx)).text,
      large: (await server.core.dispatch({ kind: 'edit', image: { bytes: FULL_PHOTO }, prompt: 'x' }, ctx)).text,
      missing: (await server.core.dispatch({ kind: 'edit', image: { bytes: new Uint8Array(0) }, prompt: 'x' }, ctx))
        .text,
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
    await expect
      .poll(() => lastNotice(page).locator('.text').textContent())
      .toBe('--strength needs a number, e.g. --strength 0.5; got "high".');
    await screenshot(page, '5-bad-input');
    expect(await page.locator('.card').count()).toBe(0);
  });

  it('refuses an upload over the server limit from its declared size and says so on the page', async () => {
    const { server, page } = await setUp({ server: { chat: { maxUploadBytes: 50_000 } } });
    await openChat(page, server.url, 'big');
    await sendCommand(page, '/edit too big', FULL_PHOTO_PATH);
    await expect
      .poll(() => lastNotice(page).locator('.text').textContent())
      .toMatch(/^That upload is 254 KB; the limit here is 49 KB\./);
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
    const chat = createWebChat({ core, host: '127.0.0.1', port: first.port, dataDir: dir.path, secret: TEST_SECRET }); // the same secret: rita's cookie still counts
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

// The README's pictures, taken on the demo model at its defaults (28 steps, the full photo). Off by default so a
// test run never changes tracked files: UPDATE_SCREENSHOTS=1 npx vitest run test/bots/web/web-chat.browser.test.ts -t "README"
describe.skipIf(!HAS_CHROMIUM || !process.env.UPDATE_SCREENSHOTS)('README screenshots', () => {
  it('takes a structural edit beside its photo, then a variation of it', { timeout: 180_000 }, async () => {
    const dir = temporaryDataDir();
    cleanups.push(() => dir.remove());
    const engine = createDemoEngine(dir.path);
    cleanups.push(() => engine.close());
    const { server, page } = await setUp({ engine });
    await page.setViewportSize({ width: 1000, height: 1100 });
    await openChat(page, server.url, 'ada');
    await sendCommand(page, '/edit as a pencil sketch', FULL_PHOTO_PATH);
    await waitForDoneCards(page, 1);
    await card(page, 0)
      .getByRole('button', { name: /Compare/ })
      .click();
    await saveForReadme(page, page.locator('.message').first(), 'web-chat-edit.png');

    await card(page, 0)
      .getByRole('button', { name: /Compare/ })
      .click();
    await card(page, 0).getByRole('button', { name: 'Variation' }).click();
    await waitForDoneCards(page, 2);
    await card(page, 1)
      .getByRole('button', { name: /Compare/ })
      .click();
    await saveForReadme(page, card(page, 1), 'web-chat-variation.png');
  });
});

/** What `part` shows with a margin of the page around it, as a palette PNG (a third of the size; the README needs no more shades). */
async function saveForReadme(page: Page, part: Locator, name: string): Promise<void> {
  const box = (await part.boundingBox())!;
  const margin = 12;
  const png = await page.screenshot({
    clip: {
      x: Math.max(0, box.x - margin),
      y: Math.max(0, box.y - margin),
      width: box.width + 2 * margin,
      height: box.height + 2 * margin,
    },
  });
  await sharp(png)
    .png({ palette: true, quality: 90, effort: 10 })
    .toFile(join(process.cwd(), 'docs', name));
}

describe.skipIf(!HAS_CHROMIUM)('other web sites', () => {
  it('cannot show the chat in a frame, while the chat itself runs under its policy without a violation', async () => {
    const { server, page } = await setUp();
    const { createServer } = await import('node:http');
    // Another origin (another port) whose page frames the chat, as a clickjacking page would.
    const framer = createServer((_request, response) => {
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          `<!doctype html><title>elsewhere</title><iframe id="chat" src="${server.url}" width="800" height="600"></iframe>`,
        );
    });
    await new Promise<void>((resolve) => framer.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          framer.close(() => resolve());
          framer.closeAllConnections(); // the browser's keep-alive connection would hold close() open for a minute
        }),
    );
    const framerUrl = `http://127.0.0.1:${(framer.address() as { port: number }).port}/`;

    const chatRequests: string[] = [];
    const sockets: string[] = [];
    const console: string[] = [];
    page.on(
      'request',
      (request) => request.url().startsWith(server.url) && chatRequests.push(new URL(request.url()).pathname),
    );
    page.on('websocket', (socket) => sockets.push(socket.url()));
    page.on('console', (message) => console.push(message.text()));
    await page.goto(framerUrl);
    await page.waitForLoadState('load');
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // time for a framed page to load its script and connect

    // The browser fetched the chat's page for the frame, refused to show it, and so ran none of it.
    expect(chatRequests).toEqual(['/']);
    expect(sockets).toEqual([]);
    const frame = page.frames().find((f) => f !== page.mainFrame())!;
    expect(frame.url()).not.toBe(server.url);
    expect(console.join('\n')).toMatch(/frame-ancestors 'none'/);

    // The chat opened as itself works under the same policy: it connects, edits, and the browser reports no violation.
    const own = await newPage();
    const ownConsole: string[] = [];
    own.on('console', (message) => ownConsole.push(message.text()));
    await openChat(own, server.url, 'csp');
    await sendCommand(own, '/edit make it snowy --steps 4', PHOTO_PATH);
    await waitForDoneCards(own, 1);
    expect(ownConsole.filter((line) => /Content Security Policy/i.test(line))).toEqual([]);
  });
});

describe.skipIf(!HAS_CHROMIUM)('a chat with a password', () => {
  it('sends a new browser to sign in, refuses a wrong password, and opens the chat after the right one', async () => {
    const { server, page } = await setUp({ server: { chat: { password: 'correct horse battery' } } });
    // Also checks the sign-in form's post carries this origin (with Referrer-Policy: no-referrer it said "null").
    // A new browser: no cookie from another test's chat on 127.0.0.1 (cookies ignore the port).
    await browser.context.clearCookies();
    await page.goto(server.url);
    await page.waitForURL(/\/login$/);
    await page.locator('#password').fill('not it');
    await page.locator('#password').press('Enter');
    await expect
      .poll(() => page.locator('.notice.error .text').textContent())
      .toBe('That password is not right. Please try again.');
    await page.locator('#password').fill('correct horse battery');
    await page.locator('#password').press('Enter');
    await page.locator('#connection[data-state="online"]').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
  });
});

describe.skipIf(HAS_CHROMIUM)('browser tests', () => {
  it.skip(`need Debian's chromium at ${CHROMIUM_PATH} (sudo apt-get install -y chromium); skipped`, () => {});
});
