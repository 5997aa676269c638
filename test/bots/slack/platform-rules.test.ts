/**
 * What real Slack does that a first day on a real workspace runs into, against the strict fake: slow file
 * processing, photos arriving as message/file_share (or twice), Slack Connect files, DMs, and conversations the
 * bot is not a member of.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDemoEngine } from '../../../src/engine/index.ts';
import { FakeSlack } from '../../fakes/slack.ts';
import { readSlackManifest } from '../../../src/bots/slack/manifest.ts';
import { imageFileIdOf, photo, sharingMessage, startHarness, textOf, waitForResult, type Harness } from './harness.ts';

let h: Harness;
afterEach(async () => h?.close());

/** A fake with the manifest's scopes where Slack takes a minute to process every upload. */
function slowSlack(): Promise<FakeSlack> {
  return FakeSlack.start({ scopes: readSlackManifest().botScopes, rules: { fileProcessingMs: 60_000 } });
}

describe('when Slack is slow to process an upload', () => {
  it('the result is still shared in the thread, and its buttons come after a bounded wait with a link to the image', async () => {
    const slack = await slowSlack();
    h = await startHarness({ slack });
    const file = slack.addFile(await photo(3), { name: 'p.png', mimetype: 'image/png' });
    const { message } = await h.events.appMention({ text: 'make it snowy', files: [file] });

    const buttons = await waitForResult(slack);
    await h.bot.idle();

    const fileId = imageFileIdOf(buttons)!;
    expect(sharingMessage(slack, fileId)?.thread_ts).toBe(message.ts);
    expect(textOf(buttons)).toContain('still processing');
    expect(textOf(buttons)).toContain(slack.file(fileId)!.permalink);
    // One look right after the upload, then one per wait (the harness waits 5, 10, 20 and 40 ms).
    expect(slack.calls('files.info').filter((c) => c.args.file === fileId)).toHaveLength(5);
    await slack.close();
  });

  it('previews Slack refuses as still processing are left out of the status message, and the edit goes on', async () => {
    const slack = await slowSlack();
    const modelDir = await mkdtemp(join(tmpdir(), 'rfedit-slack-slow-'));
    h = await startHarness({
      slack,
      engine: createDemoEngine(modelDir, { pixelBudget: 64 * 64, previewEverySteps: 1 }),
      bot: { previewIntervalMs: 1 },
    });
    const file = slack.addFile(await photo(7, 64), { name: 'p.png', mimetype: 'image/png' });
    await h.events.appMention({ text: 'make it snowy --steps 4', files: [file] });

    await waitForResult(slack);
    await h.bot.idle();

    const updates = slack.calls('chat.update');
    const refused = updates.filter((c) => (c.request.responseBody as { error?: string }).error === 'invalid_blocks');
    expect(refused.length).toBeGreaterThan(0);
    // Each refused update went out again without the image, so progress kept showing.
    for (const call of refused) {
      const retry = updates.find((c) => c.request.seq > call.request.seq && c.args.ts === call.args.ts);
      expect(JSON.stringify(retry?.args.blocks)).not.toContain('"image"');
    }
    await slack.close();
    await rm(modelDir, { recursive: true, force: true });
  }, 60_000);
});

