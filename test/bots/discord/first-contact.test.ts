/**
 * What a real server does that the old fake let pass (issue 12): channels where the bot lacks permissions, private
 * threads it is not in, messages whose content Discord withholds. The harness grants exactly the README's
 * permissions; each test takes some away the way a server admin would (a deny overwrite on the bot's role).
 */
import { ChannelType, PermissionFlagsBits } from 'discord-api-types/v10';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DISCORD_PERMISSIONS } from '../../../src/bots/discord/index.ts';
import type { FakeDiscord } from '../../fakes/discord.ts';
import { Harness, customIds, isResultPost, jobIdOf } from './harness.ts';

let world: Harness | undefined;
/** A fake kept across a bot restart: the restarted harness does not own it. */
let keptFake: FakeDiscord | undefined;

afterEach(async () => {
  await world?.close();
  await keptFake?.close();
  world = undefined;
  keptFake = undefined;
});

describe('permissions checked when the command comes in', () => {
  for (const needed of DISCORD_PERMISSIONS.filter((p) => p.required)) {
    it(`without ${needed.name} in the channel, /edit is refused privately, naming it and how to grant it`, async () => {
      world = await Harness.start();
      const { discord } = world;
      discord.denyBot(discord.channel, needed.flag);
      const sent = discord.slashCommand('edit', { image: await world.photo(), prompt: 'make it snowy' });
      const text = await world.ephemeralText(sent.id);
      expect(text).toContain(`**${needed.name}**`);
      expect(text).toMatch(/Ask a server admin to give the bot's role .* in this channel \(Server Settings → Roles/);
      expect(discord.interaction(sent.id)?.response?.type).toBe(4); // answered, never deferred
      expect(world.core.queue.stats().queued + world.core.queue.stats().running).toBe(0);
      expect(discord.requests.filter((r) => r.path.startsWith('/files/'))).toEqual([]);
    });
  }

  it('in a thread, asks for Send Messages in Threads rather than Send Messages', async () => {
    world = await Harness.start();
    const { discord } = world;
    const thread = discord.addThread(discord.channel);
    discord.denyBot(discord.channel, PermissionFlagsBits.SendMessagesInThreads);
    const sent = discord.slashCommand('edit', { image: await world.photo(), prompt: 'x' }, { channel: thread });
    expect(await world.ephemeralText(sent.id)).toContain('**Send Messages in Threads**');
  });

  it('refuses the “Edit image” menu before opening the form where no result could be posted', async () => {
    world = await Harness.start();
    const { discord } = world;
    discord.denyBot(discord.channel, PermissionFlagsBits.AttachFiles);
    const menu = discord.messageCommand(
      'Edit image',
      discord.seedMessage({ content: 'cat', attachments: [await world.photo()] }),
    );
    expect(await world.ephemeralText(menu.id)).toContain('**Attach Files**');
    expect(discord.interaction(menu.id)?.modal).toBeUndefined();
  });
});

describe('fallbacks when a permission is missing', () => {
  it('without thread permissions, posts the result in the channel as a reply to the status message', async () => {
    world = await Harness.start();
    const { discord } = world;
    discord.denyBot(discord.channel, PermissionFlagsBits.CreatePublicThreads);
    const sent = discord.slashCommand('edit', { image: await world.photo(), prompt: 'no threads here' });
    const result = await world.result();
    expect(result.channel_id).toBe(discord.channel.id);
    expect(result.message_reference?.message_id).toBe(world.original(sent.id).id);
    expect(discord.requests.filter((r) => r.path.endsWith('/threads'))).toEqual([]);
    expect(discord.violations).toEqual([]);
  });

  it('without Read Message History, still starts the thread (by message id) and posts there', async () => {
    world = await Harness.start();
    const { discord } = world;
    discord.denyBot(discord.channel, PermissionFlagsBits.ReadMessageHistory);
    const sent = discord.slashCommand('edit', { image: await world.photo(), prompt: 'no history' });
    const result = await world.result();
    expect(result.channel_id).toBe(world.original(sent.id).id);
    expect(discord.violations).toEqual([]);
  });

  it('without threads and history, posts a plain message in the channel', async () => {
    world = await Harness.start();
    const { discord } = world;
    discord.denyBot(
      discord.channel,
      PermissionFlagsBits.ReadMessageHistory | PermissionFlagsBits.SendMessagesInThreads,
    );
    discord.slashCommand('edit', { image: await world.photo(), prompt: 'plain' });
    const result = await world.result();
    expect(result.channel_id).toBe(discord.channel.id);
    expect(result.message_reference).toBeUndefined();
    expect(discord.violations).toEqual([]);
  });

  it('in a private thread the bot was not added to, keeps the result in the interaction’s reply', async () => {
    world = await Harness.start();
    const { discord } = world;
    const secret = discord.addThread(discord.channel, { private: true });
    const sent = discord.slashCommand(
      'edit',
      { image: await world.photo(), prompt: 'secret garden' },
      { channel: secret },
    );
    const status = await world.statusMatching(sent.id, /secret garden.*seed/);
    expect(status.attachments[0]?.filename).toMatch(/^rfedit-/);
    expect(customIds(status).length).toBe(8);
    await vi.waitFor(() => expect(world!.core.getJob(jobIdOf(status))?.deliveredAt).not.toBeNull());
    expect(discord.requests.filter((r) => isResultPost(r) && r.status === 200)).toEqual([]);
  });

  it('in a forum post’s parent type that cannot hold threads from messages, replies in the channel', async () => {
    world = await Harness.start();
    const { discord } = world;
    const forumPost = discord.addThread(discord.addTextChannel('gallery', { type: ChannelType.GuildForum }));
    discord.slashCommand('edit', { image: await world.photo(), prompt: 'in a forum post' }, { channel: forumPost });
    const result = await world.result();
    expect(result.channel_id).toBe(forumPost.id);
    expect(discord.violations).toEqual([]);
  });
});

describe('reactions without Manage Messages', () => {
  it('leaves a refused ❌ in place (Discord refuses to remove it) and keeps working', async () => {
    world = await Harness.start();
    const { discord } = world;
    discord.slashCommand('edit', { image: await world.photo(), prompt: 'keep me' });
    const first = await world.result();
    discord.denyBot(discord.channel, PermissionFlagsBits.ManageMessages); // the result's thread inherits it
    const bob = discord.addUser('bob');
    discord.addReaction(first, '❌', bob);
    const removal = await discord.waitFor((r) => r.method === 'DELETE' && r.path.endsWith(`/${bob.id}`));
    expect(removal.status).toBe(403);
    expect(world.core.getJob(jobIdOf(first))?.deleted).toBe(false);
    discord.addReaction(first, '🔁');
    await world.result(2);
  });
});

describe('“Edit image” without the Message Content intent', () => {
  it('edits the photo of the menu’s target even though a fetch of that message returns no attachments', async () => {
    world = await Harness.start();
    const { discord } = world;
    const target = discord.seedMessage({ content: 'my dog', attachments: [await world.photo('dog.png')] });
    discord.submitModal(await world.editImageForm(target), { prompt: 'give it a hat', strength: '0.5' });
    const result = await world.result();
    expect(result.content).toContain('“give it a hat”');
    expect(discord.requests.filter((r) => r.method === 'GET' && r.path.includes(`/messages/${target.id}`))).toEqual([]);
  });

  it('after a restart while the form was open, says to use the menu again instead of “no image”', async () => {
    world = await Harness.start();
    const { discord } = world;
    const form = await world.editImageForm(
      discord.seedMessage({ content: 'my dog', attachments: [await world.photo('dog.png')] }),
    );
    await world.stopBot();
    keptFake = discord;
    world = await Harness.start({ discord, dataDir: world.dataDir });
    const submit = discord.submitModal(form, { prompt: 'give it a hat', strength: '' });
    const status = await world.statusMatching(submit.id, /use “Edit image” on it again/);
    expect(status.content).toMatch(/restarted while the form was open/);
  });
});
