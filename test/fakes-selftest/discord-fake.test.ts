/**
 * Proves the fake Discord speaks the protocol the real discord.js client expects: if these pass, an adapter test
 * that fails against the fake is failing because of the adapter.
 */
import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  ChannelType,
  Client,
  type GuildMember,
  MessageFlags,
  PermissionFlagsBits,
  Routes,
  Events,
  GatewayIntentBits,
  ModalBuilder,
  Partials,
  TextInputBuilder,
  TextInputStyle,
  type ChatInputCommandInteraction,
  type Interaction,
  type MessageReaction,
  type PartialMessageReaction,
} from 'discord.js';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fakes/discord.ts';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5b1e2a90000000049454e44ae426082', 'hex');

let discord: FakeDiscord;
let client: Client;

async function startClient(fake: FakeDiscord): Promise<Client> {
  const started = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.GuildMessageReactions, GatewayIntentBits.DirectMessages],
    partials: [Partials.Message, Partials.Channel, Partials.Reaction],
    ...fake.clientOptions,
  });
  const ready = once(started, Events.ClientReady);
  await started.login(fake.token);
  await ready;
  return started;
}

/** Reads a body but gives up after `ms`: what an adapter's download time limit does. */
async function readWithTimeout(response: Response, ms: number): Promise<Buffer> {
  const reader = response.body!.getReader();
  const chunks: Uint8Array[] = [];
  const timeout = AbortSignal.timeout(ms);
  const aborted = new Promise<never>((_, reject) => timeout.addEventListener('abort', () => reject(new Error('download timed out'))));
  for (;;) {
    const { done, value } = await Promise.race([reader.read(), aborted]);
    if (done) return Buffer.concat(chunks);
    chunks.push(value);
  }
}

/** The next interaction the client emits, whatever listener the test adds afterwards. */
function nextInteraction(): Promise<Interaction> {
  return once(client, Events.InteractionCreate).then(([interaction]) => interaction as Interaction);
}

beforeEach(async () => {
  discord = await FakeDiscord.start();
  client = await startClient(discord);
});

afterEach(async () => {
  await client.destroy();
  await discord.close();
});

