import { afterEach, describe, expect, it } from 'vitest';
import {
  buttonsOf,
  imageFileIdOf,
  jobIdOf,
  photo,
  photoMessage,
  sharingMessage,
  startHarness,
  textOf,
  waitForResult,
  type Harness,
} from './harness.ts';

let h: Harness;
afterEach(async () => h?.close());

describe('/edit', () => {
  it('opens a modal with a file input, prefilled from the typed prompt and strength', async () => {
    h = await startHarness();
    const delivery = await h.events.slashCommand({ text: 'make it snowy --strength 0.7' });
    expect(delivery.status).toBe(200);
    const open = await h.slack.waitForCall('views.open');
    const view = open.args.view as {
      callback_id: string;
      blocks: Array<{ block_id: string; element: Record<string, unknown> }>;
    };
    expect(open.args.trigger_id).toBe(delivery.triggerId);
    expect(view.blocks.find((b) => b.block_id === 'image')?.element.type).toBe('file_input');
    expect(view.blocks.find((b) => b.block_id === 'prompt')?.element.initial_value).toBe('make it snowy');
    expect(view.blocks.find((b) => b.block_id === 'strength')?.element.initial_value).toBe('0.7');
  });

  it('runs the submitted photo through to a threaded status and an uploaded result with buttons', async () => {
    h = await startHarness();
    await h.events.slashCommand({ text: '' });
    await h.slack.waitForCall('views.open');
    const file = h.slack.addFile(await photo(1), { name: 'cat.png', mimetype: 'image/png' });
    const submitted = await h.events.viewSubmission({
      view: h.slack.views[0],
      values: {
        image: { file: { type: 'file_input', files: [file] } },
        prompt: { prompt: { type: 'plain_text_input', value: 'make it snowy' } },
        strength: { strength: { type: 'number_input', value: '0.6' } },
      },
    });
    expect(submitted.status).toBe(200);

    const result = await waitForResult(h.slack);
    await h.bot.idle();
    const [starter, ...replies] = h.slack.thread(h.slack.channel.id, result.thread_ts!);
    expect(textOf(starter)).toContain('make it snowy');
    const status = replies.find((m) => m.ts !== result.ts)!;
    expect(textOf(status)).toMatch(/Done/);
    expect(buttonsOf(result).map((b) => b.label)).toEqual([
      'Variation',
      'Subtler',
      'Stronger',
      'Remix',
      'Compare',
      'Sweep',
      'Info',
      'Delete',
    ]);
    expect(h.slack.fileData(imageFileIdOf(result)!)).toEqual(await photo(9));
    expect(h.slack.calls('files.getUploadURLExternal')).toHaveLength(1);
    expect(h.slack.calls('files.completeUploadExternal')).toHaveLength(1);
    expect(h.core.getJob(jobIdOf(h, result))?.params.strength).toBe(0.6);
    expect(h.slack.violations).toEqual([]);
  });

  it('keeps flags other than strength after the prompt in the form, so a sketch keeps its stroke-to-image preset', async () => {
    h = await startHarness();
    await h.events.slashCommand({ text: 'a lake under mountains --preset stroke-to-image --strength 0.7' });
    const open = await h.slack.waitForCall('views.open');
    const view = open.args.view as { blocks: Array<{ block_id: string; element: Record<string, unknown> }> };
    expect(view.blocks.find((b) => b.block_id === 'prompt')?.element.initial_value).toBe(
      'a lake under mountains --preset stroke-to-image',
    );
    expect(view.blocks.find((b) => b.block_id === 'strength')?.element.initial_value).toBe('0.7');
    const file = h.slack.addFile(await photo(1), { name: 'sketch.png', mimetype: 'image/png' });
    await h.events.viewSubmission({
      view: h.slack.views[0],
      values: {
        image: { file: { type: 'file_input', files: [file] } },
        prompt: { prompt: { type: 'plain_text_input', value: 'a lake under mountains --preset stroke-to-image' } },
      },
    });
    const result = await waitForResult(h.slack);
    const [starter] = h.slack.thread(h.slack.channel.id, result.thread_ts!);
    expect(textOf(starter)).toContain('“a lake under mountains”');
    expect(h.core.getJob(jobIdOf(h, result))?.preset).toBe('stroke-to-image');
  });

  it('answers "/edit help" privately with the ways in, a sketch with the stroke-to-image preset among them, and opens no form', async () => {
    h = await startHarness();
    const delivery = await h.events.slashCommand({ text: ' help ' });
    expect(delivery.json).toMatchObject({ response_type: 'ephemeral' });
    const text = (delivery.json as { text: string }).text;
    expect(text).toMatch(/^\/edit \[prompt\]/);
    expect(text).toMatch(/Sketch → picture: .*--preset stroke-to-image/);
    expect(h.slack.calls('views.open')).toHaveLength(0);
  });

  it('tells the user when Slack refuses to open the modal', async () => {
    h = await startHarness();
    h.slack.failNext('views.open', 'expired_trigger_id');
    await h.events.slashCommand({ text: 'make it snowy' });
    await expect.poll(() => h.slack.ephemerals.at(-1)?.text).toMatch(/would not open the form/);
  });
});

