/** Every refusal is a clear ephemeral message, sent before any work; nothing is queued. */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../../fakes/discord.ts';
import { Harness, buttonId } from './harness.ts';
import { gatedPixelEngine } from './pixel-engine.ts';

let world: Harness | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function refusalFor(send: (w: Harness) => Promise<{ id: string }> | { id: string }): Promise<string> {
  const sent = await send(world!);
  return world!.ephemeralText(sent.id);
}

describe('attachments', () => {
  it('refuses a file that is not an image, before deferring', async () => {
    world = await Harness.start();
    const text = world.discord.attachment({
      filename: 'notes.txt',
      contentType: 'text/plain',
      data: Buffer.from('hello'),
    });
    const sent = world.discord.slashCommand('edit', { image: text, prompt: 'x' });
    expect(await world.ephemeralText(sent.id)).toBe(
      '“notes.txt” is not an image. Please attach a PNG, JPEG, WebP or GIF photo.',
    );
    expect(world.discord.interaction(sent.id)?.response?.type).toBe(4);
    expect(world.core.queue.stats().queued + world.core.queue.stats().running).toBe(0);
  });

  it('refuses an image larger than the limit without downloading it', async () => {
    world = await Harness.start({ bot: { maxDownloadBytes: 1024 * 1024 } });
    const big = world.discord.attachment({
      filename: 'big.png',
      contentType: 'image/png',
      data: Buffer.alloc(2 * 1024 * 1024),
    });
    const text = await refusalFor((w) => w.discord.slashCommand('edit', { image: big, prompt: 'x' }));
    expect(text).toBe('That file is 2.0 MB; the limit is 1.0 MB.');
    expect(world.discord.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/files/'))).toEqual([]);
  });

  it('refuses a file whose bytes are not an image even though it claims to be one', async () => {
    world = await Harness.start();
    const fake = world.discord.attachment({
      filename: 'fake.png',
      contentType: 'image/png',
      data: Buffer.from('not really a png'),
    });
    const sent = world.discord.slashCommand('edit', { image: fake, prompt: 'x' });
    // Only the download shows it, after the public defer: the status message says so (it is not deleted, which
    // would make Discord refuse the follow-up).
    const status = await world.statusMatching(sent.id, /not an image I can read/);
    expect(status.flags! & 64).toBe(0);
    expect(status.components).toEqual([]);
    expect(world.discord.violations).toEqual([]);
  });

  it('downloads only from Discord’s CDN hosts', async () => {
    world = await Harness.start({ bot: { extraDownloadHosts: [] } });
    const text = await refusalFor(async (w) => w.discord.slashCommand('edit', { image: await w.photo(), prompt: 'x' }));
    expect(text).toMatch(/only download attachments from Discord/);
    expect(world.discord.requests.filter((r) => r.path.startsWith('/files/'))).toEqual([]);
  });
});

describe('allowed guilds, channels and roles', () => {
  it('refuses a guild that is not allowed', async () => {
    world = await Harness.start({ bot: { allowedGuilds: ['123'] } });
    expect(await refusalFor(async (w) => w.discord.slashCommand('edit', { image: await w.photo(), prompt: 'x' }))).toBe(
      'I am not enabled on this server.',
    );
  });

  it('refuses direct messages when the bot is limited to some servers', async () => {
    world = await Harness.start({ bot: { allowedGuilds: ['123'] } });
    const dm = world.discord.dmChannel();
    expect(
      await refusalFor(async (w) =>
        w.discord.slashCommand('edit', { image: await w.photo(), prompt: 'x' }, { channel: dm }),
      ),
    ).toMatch(/not in direct messages/);
  });

  it('refuses a channel that is not allowed and serves an allowed one, including its threads', async () => {
    const discord = await FakeDiscord.start();
    const botChannel = discord.addTextChannel('bot-edits');
    world = await Harness.start({ discord, bot: { allowedChannels: [botChannel.id] } });
    try {
      expect(
        await refusalFor(async (w) => w.discord.slashCommand('edit', { image: await w.photo(), prompt: 'x' })),
      ).toMatch(/not enabled in this channel/);
      world.discord.slashCommand('edit', { image: await world.photo(), prompt: 'x' }, { channel: botChannel });
      const result = await world.result();
      // The result's thread belongs to the allowed channel, so its buttons work there too.
      world.discord.clickButton(buttonId(result, 'Variation'), result);
      await world.result(2);
    } finally {
      await closeWith(discord);
    }
  });

  it('refuses a member without an allowed role and serves one with it', async () => {
    const discord = await FakeDiscord.start();
    const artists = discord.addRole('artists');
    world = await Harness.start({ discord, bot: { allowedRoles: [artists.id] } });
    try {
      expect(
        await refusalFor(async (w) => w.discord.slashCommand('edit', { image: await w.photo(), prompt: 'x' })),
      ).toMatch(/need one of the roles/);
      world.discord.slashCommand('edit', { image: await world.photo(), prompt: 'x' }, { roleIds: [artists.id] });
      await world.result();
    } finally {
      await closeWith(discord);
    }
  });
});

async function closeWith(discord: FakeDiscord): Promise<void> {
  await world?.close();
  world = undefined;
  await discord.close();
}

describe('the commands layer’s refusals', () => {
  it('are shown privately before deferring when the options alone decide them (an over-long prompt)', async () => {
    world = await Harness.start();
    const sent = world.discord.slashCommand('edit', { image: await world.photo(), prompt: 'x'.repeat(1_001) });
    expect(await world.ephemeralText(sent.id)).toMatch(/The prompt is 1001 characters; the limit is 1000/);
    expect(world.discord.interaction(sent.id)?.response?.type).toBe(4);
    expect(world.discord.requests.filter((r) => r.path.startsWith('/files/'))).toEqual([]);
  });

  it('says privately, before deferring, when the user is over their queue limit', async () => {
    const { engine, gate } = gatedPixelEngine();
    world = await Harness.start({ engine, queue: { perUserQueued: 1 } });
    world.discord.slashCommand('edit', { image: await world.photo(), prompt: 'one' });
    await gate.reached();
    // The in-process queue can tell at once, so the refusal is private and comes before any defer or download.
    const downloadsBefore = world.discord.requests.filter((r) => r.path.startsWith('/files/')).length;
    const second = world.discord.slashCommand('edit', { image: await world.photo(), prompt: 'two' });
    expect(await world.ephemeralText(second.id)).toMatch(/You already have 1 edits waiting or running/);
    expect(world.discord.interaction(second.id)?.response?.type).toBe(4);
    expect(world.discord.requests.filter((r) => r.path.startsWith('/files/'))).toHaveLength(downloadsBefore);
    expect(world.discord.violations).toEqual([]);
    gate.open();
  });
});