describe('the fake Discord with the real discord.js client', () => {
  it('logs in and sees the guild with its channel and roles', async () => {
    const guild = client.guilds.cache.get(discord.guild.id);
    expect(client.user?.id).toBe(discord.botUser.id);
    expect(guild?.channels.cache.get(discord.channel.id)?.type).toBe(ChannelType.GuildText);
    expect(guild?.roles.everyone.id).toBe(discord.guild.id);
    expect(guild?.members.me?.id).toBe(discord.botUser.id);
  });

  it('delivers a slash command with its attachment option and resolved attachment', async () => {
    const image = discord.attachment({ filename: 'cat.png', contentType: 'image/png', data: PNG, width: 1, height: 1 });
    const received = nextInteraction();
    discord.slashCommand('edit', { image, prompt: 'make it snowy', strength: 0.7 });
    const interaction = (await received) as ChatInputCommandInteraction;

    expect(interaction.isChatInputCommand()).toBe(true);
    expect(interaction.commandName).toBe('edit');
    expect(interaction.options.getString('prompt')).toBe('make it snowy');
    expect(interaction.options.getNumber('strength')).toBe(0.7);
    const attachment = interaction.options.getAttachment('image', true);
    expect(attachment.contentType).toBe('image/png');
    expect(Buffer.from(await (await fetch(attachment.url)).arrayBuffer())).toEqual(PNG);
    expect(interaction.member?.user.id).toBe(discord.user.id);
    expect(interaction.channelId).toBe(discord.channel.id);
  });

  it('records deferReply as callback type 5 and editReply with a file as a multipart webhook edit', async () => {
    const received = nextInteraction();
    const sent = discord.slashCommand('edit', { prompt: 'x' });
    const interaction = (await received) as ChatInputCommandInteraction;

    await interaction.deferReply();
    const edited = await interaction.editReply({ content: 'done', files: [new AttachmentBuilder(PNG, { name: 'result.png' })] });

    const callback = await discord.waitFor((r) => r.path.endsWith('/callback'));
    expect(callback.status).toBe(204);
    expect(callback.json).toEqual({ type: 5, data: { flags: 0 } });
    const patch = await discord.waitFor((r) => r.method === 'PATCH' && r.path.endsWith('/messages/@original'));
    expect(patch.files[0]?.data).toEqual(PNG);
    const stored = discord.message(edited.id);
    expect(stored?.content).toBe('done');
    expect(discord.attachmentData(stored!.attachments[0]!)).toEqual(PNG);
    expect(stored?.attachments[0]?.content_type).toBe('image/png');
    expect(discord.interaction(sent.id)?.response?.type).toBe(5);
    expect(discord.violations).toEqual([]);
  });

  it('answers a callback asked with_response with the interaction and its message', async () => {
    const received = nextInteraction();
    discord.slashCommand('edit', {});
    const interaction = (await received) as ChatInputCommandInteraction;
    const response = await interaction.deferReply({ withResponse: true });
    expect(response.interaction.id).toBe(interaction.id);
    expect(response.resource?.message?.id).toBe(discord.interaction(interaction.id)?.originalMessageId);
  });

  it('delivers a click on a button of a message the bot posted', async () => {
    const channel = client.channels.cache.get(discord.channel.id);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId('v1:vary:42').setLabel('Variation').setStyle(ButtonStyle.Primary));
    const posted = await channel.send({ content: 'result', components: [row] });

    const received = nextInteraction();
    discord.clickButton('v1:vary:42', posted.id);
    const click = await received;
    if (!click.isButton()) throw new Error('expected a button interaction');
    expect(click.customId).toBe('v1:vary:42');
    expect(click.message.id).toBe(posted.id);
    await click.update({ content: 'working on it', components: [] });
    expect(discord.message(posted.id)?.content).toBe('working on it');
  });

  it('opens a modal from a button and delivers its submission', async () => {
    const posted = discord.seedMessage({ author: discord.botUser, content: 'result' });
    const clicked = nextInteraction();
    const click = discord.clickButton('remix', posted);
    const button = await clicked;
    if (!button.isButton()) throw new Error('expected a button');
    const input = new TextInputBuilder().setCustomId('prompt').setLabel('Prompt').setStyle(TextInputStyle.Short).setValue('a cat');
    await button.showModal(new ModalBuilder().setCustomId('remix-modal').setTitle('Remix').addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(input)));
    expect(discord.interaction(click.id)?.response?.type).toBe(9);

    const submitted = nextInteraction();
    discord.submitModal('remix-modal', { prompt: 'a dog' }, { message: posted });
    const modal = await submitted;
    if (!modal.isModalSubmit()) throw new Error('expected a modal submit');
    expect(modal.fields.getTextInputValue('prompt')).toBe('a dog');
    expect(modal.message?.id).toBe(posted.id);
  });

  it('delivers a modal built with labels, with a text field and an uploaded file', async () => {
    const mask = discord.attachment({ filename: 'mask.png', contentType: 'image/png', data: PNG });
    const submitted = nextInteraction();
    discord.submitModal('edit-form', { prompt: 'snow', mask: [mask] });
    const modal = await submitted;
    if (!modal.isModalSubmit()) throw new Error('expected a modal submit');
    expect(modal.fields.getTextInputValue('prompt')).toBe('snow');
    expect(modal.fields.getUploadedFiles('mask')?.first()?.url).toBe(mask.url);
  });

  it('delivers a message context-menu command with the target message resolved', async () => {
    const photo = discord.attachment({ filename: 'p.png', contentType: 'image/png', data: PNG });
    const target = discord.seedMessage({ content: 'look', attachments: [photo] });
    const received = nextInteraction();
    discord.messageCommand('Edit image', target);
    const interaction = await received;
    if (!interaction.isMessageContextMenuCommand()) throw new Error('expected a message command');
    expect(interaction.targetMessage.attachments.first()?.url).toBe(photo.url);
  });

  it('delivers a reaction on a message the client never cached, which it can then fetch', async () => {
    const old = discord.seedMessage({ author: discord.botUser, content: 'old result' });
    const reacted = once(client, Events.MessageReactionAdd);
    discord.addReaction(old, '🔁');
    const [reaction] = (await reacted) as [MessageReaction | PartialMessageReaction];
    expect(reaction.partial).toBe(true);
    const fetched = await reaction.fetch();
    expect(fetched.count).toBe(1);
    expect(fetched.message.content).toBe('old result');
    expect((await fetched.users.fetch()).has(discord.user.id)).toBe(true);
    expect(reaction.emoji.name).toBe('🔁');
  });

  it('resumes after a dropped gateway and replays what was sent meanwhile', async () => {
    const resumed = once(client, Events.ShardResume);
    discord.dropGateway('abrupt');
    const received = nextInteraction();
    discord.slashCommand('edit', { prompt: 'while away' });
    await resumed;
    const interaction = (await received) as ChatInputCommandInteraction;
    expect(interaction.options.getString('prompt')).toBe('while away');
    expect(discord.gateway.received.filter((f) => f.op === 6)).toHaveLength(1);
  });

  it('identifies again when the session was invalidated', async () => {
    discord.dropGateway('invalidate');
    await discord.gateway.received.waitFor((f) => f.op === 2, { nth: 2 });
    const received = nextInteraction();
    discord.slashCommand('edit', { prompt: 'after reconnect' });
    expect(((await received) as ChatInputCommandInteraction).options.getString('prompt')).toBe('after reconnect');
  });

  it('retries a REST call answered with 429 and Retry-After', async () => {
    discord.rateLimitNext((r) => r.method === 'POST' && r.path.endsWith(`/channels/${discord.channel.id}/messages`));
    const channel = client.channels.cache.get(discord.channel.id);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    const sent = await channel.send('hello');
    const posts = discord.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
    expect(posts.map((r) => r.status)).toEqual([429, 200]);
    expect(discord.message(sent.id)?.content).toBe('hello');
  });

  it('starts a thread on a message and posts into it', async () => {
    const channel = client.channels.cache.get(discord.channel.id);
    if (channel?.type !== ChannelType.GuildText) throw new Error('expected a text channel');
    const status = await channel.send('status');
    const thread = await status.startThread({ name: 'edit 42' });
    await thread.send({ content: 'result', files: [new AttachmentBuilder(PNG, { name: 'r.png' })] });
    expect(thread.id).toBe(status.id);
    expect(discord.messagesIn(thread.id)[0]?.attachments).toHaveLength(1);
  });

  it('stores an ephemeral reply and a follow-up message', async () => {
    const received = nextInteraction();
    discord.slashCommand('edit', {});
    const interaction = (await received) as ChatInputCommandInteraction;
    await interaction.reply({ content: 'That is not an image.', flags: MessageFlags.Ephemeral });
    const follow = await interaction.followUp({ content: 'Try a PNG.' });

    const original = discord.message(discord.interaction(interaction.id)!.originalMessageId!);
    expect(original?.content).toBe('That is not an image.');
    expect((original?.flags ?? 0) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(discord.message(follow.id)?.content).toBe('Try a PNG.');
  });

  it('delivers a subcommand and a command in a DM, where threads are refused', async () => {
    const dm = discord.dmChannel();
    const received = nextInteraction();
    discord.slashCommand('rfedit', {}, { subcommand: 'history', channel: dm });
    const interaction = (await received) as ChatInputCommandInteraction;
    expect(interaction.options.getSubcommand()).toBe('history');
    expect(interaction.channel?.type).toBe(ChannelType.DM);
    expect(interaction.user.id).toBe(discord.user.id);

    await interaction.reply('history');
    const status = await interaction.fetchReply();
    await expect(client.rest.post(`/channels/${dm.id}/messages/${status.id}/threads`, { body: { name: 't' } })).rejects.toThrow(/channel type/);
  });

  it('applies reactions, edits and deletes the bot makes on channel messages', async () => {
    const channel = client.channels.cache.get(discord.channel.id);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    const sent = await channel.send('status');
    await sent.react('✅');
    await sent.edit('status, edited');
    expect(discord.message(sent.id)?.reactions?.[0]).toMatchObject({ emoji: { name: '✅' }, count: 1, me: true });
    expect(discord.message(sent.id)?.content).toBe('status, edited');
    await sent.delete();
    expect(discord.message(sent.id)).toBeUndefined();
  });

  it('gives members the permissions of their roles and the bot its own', async () => {
    const editor = discord.addRole('editor', String(PermissionFlagsBits.ManageMessages));
    const received = nextInteraction();
    discord.slashCommand('edit', {}, { roleIds: [editor.id] });
    const interaction = (await received) as ChatInputCommandInteraction;
    expect(interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages)).toBe(true);
    expect(interaction.memberPermissions?.has(PermissionFlagsBits.Administrator)).toBe(false);
    expect(interaction.appPermissions.has(PermissionFlagsBits.Administrator)).toBe(true);
    expect((interaction.member as GuildMember).roles.cache.has(editor.id)).toBe(true);
  });

  it('serves an attachment that stalls mid-body, for download time limits', async () => {
    const slow = discord.attachment({ filename: 'slow.png', contentType: 'image/png', data: Buffer.alloc(1000), stall: true });
    const response = await fetch(slow.url);
    expect(response.headers.get('content-length')).toBe('1000');
    await expect(readWithTimeout(response, 100)).rejects.toThrow(/aborted|timed out/i);
  });

  it('acknowledges heartbeats so the connection stays up', async () => {
    await client.destroy();
    await discord.close();
    discord = await FakeDiscord.start({ heartbeatIntervalMs: 20 });
    client = await startClient(discord);
    await discord.gateway.received.waitFor((f) => f.op === 1, { nth: 3 });
    expect(new Set(discord.gateway.received.entries.map((f) => f.connection))).toEqual(new Set([1]));
  });

  it('still knows a thread after the client restarts, so a button in it can be clicked', async () => {
    const channel = client.channels.cache.get(discord.channel.id);
    if (channel?.type !== ChannelType.GuildText) throw new Error('expected a text channel');
    const thread = await (await channel.send('status')).startThread({ name: 'edit 7' });
    const result = await thread.send('result');
    await client.destroy();
    client = await startClient(discord);

    const received = nextInteraction();
    discord.clickButton('vary', result.id);
    const click = await received;
    expect(click.channel?.isThread()).toBe(true);
    expect(click.channelId).toBe(thread.id);
  });

  it('registers guild commands with a bulk PUT', async () => {
    await client.application?.commands.set([{ name: 'edit', description: 'Edit a photo' }], discord.guild.id);
    expect(discord.commands.byGuild.get(discord.guild.id)?.map((c) => c.name)).toEqual(['edit']);
  });
});