describe('photos sent with a mention', () => {
  it('start an edit when Slack sends only the message/file_share event', async () => {
    h = await startHarness();
    const file = h.slack.addFile(await photo(3), { name: 'p.png', mimetype: 'image/png' });
    const { message } = await h.events.appMention({ text: 'make it snowy', files: [file], delivery: 'file_share' });
    expect((await waitForResult(h.slack)).thread_ts).toBe(message.ts);
  });

  it('start one edit, not two, when app_mention comes first and the file_share twin after it', async () => {
    h = await startHarness();
    const file = h.slack.addFile(await photo(3), { name: 'p.png', mimetype: 'image/png' });
    const { message } = await h.events.appMention({ text: 'make it snowy', files: [file], delivery: 'app_mention' });
    await h.events.event({
      type: 'message',
      subtype: 'file_share',
      channel_type: 'channel',
      user: message.user,
      text: message.text,
      ts: message.ts,
      channel: message.channel,
      files: [file],
      event_ts: message.ts,
    });

    await waitForResult(h.slack);
    await h.bot.idle();
    expect(h.slack.calls('files.completeUploadExternal')).toHaveLength(1);
    expect(h.slack.calls('views.open')).toHaveLength(0);
  });

  it('work with Slack Connect files, which arrive without mimetype or URLs until files.info', async () => {
    h = await startHarness();
    const file = h.slack.addFile(await photo(3), { name: 'p.png', mimetype: 'image/png' });
    await h.events.appMention({ text: 'make it snowy', files: [h.slack.slackConnectStub(file)] });

    await waitForResult(h.slack);
    expect(h.slack.calls('files.info').some((c) => c.args.file === file.id)).toBe(true);
    expect(h.slack.ephemerals).toEqual([]);
  });

  it('work in the bot’s DM without a mention, and :x: there deletes the result (im:history)', async () => {
    h = await startHarness();
    const dm = h.slack.dmWith(h.slack.user);
    const file = h.slack.addFile(await photo(3), { name: 'p.png', mimetype: 'image/png' });
    await h.events.event({
      type: 'message',
      subtype: 'file_share',
      channel_type: 'im',
      user: h.slack.user.id,
      text: 'make it snowy',
      ts: '1.000001',
      channel: dm.id,
      files: [file],
      event_ts: '1.000001',
    });

    const result = await waitForResult(h.slack);
    await h.bot.idle();
    expect(result.channel).toBe(dm.id);
    await h.events.reactionAdded({ reaction: 'x', message: sharingMessage(h.slack, imageFileIdOf(result)!, dm.id)! });
    await h.slack.waitForCall('chat.delete', (c) => c.args.ts === result.ts);
  });
});

describe('conversations the bot is not a member of', () => {
  it('/edit in a private channel: the user is told privately (response_url) to invite the bot', async () => {
    h = await startHarness();
    const secret = h.slack.addChannel('secret', { isPrivate: true, members: [h.slack.user] });
    const file = h.slack.addFile(await photo(3), { name: 'p.png', mimetype: 'image/png' });
    await h.events.slashCommand({ text: 'make it snowy', channel: secret });
    await h.slack.waitForCall('views.open');
    await h.events.viewSubmission({
      view: h.slack.views[0]!,
      values: {
        image: { file: { type: 'file_input', files: [file] } },
        prompt: { prompt: { type: 'plain_text_input', value: 'make it snowy' } },
      },
    });

    await h.slack.requests.waitFor((r) => r.path.startsWith('/response/'));
    expect(h.slack.ephemerals).toMatchObject([
      { channel: secret.id, user: h.slack.user.id, text: expect.stringContaining('/invite @rfedit') },
    ]);
    expect(h.slack.calls('files.completeUploadExternal')).toHaveLength(0);
  });

  it('/edit in a public channel the bot has not joined: it posts there (chat:write.public) and joins to share the result', async () => {
    h = await startHarness();
    const lobby = h.slack.addChannel('lobby', { members: [h.slack.user] });
    const file = h.slack.addFile(await photo(3), { name: 'p.png', mimetype: 'image/png' });
    await h.events.slashCommand({ text: 'make it snowy', channel: lobby });
    await h.slack.waitForCall('views.open');
    await h.events.viewSubmission({
      view: h.slack.views[0]!,
      values: {
        image: { file: { type: 'file_input', files: [file] } },
        prompt: { prompt: { type: 'plain_text_input', value: 'make it snowy' } },
      },
    });

    const buttons = await waitForResult(h.slack);
    await h.bot.idle();
    expect(buttons.channel).toBe(lobby.id);
    expect(h.slack.calls('conversations.join').map((c) => c.args.channel)).toEqual([lobby.id]);
    expect(sharingMessage(h.slack, imageFileIdOf(buttons)!, lobby.id)?.thread_ts).toBe(buttons.thread_ts);
  });

  it('a shortcut where the bot has not joined still gets its private answer through the response_url', async () => {
    h = await startHarness();
    const lobby = h.slack.addChannel('lobby', { members: [h.slack.user] });
    const message = h.slack.seedMessage({ text: 'no photo here', channel: lobby });
    await h.events.messageShortcut({ callbackId: 'rfedit_edit_image', message });

    await h.slack.requests.waitFor((r) => r.path.startsWith('/response/'));
    expect(
      h.slack.calls('chat.postEphemeral').map((c) => (c.request.responseBody as { error?: string }).error),
    ).toEqual(['not_in_channel']);
    expect(h.slack.ephemerals).toMatchObject([
      { channel: lobby.id, user: h.slack.user.id, text: expect.stringContaining('no image') },
    ]);
  });
});
