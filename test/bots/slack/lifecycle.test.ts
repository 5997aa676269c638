import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDemoEngine } from '../../../src/engine/index.ts';
import { ModelError } from '../../../src/errors.ts';
import { TestEngine } from '../../jobs/fixtures/test-engines.ts';
import {
  buttonsOf,
  imageFileIdOf,
  sharingMessage,
  mentionWithPhoto,
  messageWithButton,
  photo,
  PngResultEngine,
  runningEdit,
  startHarness,
  textOf,
  waitForResult,
  type Harness,
} from './harness.ts';

let h: Harness;
afterEach(async () => h?.close());

describe('Socket Mode', () => {
  it('takes a mention over the WebSocket and answers in the thread', async () => {
    h = await startHarness({ mode: 'socket' });
    const file = h.slack.addFile(await photo(6), { name: 'p.png', mimetype: 'image/png' });
    const { message, status } = await h.events.appMention({ text: 'make it snowy', files: [file] });
    expect(status).toBe(200);
    const result = await waitForResult(h.slack);
    expect(result.thread_ts).toBe(message.ts);
    expect(h.slack.calls('apps.connections.open')).toHaveLength(1);
  });

  it('answers /edit with a modal, acknowledged on the socket', async () => {
    h = await startHarness({ mode: 'socket' });
    await h.events.slashCommand({ text: 'make it snowy' });
    await h.slack.waitForCall('views.open');
    expect(h.slack.violations).toEqual([]);
  });
});

describe('the status message', () => {
  it('is edited in place through a restart: the resumed job updates the same message', async () => {
    h = (await runningEdit()).harness;
    const status = messageWithButton(h.slack, 'Cancel')!;

    await h.restart(new PngResultEngine(await photo(9)));
    const result = await waitForResult(h.slack);
    await h.bot.idle();
    expect(result.thread_ts).toBe(status.thread_ts);
    const statusPosts = h.slack
      .calls('chat.postMessage')
      .filter((c) => !JSON.stringify(c.args.blocks).includes('Variation'));
    expect(statusPosts).toHaveLength(1);
    expect(textOf(h.slack.message(status.channel, status.ts))).toMatch(/Done/);
    expect(buttonsOf(h.slack.message(status.channel, status.ts))).toEqual([]);
  });
});

describe('a failed edit', () => {
  it('is announced to the owner in the thread and the status message loses its Cancel button', async () => {
    h = await startHarness({
      engine: new TestEngine({ failWith: new ModelError('model_load_failed', 'The model could not run this edit.') }),
    });
    const mention = await mentionWithPhoto(h);
    const failure = await h.slack.waitForCall('chat.postMessage', (c) => String(c.args.text).includes('could not run'));
    await h.bot.idle();
    expect(failure.args).toMatchObject({
      thread_ts: mention.ts,
      text: expect.stringContaining(`<@${h.slack.user.id}>`),
    });
    const status = h.slack.thread(h.slack.channel.id, mention.ts).find((m) => m.edited)!;
    expect(textOf(status)).toMatch(/could not run/);
    expect(buttonsOf(status)).toEqual([]);
  });
});

describe('with the real demo engine', () => {
  let modelDir: string;
  beforeAll(async () => {
    modelDir = await mkdtemp(join(tmpdir(), 'rfedit-slack-demo-'));
  });
  afterAll(async () => rm(modelDir, { recursive: true, force: true }));

  it('edits a photo end to end, with previews on the status message and a decodable result', async () => {
    const engine = createDemoEngine(modelDir, { pixelBudget: 64 * 64, previewEverySteps: 1 });
    h = await startHarness({ engine, bot: { previewIntervalMs: 1 } });
    const file = h.slack.addFile(await photo(7, 64), { name: 'p.png', mimetype: 'image/png' });
    await h.events.appMention({ text: 'make it snowy --steps 4 --strength 0.6', files: [file] });
    const result = await waitForResult(h.slack);
    await h.bot.idle();

    const previewUpdates = h.slack
      .calls('chat.update')
      .filter((c) => JSON.stringify(c.args.blocks).includes('"image"'));
    expect(previewUpdates.length).toBeGreaterThan(0);
    // Every preview file is deleted once replaced or once the job is done; only the result stays.
    const previewUploads = h.slack
      .calls('files.getUploadURLExternal')
      .filter((c) => String(c.args.filename).includes('preview'));
    expect(h.slack.calls('files.delete')).toHaveLength(previewUploads.length);
    const metadata = await sharp(h.slack.fileData(imageFileIdOf(result)!)).metadata();
    expect(metadata.width).toBeGreaterThan(0);
    expect(sharingMessage(h.slack, imageFileIdOf(result)!)?.text).toMatch(/Done \(seed \d+\)/);
  }, 60_000);
});