describe('the Discord rules the fake enforces', () => {
  async function restartWithHandDrivenClock(): Promise<{ advance(ms: number): void }> {
    let nowMs = 1_800_000_000_000;
    await client.destroy();
    await discord.close();
    discord = await FakeDiscord.start({ now: () => nowMs });
    client = await startClient(discord);
    return { advance: (ms) => void (nowMs += ms) };
  }

  async function receiveSlashCommand(actor: Parameters<FakeDiscord['slashCommand']>[2] = {}): Promise<ChatInputCommandInteraction> {
    const received = nextInteraction();
    discord.slashCommand('edit', {}, actor);
    return (await received) as ChatInputCommandInteraction;
  }

  it('refuses an initial response after 3 s and records the violation', async () => {
    const clock = await restartWithHandDrivenClock();
    const interaction = await receiveSlashCommand();
    clock.advance(3_001);
    await expect(interaction.deferReply()).rejects.toThrow(/Unknown interaction/);
    expect(discord.violations.map((v) => v.rule)).toEqual(['initial_response_late']);
  });

  it('refuses an edit with an interaction token older than 15 minutes', async () => {
    const clock = await restartWithHandDrivenClock();
    const interaction = await receiveSlashCommand();
    await interaction.deferReply();
    clock.advance(15 * 60_000 + 1);
    await expect(interaction.editReply('too late')).rejects.toThrow(/Invalid Webhook Token/);
    expect(discord.violations.map((v) => v.rule)).toEqual(['interaction_token_expired']);
  });

  it('refuses an upload over the interaction attachment_size_limit with 40005', async () => {
    const interaction = await receiveSlashCommand({ attachmentSizeLimit: 100 });
    await interaction.deferReply();
    const big = new AttachmentBuilder(Buffer.alloc(101), { name: 'big.png' });
    await expect(interaction.editReply({ files: [big] })).rejects.toThrow(/Request entity too large/);
    expect(discord.violations.map((v) => v.rule)).toEqual(['upload_too_large']);
  });

  it('refuses a message Discord would refuse with 50035 and says why', async () => {
    const row = { type: 1, components: [{ type: 2, style: 1, custom_id: 'x'.repeat(101), label: 'Variation' }] };
    await expect(client.rest.post(Routes.channelMessages(discord.channel.id), { body: { content: 'r', components: [row] } })).rejects.toThrow(/Invalid Form Body/);
    expect(discord.violations).toMatchObject([{ rule: 'invalid_form_body', detail: expect.stringContaining('custom_id: 101 characters') }]);
  });

  it('refuses a second initial response to the same interaction', async () => {
    const interaction = await receiveSlashCommand();
    await interaction.deferReply();
    // discord.js guards against this itself, so go around it the way a buggy adapter might (a second process).
    await expect(client.rest.post(`/interactions/${interaction.id}/${interaction.token}/callback`, { body: { type: 5 }, auth: false })).rejects.toThrow(/already been acknowledged/);
    expect(discord.violations.map((v) => v.rule)).toEqual(['interaction_already_acknowledged']);
  });
});
