import { afterEach, describe, expect, it } from 'vitest';
import { mentionWithPhoto, photo, photoMessage, startHarness, waitForResult, type Harness } from './harness.ts';

let h: Harness;
afterEach(async () => h?.close());

describe('requests from Slack', () => {
  it('a request with a bad signature is rejected and not acted on', async () => {
    h = await startHarness();
    const delivery = await h.events.slashCommand({ text: 'make it snowy' }, { signature: 'v0=0000' });
    expect(delivery.status).toBe(401);
    expect(h.slack.calls('views.open')).toHaveLength(0);
  });

  it('a request with a timestamp older than five minutes is rejected', async () => {
    h = await startHarness();
    const delivery = await h.events.slashCommand(
      { text: 'make it snowy' },
      { timestampS: Math.floor(Date.now() / 1000) - 6 * 60 },
    );
    expect(delivery.status).toBe(401);
    expect(h.slack.calls('views.open')).toHaveLength(0);
  });
});

describe('the Web API', () => {
  it('a 429 with Retry-After is retried and the message still arrives', async () => {
    // web-api waits Retry-After, then its own backoff; the backoff is shortened so the test stays fast.
    h = await startHarness({ bot: { retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 10 } } });
    h.slack.rateLimitNext('chat.postMessage', { retryAfterS: 0 });
    await mentionWithPhoto(h);
    await waitForResult(h.slack);
    const posts = h.slack.calls('chat.postMessage');
    expect(posts[0].request.status).toBe(429);
    expect(posts[1].args).toEqual(posts[0].args);
  });
});

describe('downloads', () => {
  it('a file that downloads as an HTML sign-in page is refused with a clear message', async () => {
    h = await startHarness();
    const file = h.slack.addFile(await photo(5), { name: 'p.png', mimetype: 'image/png', servesLoginPage: true });
    await h.events.appMention({ text: 'make it snowy', files: [file] });
    await expect.poll(() => h.slack.ephemerals.at(-1)?.text).toMatch(/sign-in page instead of your photo.*files:read/);
    expect(h.core.queue.stats().queued).toBe(0);
  });

  it('the bot token is sent only to Slack’s file hosts', async () => {
    h = await startHarness({ bot: { fileHostsAllowed: ['https://files.slack.com'] } });
    const file = h.slack.addFile(await photo(5), { name: 'p.png', mimetype: 'image/png' });
    await h.events.appMention({ text: 'make it snowy', files: [file] });
    await expect.poll(() => h.slack.ephemerals.at(-1)?.text).toMatch(/not stored on Slack/);
    expect(h.slack.requests.filter((r) => r.path.startsWith('/files/'))).toHaveLength(0);
  });

  it('a file larger than the limit is refused before it is downloaded', async () => {
    h = await startHarness({ bot: { maxDownloadBytes: 100 } });
    const file = h.slack.addFile(await photo(5), { name: 'p.png', mimetype: 'image/png' });
    await h.events.appMention({ text: 'make it snowy', files: [file] });
    await expect.poll(() => h.slack.ephemerals.at(-1)?.text).toMatch(/limit is 0\.0 MB/);
    expect(h.slack.requests.filter((r) => r.path.startsWith('/files/'))).toHaveLength(0);
  });

  it('a download that stalls is abandoned after the time limit', async () => {
    h = await startHarness({ bot: { downloadTimeoutMs: 200 } });
    const file = h.slack.addFile(await photo(5), { name: 'p.png', mimetype: 'image/png', stall: true });
    await h.events.appMention({ text: 'make it snowy', files: [file] });
    await expect.poll(() => h.slack.ephemerals.at(-1)?.text).toMatch(/took longer than/);
  });
});

describe('allowlists', () => {
  it('a user not on the list gets an ephemeral refusal to /edit and no modal', async () => {
    h = await startHarness({ bot: { allowedUsers: ['U_SOMEONE_ELSE'] } });
    const delivery = await h.events.slashCommand({ text: 'make it snowy' });
    expect(delivery.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/not on the list/) });
    expect(h.slack.calls('views.open')).toHaveLength(0);
  });

  it('a channel not on the list gets a refusal naming the allowed channels', async () => {
    h = await startHarness({ bot: { allowedChannels: ['C_ELSEWHERE'] } });
    const { message } = await photoMessage(h.slack);
    await h.events.messageShortcut({ callbackId: 'rfedit_edit_image', message });
    await expect.poll(() => h.slack.ephemerals.at(-1)?.text).toMatch(/<#C_ELSEWHERE>/);
    expect(h.slack.calls('views.open')).toHaveLength(0);
  });

  it('a workspace not on the list is refused', async () => {
    h = await startHarness({ bot: { allowedWorkspaces: ['T_OTHER'] } });
    await mentionWithPhoto(h);
    await expect.poll(() => h.slack.ephemerals.at(-1)?.text).toMatch(/not enabled for this workspace/);
    expect(h.slack.requests.filter((r) => r.path.startsWith('/files/'))).toHaveLength(0);
  });
});
