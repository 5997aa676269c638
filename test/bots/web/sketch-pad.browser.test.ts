/**
 * The drawing pad in a real browser: a person draws a few coloured strokes with the mouse, sends the drawing with a
 * prompt, and the demo model's result looks like a smoothed, coloured version of the sketch.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDemoEngine } from '../../../src/engine/index.ts';
import type { EditEngine } from '../../../src/engine/types.ts';
import { HAS_CHROMIUM, openBrowser } from './fixtures/browser.ts';
import type { TestBrowser } from './fixtures/browser.ts';
import { startChatServer, temporaryDataDir } from './fixtures/chat-server.ts';
import { card, openChat, screenshot, waitForDoneCards } from './fixtures/page-driver.ts';
import {
  correlation,
  decodeRgb,
  fineDetailShare,
  highFrequencyEnergy,
  hueDistance,
  hueOf,
  lumaOf,
  maskOf,
  meanColour,
  sobel,
} from './fixtures/sketch-metrics.ts';

let browser: TestBrowser;
let engineDir: { path: string; remove(): void };
let engine: EditEngine;
beforeAll(async () => {
  engineDir = temporaryDataDir();
  engine = createDemoEngine(engineDir.path);
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  await engine?.close();
  engineDir?.remove();
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp() {
  const dir = temporaryDataDir();
  cleanups.push(() => dir.remove());
  const server = await startChatServer({ engine, dataDir: dir.path });
  cleanups.push(() => server.stop());
  const page = await browser.context.newPage();
  cleanups.push(() => page.close());
  const consoleLines: string[] = [];
  page.on('console', (message) => consoleLines.push(message.text()));
  return { server, page, consoleLines };
}

/** A chat page with the drawing pad open, as a person gets it by pressing Draw. */
async function openPad() {
  const { server, page, consoleLines } = await setUp();
  await openChat(page, server.url, 'frida');
  await page.getByRole('button', { name: 'Draw a sketch' }).click();
  const pad = page.getByRole('dialog', { name: 'Draw a sketch' });
  await pad.waitFor();
  return { server, page, pad, consoleLines };
}

/** The pad's swatches, as the page defines them (RGB). */
// "soft" is a word the demo model knows (it lowers contrast); "landscape painting" means nothing to it.
const PROMPT = 'a soft landscape painting';
const RED = [0xe0, 0x31, 0x31];
const BLUE = [0x19, 0x71, 0xc2];
const GREEN = [0x2f, 0x9e, 0x44];

/** Three thick lines, then a purple one the test undoes; points in the canvas's own pixels. */
const STROKES: ReadonlyArray<{ colour: string; points: ReadonlyArray<readonly [number, number]> }> = [
  {
    colour: 'Red',
    points: [
      [40, 80],
      [260, 70],
      [470, 90],
    ],
  },
  {
    colour: 'Blue',
    points: [
      [40, 190],
      [470, 210],
    ],
  },
  {
    colour: 'Green',
    points: [
      [60, 320],
      [250, 300],
      [450, 280],
    ],
  },
  {
    colour: 'Purple',
    points: [
      [256, 20],
      [256, 360],
    ],
  },
];

/** Drags the mouse through `points`, given in the canvas's own pixels (512×384), whatever size the canvas is shown at. */
async function drawStroke(page: Page, points: ReadonlyArray<readonly [number, number]>): Promise<void> {
  const canvas = page.locator('#sketch-canvas');
  const box = (await canvas.boundingBox())!;
  const size = await canvas.evaluate((node) => ({
    width: (node as HTMLCanvasElement).width,
    height: (node as HTMLCanvasElement).height,
  }));
  const at = ([x, y]: readonly [number, number]) =>
    [box.x + (x * box.width) / size.width, box.y + (y * box.height) / size.height] as const;
  const [first, ...rest] = points.map(at);
  await page.mouse.move(first[0], first[1]);
  await page.mouse.down();
  for (const [x, y] of rest) await page.mouse.move(x, y, { steps: 12 });
  await page.mouse.up();
}

async function pickColour(page: Page, name: string): Promise<void> {
  await page.getByRole('radio', { name }).check();
}

