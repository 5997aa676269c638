/** The "Edit image" menu, /rfedit info and history, and command registration. */
import { ApplicationCommandOptionType, ApplicationCommandType, PermissionFlagsBits } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { DISCORD_COMMANDS, registerDiscordCommands } from '../../../src/bots/discord/index.ts';
import { FakeDiscord } from '../../fakes/discord.ts';
import { Harness, jobIdOf } from './harness.ts';

let world: Harness | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('the “Edit image” message menu', () => {
  it('opens a form for prompt and strength, and its submission edits the message’s photo', async () => {
    world = await Harness.start();
    const { discord } = world;
    const target = discord.seedMessage({ content: 'my cat', attachments: [await world.photo('cat.png')] });
    const menu = discord.messageCommand('Edit image', target);
    await discord.waitFor((r) => r.path.includes(menu.token) && r.path.endsWith('/callback'));
    const modal = discord.interaction(menu.id)?.modal as { custom_id: string; title: string };
    expect(modal.title).toBe('Edit image');

    discord.submitModal(modal.custom_id, { prompt: 'give it a hat', strength: '0.7' });
    const result = await world.result();

    expect(result.content).toContain('“give it a hat”');
    expect(result.content).toContain('strength 0.7');
  });

  it('refuses a message without an image, privately', async () => {
    world = await Harness.start();
    const target = world.discord.seedMessage({ content: 'just words' });
    const menu = world.discord.messageCommand('Edit image', target);
    expect(await world.ephemeralText(menu.id)).toMatch(/no image to edit/);
  });

  it('refuses a strength that is not a number from 0 to 1, privately', async () => {
    world = await Harness.start();
    const target = world.discord.seedMessage({ content: 'my cat', attachments: [await world.photo('cat.png')] });
    const menu = world.discord.messageCommand('Edit image', target);
    await world.discord.waitFor((r) => r.path.includes(menu.token) && r.path.endsWith('/callback'));
    const modal = world.discord.interaction(menu.id)?.modal as { custom_id: string } | undefined;
    expect(modal).toBeDefined();
    const submit = world.discord.submitModal(modal!.custom_id, { prompt: 'hat', strength: 'lots' });
    expect(await world.ephemeralText(submit.id)).toBe('Strength must be a number from 0 to 1; got “lots”.');
  });
});

describe('/rfedit', () => {
  it('history lists the user’s edits privately, and info describes one', async () => {
    world = await Harness.start();
    const { discord } = world;
    discord.slashCommand('edit', { image: await world.photo(), prompt: 'northern lights' });
    const result = await world.result();
    const jobId = jobIdOf(result);

    const history = discord.slashCommand('rfedit', {}, { subcommand: 'history' });
    expect(await world.ephemeralText(history.id)).toMatch(new RegExp(`${jobId} edit “northern lights”: done`));
    const info = discord.slashCommand('rfedit', { job: jobId }, { subcommand: 'info' });
    expect(await world.ephemeralText(info.id)).toMatch(/Seed: \d+/);
  });
});

describe('/rfedit help', () => {
  it('explains, privately, how to edit and how to send a sketch with the stroke-to-image preset', async () => {
    world = await Harness.start();
    const help = world.discord.slashCommand('rfedit', {}, { subcommand: 'help' });
    const text = await world.ephemeralText(help.id);
    expect(text).toMatch(/^\/edit: /);
    expect(text).toContain('Edit image');
    expect(text).toMatch(/Sketch → picture: .*preset: stroke-to-image/);
  });
});

describe('/rfedit admin subcommands', () => {
  it('pause and resume the queue for a member with Manage Server, and refuse everyone else privately', async () => {
    world = await Harness.start();
    const { discord } = world;
    const refused = discord.slashCommand('rfedit', {}, { subcommand: 'pause' });
    expect(await world.ephemeralText(refused.id)).toMatch(/Only admins can pause the queue/);
    expect(world.core.queue.stats().paused).toBe(false);

    const moderator = discord.addRole('moderators', String(PermissionFlagsBits.ManageGuild));
    const pause = discord.slashCommand('rfedit', {}, { subcommand: 'pause', roleIds: [moderator.id] });
    expect(await world.ephemeralText(pause.id)).toMatch(/The queue is paused/);
    expect(world.core.queue.stats().paused).toBe(true);
    const audit = discord.slashCommand('rfedit', {}, { subcommand: 'audit', roleIds: [moderator.id] });
    expect(await world.ephemeralText(audit.id)).toMatch(/discord:\S+ pause → refused \(not_admin\)/);
    const resume = discord.slashCommand('rfedit', {}, { subcommand: 'resume', roleIds: [moderator.id] });
    expect(await world.ephemeralText(resume.id)).toMatch(/running again/);
    expect(world.core.queue.stats().paused).toBe(false);
  });
});

describe('registerDiscordCommands', () => {
  let discord: FakeDiscord;
  afterEach(() => discord.close());

  it('puts /edit, the “Edit image” menu and /rfedit in a guild, or globally without one', async () => {
    discord = await FakeDiscord.start();
    await registerDiscordCommands({
      token: discord.token,
      applicationId: discord.applicationId,
      guildId: discord.guild.id,
      restApi: `${discord.origin}/api`,
    });
    await registerDiscordCommands({
      token: discord.token,
      applicationId: discord.applicationId,
      restApi: `${discord.origin}/api`,
    });

    const names = (list: Array<{ name: string }>) => list.map((c) => c.name);
    expect(names(discord.commands.byGuild.get(discord.guild.id)!)).toEqual(['edit', 'Edit image', 'rfedit']);
    expect(names(discord.commands.global)).toEqual(['edit', 'Edit image', 'rfedit']);
  });

  it('defines /edit with an image attachment first and the ranges and choices of its options', () => {
    const edit = DISCORD_COMMANDS.find((c) => c.name === 'edit') as {
      options: Array<{
        name: string;
        type: number;
        required?: boolean;
        min_value?: number;
        max_value?: number;
        choices?: unknown[];
      }>;
    };
    expect(edit.options.slice(0, 2).map((o) => [o.name, o.type, o.required])).toEqual([
      ['image', ApplicationCommandOptionType.Attachment, true],
      ['prompt', ApplicationCommandOptionType.String, true],
    ]);
    expect(edit.options.find((o) => o.name === 'strength')).toMatchObject({
      type: ApplicationCommandOptionType.Number,
      min_value: 0,
      max_value: 1,
    });
    expect(edit.options.find((o) => o.name === 'preset')?.choices?.length).toBeGreaterThan(0);
    expect(DISCORD_COMMANDS.find((c) => c.name === 'Edit image')?.type).toBe(ApplicationCommandType.Message);
  });
});
