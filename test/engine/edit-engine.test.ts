/**
 * End to end on the built-in demo model and a real photograph: the production code path (sharp, ONNX
 * sessions, tokenizers, samplers, caches) with a model whose behaviour is known in closed form.
 */
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { CancelledError, UserInputError } from '../../src/errors.ts';
import { createDemoEngine } from '../../src/engine/index.ts';
import type { EditProgress } from '../../src/engine/types.ts';
import { meanRgb, photo, psnr, rawRgb, tempDir } from './helpers.ts';

const dataDir = tempDir();
// 160×112 keeps the suite quick on two cores; 28 steps as in the paper.
const engine = createDemoEngine(dataDir, { pixelBudget: 160 * 106, previewEverySteps: 7 });
afterAll(() => engine.close());

describe('an edit of a real photo on the demo model', () => {
  it("returns an image of the working size at the source's aspect ratio that differs from the source", async () => {
    const result = await engine.edit({ image: photo(), prompt: 'vivid red', overrides: { seed: 1 } });
    const out = await rawRgb(result.image);
    expect(result.mime).toBe('image/png');
    expect([out.width, out.height]).toEqual([result.width, result.height]);
    expect(result.width / result.height).toBeCloseTo(720 / 477, 1);
    // Worked on a smaller copy: the result says from what, so the chat can tell the user.
    expect(result.scaledFrom).toEqual({ width: 720, height: 477, pixelBudget: 160 * 106 });
    const source = await rawRgb(
      await sharp(photo()).resize(result.width, result.height, { fit: 'fill' }).png().toBuffer(),
    );
    expect(psnr(out.data, source.data)).toBeLessThan(20);
  });

  it('moves the colours toward the prompt', async () => {
    const red = await rawRgb((await engine.edit({ image: photo(), prompt: 'red', overrides: { seed: 2 } })).image);
    const blue = await rawRgb((await engine.edit({ image: photo(), prompt: 'blue', overrides: { seed: 2 } })).image);
    const [rr, , rb] = meanRgb(red.data);
    const [br, , bb] = meanRgb(blue.data);
    expect(rr - rb).toBeGreaterThan(br - bb + 40);
  });

  it('gives the photo back at strength 0 (PSNR ≥ 35 dB)', async () => {
    const result = await engine.edit({ image: photo(), prompt: 'purple night', strength: 0 });
    const out = await rawRgb(result.image);
    const source = await rawRgb(
      await sharp(photo()).resize(result.width, result.height, { fit: 'fill', kernel: 'lanczos3' }).png().toBuffer(),
    );
    expect(psnr(out.data, source.data)).toBeGreaterThanOrEqual(35);
  });
});

describe('the inversion cache', () => {
  const image = Buffer.concat([photo()]); // same content, different buffer

  it('makes a second edit of the same photo run N transformer calls instead of 2N', async () => {
    const cacheDir = tempDir();
    const fresh = createDemoEngine(cacheDir, { pixelBudget: 96 * 64 });
    const first = await fresh.edit({ image, prompt: 'green', overrides: { steps: 12, seed: 3 } });
    const second = await fresh.edit({ image, prompt: 'orange dusk', strength: 0.8, overrides: { steps: 12, seed: 4 } });
    await fresh.close();
    expect(first.transformerCalls).toEqual({ invert: 12, edit: 12 });
    expect(first.inversionCached).toBe(false);
    expect(second.transformerCalls).toEqual({ invert: 0, edit: 12 });
    expect(second.inversionCached).toBe(true);
  });

  it('survives a restart through the disk cache', async () => {
    const cacheDir = tempDir();
    const before = createDemoEngine(cacheDir, { pixelBudget: 96 * 64 });
    await before.edit({ image, prompt: 'teal', overrides: { steps: 10, seed: 5 } });
    await before.close();
    const after = createDemoEngine(cacheDir, { pixelBudget: 96 * 64 });
    const again = await after.edit({ image, prompt: 'teal', overrides: { steps: 10, seed: 5 } });
    await after.close();
    expect(again.transformerCalls.invert).toBe(0);
  });

  it('inverts again when γ changes', async () => {
    const cacheDir = tempDir();
    const e = createDemoEngine(cacheDir, { pixelBudget: 96 * 64 });
    await e.edit({ image, prompt: 'teal', overrides: { steps: 8 } });
    const changed = await e.edit({ image, prompt: 'teal', overrides: { steps: 8, gamma: 0.3 } });
    await e.close();
    expect(changed.transformerCalls.invert).toBe(8);
  });
});