/** The canvas pixel at (x, y), in its own pixels. */
function canvasPixel(page: Page, x: number, y: number): Promise<number[]> {
  return page
    .locator('#sketch-canvas')
    .evaluate(
      (node, [px, py]) => [
        ...(node as HTMLCanvasElement).getContext('2d')!.getImageData(px, py, 1, 1).data.slice(0, 3),
      ],
      [x, y],
    );
}

describe.skipIf(!HAS_CHROMIUM)('the drawing pad', () => {
  it('sends strokes drawn with the mouse as a sketch with the stroke-to-image preset, and the result is a smoothed, coloured version of it', async () => {
    const { server, page, pad, consoleLines } = await openPad();
    const use = pad.getByRole('button', { name: 'Use drawing' });
    const undo = pad.getByRole('button', { name: 'Undo' });
    expect(await use.isDisabled()).toBe(true); // nothing drawn yet

    // A stray scribble, cleared; then three thick coloured lines; then a purple one, undone.
    await drawStroke(page, [
      [100, 100],
      [400, 300],
    ]);
    expect(await use.isDisabled()).toBe(false);
    await pad.getByRole('button', { name: 'Clear' }).click();
    expect(await use.isDisabled()).toBe(true);
    expect(await canvasPixel(page, 250, 200)).toEqual([255, 255, 255]);

    await pad.getByLabel('Brush size').fill('18');
    for (const { colour, points } of STROKES) {
      await pickColour(page, colour);
      await drawStroke(page, points);
    }
    expect(await canvasPixel(page, 256, 140)).not.toEqual([255, 255, 255]);
    await undo.click();
    expect(await canvasPixel(page, 256, 140)).toEqual([255, 255, 255]);
    expect(await canvasPixel(page, 256, 200)).toEqual(BLUE); // the strokes before it stay
    await screenshot(page, 'sketch-1-pad');

    await use.click();
    await pad.waitFor({ state: 'hidden' });
    // The drawing is attached and the message waits for its prompt, the preset already on it.
    expect(await page.locator('#attachment-name').textContent()).toMatch(/^sketch\.png \(\d+ KB\)$/);
    await page.keyboard.type(PROMPT);
    expect(await page.locator('#input').inputValue()).toBe(`/edit ${PROMPT} --preset stroke-to-image`);
    await page.locator('#input').press('Enter');
    await waitForDoneCards(page, 1);
    await screenshot(page, 'sketch-2-result');

    const jobId = (await card(page, 0).getAttribute('data-job-id'))!;
    const job = server.core.getJob(jobId)!;
    expect(job.preset).toBe('stroke-to-image');

    // The sketch as the server received it, and the result, scaled to the sketch's size.
    const cookie = (await page.context().cookies(server.url)).map((c) => `${c.name}=${c.value}`).join('; ');
    const download = async (which: 'source' | 'result') =>
      new Uint8Array(
        await (await fetch(new URL(`/api/jobs/${jobId}/${which}`, server.url), { headers: { cookie } })).arrayBuffer(),
      );
    const sketch = await decodeRgb(await download('source'));
    expect({ width: sketch.width, height: sketch.height }).toEqual({ width: 512, height: 384 });
    const result = await decodeRgb(await download('result'), sketch);

    const figures: Record<string, number> = {};
    // Each stroke keeps its colour: the result's mean colour where the stroke was has the stroke's hue and is not grey.
    for (const [name, colour] of Object.entries({ red: RED, blue: BLUE, green: GREEN })) {
      const where = maskOf(sketch, colour, 12);
      expect(where.filter(Boolean).length, `${name} stroke pixels`).toBeGreaterThan(3_000);
      const { hue, saturation } = hueOf(meanColour(result, where));
      figures[`${name} hue shift°`] = hueDistance(hue, hueOf(colour).hue);
      figures[`${name} saturation`] = saturation;
      expect(hueDistance(hue, hueOf(colour).hue), `${name} hue`).toBeLessThan(25);
      expect(saturation, `${name} saturation`).toBeGreaterThan(0.3);
    }
    // The paper stays light.
    const paper = maskOf(sketch, [255, 255, 255], 4);
    figures['paper luma'] = lumaOf(meanColour(result, paper));
    expect(figures['paper luma']).toBeGreaterThan(170);
    // Smoothed, not sharpened: no more fine detail than the sketch, and the edges where the sketch has them.
    figures['fine detail ratio'] = highFrequencyEnergy(result) / highFrequencyEnergy(sketch);
    figures['edge correlation'] = correlation(sobel(sketch), sobel(result));
    figures['fine detail share ratio'] = fineDetailShare(result) / fineDetailShare(sketch);
    console.info('sketch → result', figures);
    // Measured on the demo model: 0.43, 1.000 and 1.00 (it changes colours pixel by pixel; "soft" lowers contrast).
    expect(figures['fine detail ratio']).toBeLessThan(0.9);
    expect(figures['fine detail share ratio']).toBeLessThan(1.1); // no sharper for its contrast
    expect(figures['edge correlation']).toBeGreaterThan(0.6);
    // The pad's script, styles and images all live within the page's Content-Security-Policy.
    expect(consoleLines.filter((line) => /Content Security Policy/i.test(line))).toEqual([]);
  });

  it('draws with a pen and a finger too (pointer events), and Escape closes the pad without attaching anything', async () => {
    const { page, pad } = await openPad();
    await page.locator('#sketch-canvas').evaluate((node) => {
      const seen = new Set<string>();
      node.addEventListener('pointerdown', (event) => seen.add((event as PointerEvent).pointerType));
      (window as unknown as { pointerKinds: Set<string> }).pointerKinds = seen;
    });
    const box = (await page.locator('#sketch-canvas').boundingBox())!;
    const scale = box.width / 512;
    const at = (x: number, y: number) => ({ x: box.x + x * scale, y: box.y + y * scale });
    // Input as the browser receives it from a stylus and a touch screen (Chrome DevTools Protocol, Input domain).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
    const pen = (type: 'mouseMoved' | 'mousePressed' | 'mouseReleased', x: number, buttons: number) =>
      cdp.send('Input.dispatchMouseEvent', {
        type,
        ...at(x, 100),
        button: 'left',
        buttons,
        clickCount: 1,
        pointerType: 'pen',
        force: 0.5,
      });
    await pen('mouseMoved', 50, 0);
    await pen('mousePressed', 50, 1);
    for (let x = 60; x <= 450; x += 30) await pen('mouseMoved', x, 1);
    await pen('mouseReleased', 450, 0);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [at(50, 300)] });
    for (let x = 60; x <= 450; x += 30)
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [at(x, 300)] });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });

    expect(
      await page.evaluate(() => [...(window as unknown as { pointerKinds: Set<string> }).pointerKinds].sort()),
    ).toEqual(['pen', 'touch']);
    for (const y of [100, 300]) expect(await canvasPixel(page, 250, y), `stroke at y ${y}`).toEqual([0x1e, 0x1e, 0x1e]);
    expect(await canvasPixel(page, 250, 200)).toEqual([255, 255, 255]);

    await page.keyboard.press('Escape');
    await pad.waitFor({ state: 'hidden' });
    expect(await page.locator('#attachment').isHidden()).toBe(true);
    expect(await page.locator('#input').inputValue()).toBe('');
  });

  it('puts the preset on what was typed: words become the prompt, other flags stay, a preset typed by hand wins', async () => {
    const { server, page } = await setUp();
    await openChat(page, server.url, 'frida');
    const cases: Record<string, { text: string; caret: number }> = {
      '': { text: '/edit  --preset stroke-to-image', caret: 6 },
      'a lake': { text: '/edit a lake --preset stroke-to-image', caret: 12 },
      '/edit a cat --steps 8': { text: '/edit a cat --preset stroke-to-image --steps 8', caret: 11 },
      '/edit a cat —steps 8': { text: '/edit a cat --preset stroke-to-image —steps 8', caret: 11 },
      '/edit a cat --preset stylize': { text: '/edit a cat --preset stylize', caret: 28 },
      '/variation Ab3dE5fG7hJ9': { text: '/edit  --preset stroke-to-image', caret: 6 },
    };
    // As a string, so the test runner leaves the page's own import() alone.
    const answers = await page.evaluate(
      `import('/sketch-pad.js').then(({ sketchCommand }) => Object.fromEntries(${JSON.stringify(Object.keys(cases))}.map((text) => [text, sketchCommand(text)])))`,
    );
    expect(answers).toEqual(cases);
  });
});