describe('the "Edit this image" shortcut', () => {
  it('asks for a prompt and edits the message’s photo in its thread', async () => {
    h = await startHarness();
    const { message } = await photoMessage(h.slack);
    await h.events.messageShortcut({ callbackId: 'rfedit_edit_image', message });
    const open = await h.slack.waitForCall('views.open');
    expect((open.args.view as { callback_id: string }).callback_id).toBe('rfedit_shortcut_edit');

    await h.events.viewSubmission({
      view: h.slack.views[0],
      values: {
        prompt: { prompt: { type: 'plain_text_input', value: 'make it night --strength 0.4' } },
        strength: { strength: { type: 'number_input', value: null } },
      },
    });

    const result = await waitForResult(h.slack);
    expect(result.thread_ts).toBe(message.ts);
    const jobId = jobIdOf(h, result);
    expect(h.core.getJob(jobId)).toMatchObject({ prompt: 'make it night', strength: 0.4 });
  });

  it('looks the file up with files.info when the message carries it without URLs', async () => {
    h = await startHarness();
    const file = h.slack.addFile(await photo(1), { name: 'beach.png', mimetype: 'image/png' });
    const { url_private: _url, url_private_download: _download, ...withoutUrls } = file;
    const message = h.slack.seedMessage({ text: 'look', files: [withoutUrls as typeof file] });
    await h.events.messageShortcut({ callbackId: 'rfedit_edit_image', message });
    await h.slack.waitForCall('views.open');
    await h.events.viewSubmission({
      view: h.slack.views[0],
      values: { prompt: { prompt: { type: 'plain_text_input', value: 'make it night' } } },
    });
    await waitForResult(h.slack);
    expect(h.slack.calls('files.info').filter((c) => c.args.file === file.id)).toHaveLength(1);
  });

  it('says so when the message has no image', async () => {
    h = await startHarness();
    const message = h.slack.seedMessage({ text: 'no photo here' });
    await h.events.messageShortcut({ callbackId: 'rfedit_edit_image', message });
    await h.bot.idle();
    await expect.poll(() => h.slack.ephemerals.at(-1)?.text).toMatch(/no image/);
    expect(h.slack.calls('views.open')).toHaveLength(0);
  });
});

describe('mentions', () => {
  it('edits a photo attached to a mention, with flags, in the mention’s thread', async () => {
    h = await startHarness();
    const file = h.slack.addFile(await photo(2), { name: 'dog.jpg', mimetype: 'image/png' });
    const { message } = await h.events.appMention({ text: 'make it snowy --strength 0.7', files: [file] });

    const result = await waitForResult(h.slack);
    await h.bot.idle();
    expect(result.thread_ts).toBe(message.ts);
    // The image is shared into the thread by its upload, with the owner's mention; the buttons follow.
    const shared = sharingMessage(h.slack, imageFileIdOf(result)!)!;
    expect(shared).toMatchObject({ thread_ts: message.ts, text: expect.stringContaining(`<@${h.slack.user.id}>`) });
    expect(h.slack.fileVisibleTo(imageFileIdOf(result)!, h.slack.user)).toBe(true);
    const jobId = jobIdOf(h, result);
    expect(h.core.getJob(jobId)).toMatchObject({ prompt: 'make it snowy', strength: 0.7 });
    // Slack sent the message twice (message/file_share and app_mention): one job.
    expect(h.slack.calls('files.completeUploadExternal')).toHaveLength(1);
  });

  it('reads the prompt as typed, not as Slack escapes it', async () => {
    h = await startHarness();
    const file = h.slack.addFile(await photo(2), { name: 'dog.png', mimetype: 'image/png' });
    await h.events.appMention({ text: 'black &amp; white, 1 &lt; 2', files: [file] });
    const result = await waitForResult(h.slack);
    expect(h.core.getJob(jobIdOf(h, result))?.prompt).toBe('black & white, 1 < 2');
  });

  it('asks for a photo when the mention has none', async () => {
    h = await startHarness();
    await h.events.appMention({ text: 'make it snowy' });
    await expect.poll(() => h.slack.ephemerals.at(-1)?.text).toMatch(/Attach a photo/);
  });
});