describe('progress and cancellation', () => {
  it('reports every phase with a rising fraction and previews in the editing pass', async () => {
    const events: EditProgress[] = [];
    await engine.edit({ image: photo(), prompt: 'gold', overrides: { seed: 6, gamma: 0.45 } }, (p) => events.push(p));
    const fractions = events.map((e) => e.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.at(-1)).toBe(1);
    expect(new Set(events.map((e) => e.phase))).toEqual(
      new Set(['prepare', 'encode-prompt', 'encode-image', 'invert', 'edit', 'decode']),
    );
    const previews = events.filter((e) => e.preview);
    expect(previews.map((e) => e.step)).toEqual([7, 14, 21]);
    expect((await sharp(previews[0].preview!).metadata()).format).toBe('png');
  });

  it('stops at the next step when the signal aborts and says it was cancelled', async () => {
    const controller = new AbortController();
    let editSteps = 0;
    const result = engine.edit(
      { image: photo(), prompt: 'pink', overrides: { seed: 7, gamma: 0.4 }, signal: controller.signal },
      (p) => {
        if (p.phase === 'invert' && p.step === 3) controller.abort();
        if (p.phase === 'edit') editSteps++;
      },
    );
    await expect(result).rejects.toBeInstanceOf(CancelledError);
    expect(editSteps).toBe(0);
  });

  it('refuses an already aborted request before any work', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(engine.edit({ image: photo(), prompt: 'pink', signal: controller.signal })).rejects.toBeInstanceOf(
      CancelledError,
    );
  });
});

describe('inputs that cannot be edited', () => {
  it.each([
    ['an empty prompt', '   ', 'prompt_empty'],
    ['an over-long prompt', 'red '.repeat(600), 'prompt_too_long'],
  ])('%s gets a clear UserInputError', async (_, prompt, code) => {
    await expect(engine.edit({ image: photo(), prompt })).rejects.toMatchObject({
      code,
      name: `UserInputError[${code}]`,
    });
  });

  it("a long prompt within the character limit is truncated to the encoders' length and still runs", async () => {
    const result = await engine.edit({ image: photo(), prompt: 'red '.repeat(150), overrides: { steps: 4 } });
    expect(result.image.length).toBeGreaterThan(0);
  });

  it('a file that is not an image gets a UserInputError', async () => {
    await expect(engine.edit({ image: Buffer.from('not an image'), prompt: 'red' })).rejects.toBeInstanceOf(
      UserInputError,
    );
  });

  it('an output byte limit switches to JPEG or WebP', async () => {
    const result = await engine.edit({
      image: photo(),
      prompt: 'red',
      maxOutputBytes: 12_000,
      overrides: { steps: 4 },
    });
    expect(['image/jpeg', 'image/webp']).toContain(result.mime);
    expect(result.image.length).toBeLessThanOrEqual(12_000);
  });
});

describe('SDEdit', () => {
  it('runs only the re-noised part of the schedule and no inversion', async () => {
    const fractions: number[] = [];
    const result = await engine.edit(
      { image: photo(), prompt: 'blue', strength: 0.5, overrides: { method: 'sdedit', steps: 10, seed: 8 } },
      (p) => fractions.push(p.fraction),
    );
    expect(result.transformerCalls).toEqual({ invert: 0, edit: 5 });
    expect(fractions.at(-1)).toBe(1);
  });

  it('starts exactly at the requested step even where (N − k)/N·N rounds below N − k', async () => {
    const result = await engine.edit({
      image: photo(),
      prompt: 'blue',
      overrides: { method: 'sdedit', steps: 7, start: 3, seed: 8 },
    });
    expect(result.transformerCalls.edit).toBe(4);
  });
});
