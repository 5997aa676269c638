import { afterEach, describe, expect, it } from 'vitest';
import {
  buttonsOf,
  finishedEdit,
  imageFileIdOf,
  imageFileIdsOf,
  jobIdOf,
  messageWithButton,
  runningEdit,
  sharingMessage,
  startHarness,
  textOf,
  waitForResult,
  type Harness,
} from './harness.ts';
import sharp from 'sharp';

let h: Harness;
afterEach(async () => h?.close());

type Message = Parameters<Harness['events']['blockActions']>[0]['message'];

function click(harness: Harness, message: Message, label: string, user = harness.slack.user) {
  const button = buttonsOf(message).find((b) => b.label === label);
  if (!button) throw new Error(`no ${label} button in ${JSON.stringify(message.blocks)}`);
  return harness.events.blockActions({ actionId: button.actionId, message, user });
}

describe('result buttons', () => {
  it('Variation queues a new job on the same photo with a new seed, posted in the same thread', async () => {
    h = await startHarness();
    const { result, jobId } = await finishedEdit(h, 'make it snowy --strength 0.5');
    await click(h, result, 'Variation');
    const variation = await waitForResult(h.slack, 2);
    expect(variation.thread_ts).toBe(result.thread_ts);
    const child = h.core.getJob(jobIdOf(h, variation))!;
    expect(child).toMatchObject({ kind: 'variation', parentId: jobId, sourceHash: h.core.getJob(jobId)!.sourceHash });
  });

  it('Subtler and Stronger move the strength down and up', async () => {
    h = await startHarness();
    const { result } = await finishedEdit(h, 'make it snowy --strength 0.5');
    await click(h, result, 'Subtler');
    const subtle = await waitForResult(h.slack, 2);
    await click(h, result, 'Stronger');
    const strong = await waitForResult(h.slack, 3);
    const strengthOf = (m: typeof result) => h.core.getJob(jobIdOf(h, m))!.strength!;
    expect(strengthOf(subtle)).toBeLessThan(0.5);
    expect(strengthOf(strong)).toBeGreaterThan(0.5);
  });

  it('Remix opens a modal prefilled with the prompt and strength, and its submission runs a remix', async () => {
    h = await startHarness();
    const { result, jobId } = await finishedEdit(h, 'make it snowy --strength 0.5');
    const clicked = await click(h, result, 'Remix');
    const open = await h.slack.waitForCall('views.open');
    expect(open.args.trigger_id).toBe(clicked.triggerId);
    const blocks = (open.args.view as { blocks: Array<{ block_id: string; element: { initial_value?: string } }> })
      .blocks;
    expect(blocks.find((b) => b.block_id === 'prompt')?.element.initial_value).toBe('make it snowy');
    expect(blocks.find((b) => b.block_id === 'strength')?.element.initial_value).toBe('0.5');

    await h.events.viewSubmission({
      view: h.slack.views[0],
      values: {
        prompt: { prompt: { type: 'plain_text_input', value: 'make it rainy' } },
        strength: { strength: { type: 'number_input', value: '0.8' } },
      },
    });
    const remix = await waitForResult(h.slack, 2);
    expect(remix.thread_ts).toBe(result.thread_ts);
    expect(h.core.getJob(jobIdOf(h, remix))).toMatchObject({
      kind: 'remix',
      parentId: jobId,
      prompt: 'make it rainy',
      strength: 0.8,
    });
  });

  it.each([
    [
      'the Compare button',
      (_h: Harness, message: Message) => buttonsOf(message).find((b) => b.label === 'Compare')!.actionId,
    ],
    // Before compare was a core action, its button was a signed `info` id with the argument `compare`.
    [
      'a Compare button posted before compare was a core action',
      (harness: Harness, message: Message) =>
        harness.core.codec.encode({ action: 'info', jobId: jobIdOf(harness, message), arg: 'compare' }),
    ],
  ])('%s posts the photo and the result side by side in the thread', async (_name, compareId) => {
    h = await startHarness();
    const { result } = await finishedEdit(h, 'make it snowy --strength 0.5');
    await h.events.blockActions({ actionId: compareId(h, result), message: result, user: h.slack.user });
    // Shared into the thread by the upload itself, so everyone in the channel sees it.
    const upload = await h.slack.waitForCall('files.completeUploadExternal', (c) =>
      String(c.args.initial_comment).includes('Before'),
    );
    expect(upload.args).toMatchObject({ channel_id: h.slack.channel.id, thread_ts: result.thread_ts });
    const fileId = (upload.args.files as Array<{ id: string }>)[0]!.id;
    expect(sharingMessage(h.slack, fileId)?.thread_ts).toBe(result.thread_ts);
    expect(h.slack.fileVisibleTo(fileId, h.slack.user)).toBe(true);
    const metadata = await sharp(h.slack.fileData(fileId)).metadata();
    expect(metadata.width).toBeGreaterThan(metadata.height!);
  });

  it('Delete also removes comparisons of the job', async () => {
    h = await startHarness();
    const { result, jobId } = await finishedEdit(h);
    await click(h, result, 'Compare');
    const upload = await h.slack.waitForCall('files.completeUploadExternal', (c) =>
      String(c.args.initial_comment).includes('Before'),
    );
    const fileId = (upload.args.files as Array<{ id: string }>)[0]!.id;
    const comparisonTs = sharingMessage(h.slack, fileId)!.ts;
    // The result's buttons now stand for the comparison too.
    await expect.poll(() => imageFileIdsOf(h.slack.message(result.channel, result.ts))).toContain(fileId);
    await click(h, result, 'Delete');
    await h.slack.waitForCall('chat.delete', (c) => c.args.ts === comparisonTs);
    await h.slack.waitForCall('files.delete', (c) => c.args.file === fileId);
    expect(h.slack.message(h.slack.channel.id, comparisonTs)).toBeUndefined();
    expect(h.core.getJob(jobId)?.deleted).toBe(true);
  });

  it('Info answers only the clicking user', async () => {
    h = await startHarness();
    const { result } = await finishedEdit(h, 'make it snowy --strength 0.5');
    await click(h, result, 'Info');
    await expect.poll(() => h.slack.ephemerals.at(-1)?.text ?? '').toMatch(/Seed/);
    expect(h.slack.ephemerals.at(-1)?.user).toBe(h.slack.user.id);
  });

  it('Delete by the owner removes the status message, the shared result and its buttons', async () => {
    h = await startHarness();
    const { result, jobId } = await finishedEdit(h, 'make it snowy --strength 0.5');
    const jobMessages = [
      ...h.core.getJob(jobId)!.messages.map((m) => m.messageId),
      sharingMessage(h.slack, imageFileIdOf(result)!)!.ts,
    ];
    await click(h, result, 'Delete');
    await h.slack.waitForCall('chat.delete', () => true, { nth: 3 });
    expect(jobMessages.map((ts) => h.slack.message(h.slack.channel.id, ts))).toEqual([undefined, undefined, undefined]);
    expect(h.core.getJob(jobId)?.deleted).toBe(true);
    await h.slack.waitForCall('files.delete', (c) => c.args.file === imageFileIdOf(result));
  });

  it('Delete by someone else is refused with an ephemeral message and deletes nothing', async () => {
    h = await startHarness();
    const { result, jobId } = await finishedEdit(h, 'make it snowy --strength 0.5');
    const bob = h.slack.addUser('bob');
    await click(h, result, 'Delete', bob);
    await expect
      .poll(() => h.slack.ephemerals.find((e) => e.user === bob.id)?.text)
      .toMatch(/Only the person who started this edit/);
    expect(h.slack.calls('chat.delete')).toHaveLength(0);
    expect(h.core.getJob(jobId)?.deleted).toBe(false);
  });
});

describe('the Cancel button', () => {
  it('stops a running edit and the status message says so, without buttons', async () => {
    h = (await runningEdit()).harness;
    const status = messageWithButton(h.slack, 'Cancel')!;
    await click(h, status, 'Cancel');
    await expect.poll(() => textOf(h.slack.message(status.channel, status.ts))).toMatch(/Cancelled/);
    await h.bot.idle();
    expect(buttonsOf(h.slack.message(status.channel, status.ts))).toEqual([]);
    expect(h.slack.ephemerals.at(-1)?.text).toMatch(/Stopping your edit/);
  });
});

describe('after a restart', () => {
  it('buttons posted before the restart still work', async () => {
    h = await startHarness();
    const { result, jobId } = await finishedEdit(h, 'make it snowy --strength 0.5');
    await h.restart();
    await click(h, result, 'Variation');
    const variation = await waitForResult(h.slack, 2);
    expect(h.core.getJob(jobIdOf(h, variation))?.parentId).toBe(jobId);
  });
});
