/** End to end on the real demo engine (a generated ONNX model): slash command to a decodable result and Compare. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoEngine } from '../../../src/engine/index.ts';
import { Harness, buttonId, jobIdOf } from './harness.ts';

let modelDir: string;
let world: Harness | undefined;

beforeAll(async () => {
  modelDir = await mkdtemp(join(tmpdir(), 'rfedit-discord-demo-'));
});

afterAll(async () => {
  await world?.close();
  await rm(modelDir, { recursive: true, force: true });
});

describe('the Discord bot on the demo engine', () => {
  it('edits an attached photo, shows previews, posts a decodable result and compares it with the photo', async () => {
    const engine = createDemoEngine(modelDir, { pixelBudget: 64 * 64, previewEverySteps: 1 });
    world = await Harness.start({ engine, queue: { progressIntervalMs: 0 } });
    const { discord } = world;
    const photo = discord.attachment({
      filename: 'photo.png',
      contentType: 'image/png',
      data: await sharp({ create: { width: 64, height: 48, channels: 3, background: '#4a7' } })
        .png()
        .toBuffer(),
    });
    // The demo edits a 64×64 photo in a few milliseconds, so the adapter may merge its progress edits away; that
    // previews reach Discord is asserted in edit-flow.test.ts with an engine the test paces. Here: the real engine
    // produced them.
    const previews: number[] = [];
    world.core.events.onEvent((event) => {
      if (event.type === 'progress' && event.preview) previews.push(event.preview.byteLength);
    });
    discord.slashCommand('edit', {
      image: photo,
      prompt: 'make it snowy',
      strength: 0.6,
      steps: { type: ApplicationCommandOptionType.Integer, value: 4 },
    });
    const result = await world.result();

    expect(previews.length).toBeGreaterThan(0);
    const image = await sharp(discord.attachmentData(result.attachments[0]!)).metadata();
    expect(image.width).toBeGreaterThan(0);
    expect(world.core.getJob(jobIdOf(result))?.status).toBe('done');

    const click = discord.clickButton(buttonId(result, 'Compare'), result);
    const compared = await discord.waitFor(
      (r) => r.method === 'PATCH' && r.path.includes(click.token) && r.files.length > 0,
    );
    expect((await sharp(compared.files[0]!.data).metadata()).width).toBeGreaterThan(image.width!);
    expect(discord.violations).toEqual([]);
  }, 120_000);
});
