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
  DiscordAPIError,
  type ClientOptions,
  type GuildMember,
  type Message,
  type MessageContextMenuCommandInteraction,
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
import type { APIMessage } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { FakeDiscord, shardOf } from '../fakes/discord.ts';

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5b1e2a90000000049454e44ae426082',
  'hex',
);

let discord: FakeDiscord;
let client: Client;

async function startClient(fake: FakeDiscord, options: Partial<ClientOptions> = {}): Promise<Client> {
  const started = new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.GuildMessageReactions,
      GatewayIntentBits.DirectMessages,
    ],
    partials: [Partials.Message, Partials.Channel, Partials.Reaction],
    ...fake.clientOptions,
    ...options,
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
  const aborted = new Promise<never>((_, reject) =>
    timeout.addEventListener('abort', () => reject(new Error('download timed out'))),
  );
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
    const edited = await interaction.editReply({
      content: 'done',
      files: [new AttachmentBuilder(PNG, { name: 'result.png' })],
    });

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
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId('v1:vary:42').setLabel('Variation').setStyle(ButtonStyle.Primary),
    );
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
    const input = new TextInputBuilder()
      .setCustomId('prompt')
      .setLabel('Prompt')
      .setStyle(TextInputStyle.Short)
      .setValue('a cat');
    await button.showModal(
      new ModalBuilder()
        .setCustomId('remix-modal')
        .setTitle('Remix')
        .addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(input)),
    );
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
    await expect(
      client.rest.post(`/channels/${dm.id}/messages/${status.id}/threads`, { body: { name: 't' } }),
    ).rejects.toThrow(/channel type/);
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
    // The bot is no administrator: it holds what @everyone has (Discord's defaults) and its own role grants.
    expect(interaction.appPermissions.has(PermissionFlagsBits.Administrator)).toBe(false);
    expect(interaction.appPermissions.has(PermissionFlagsBits.SendMessages)).toBe(true);
    expect((interaction.member as GuildMember).roles.cache.has(editor.id)).toBe(true);
  });

  it('serves an attachment that stalls mid-body, for download time limits', async () => {
    const slow = discord.attachment({
      filename: 'slow.png',
      contentType: 'image/png',
      data: Buffer.alloc(1000),
      stall: true,
    });
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

  async function receiveSlashCommand(
    actor: Parameters<FakeDiscord['slashCommand']>[2] = {},
  ): Promise<ChatInputCommandInteraction> {
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
    await expect(
      client.rest.post(Routes.channelMessages(discord.channel.id), { body: { content: 'r', components: [row] } }),
    ).rejects.toThrow(/Invalid Form Body/);
    expect(discord.violations).toMatchObject([
      { rule: 'invalid_form_body', detail: expect.stringContaining('custom_id: 101 characters') },
    ]);
  });

  it('refuses a second initial response to the same interaction', async () => {
    const interaction = await receiveSlashCommand();
    await interaction.deferReply();
    // discord.js guards against this itself, so go around it the way a buggy adapter might (a second process).
    await expect(
      client.rest.post(`/interactions/${interaction.id}/${interaction.token}/callback`, {
        body: { type: 5 },
        auth: false,
      }),
    ).rejects.toThrow(/already been acknowledged/);
    expect(discord.violations.map((v) => v.rule)).toEqual(['interaction_already_acknowledged']);
  });
});

describe('the fake Discord is as strict as Discord (issue 12)', () => {
  async function restart(
    options: Parameters<typeof FakeDiscord.start>[0],
    clientOptions: Partial<ClientOptions> = {},
  ): Promise<void> {
    await client.destroy();
    await discord.close();
    discord = await FakeDiscord.start(options);
    client = await startClient(discord, clientOptions);
  }

  /** What a REST call failed with: HTTP status, Discord's JSON code and message. */
  async function failure(call: Promise<unknown>): Promise<{ status: number; code: unknown; message: string }> {
    const error = (await call.then(
      () => undefined,
      (e: unknown) => e,
    )) as DiscordAPIError | undefined;
    if (!(error instanceof DiscordAPIError)) throw new Error(`expected a Discord API error, got ${String(error)}`);
    return { status: error.status, code: error.code, message: (error.rawError as { message: string }).message };
  }

  /** A file for `client.rest` (raw) and for interaction replies (a builder). */
  const file = (bytes: number) => ({ files: [{ name: 'f.png', data: Buffer.alloc(bytes) }] });
  const attachment = (bytes: number) => ({ files: [new AttachmentBuilder(Buffer.alloc(bytes), { name: 'f.png' })] });

  describe('permissions', () => {
    it('computes the bot’s permissions per channel from @everyone, its role and the overwrites', async () => {
      const { AttachFiles, ViewChannel, SendMessages, Administrator } = PermissionFlagsBits;
      const photos = discord.addTextChannel('photos');
      discord.denyBot(photos, AttachFiles);
      expect(discord.botPermissionsIn(photos) & AttachFiles).toBe(0n);
      expect(discord.botPermissionsIn(discord.channel) & AttachFiles).toBe(AttachFiles);
      // A member overwrite comes after the role overwrites and wins.
      discord.setOverwrite(photos, discord.botUser, { allow: AttachFiles });
      expect(discord.botPermissionsIn(photos) & AttachFiles).toBe(AttachFiles);
      // Denying Send Messages implicitly denies Attach Files; denying View Channel denies everything.
      discord.setOverwrite(photos, discord.botRole, { deny: SendMessages });
      expect(discord.botPermissionsIn(photos) & AttachFiles).toBe(0n);
      discord.setOverwrite(photos, discord.botRole, { deny: ViewChannel });
      discord.setOverwrite(photos, discord.botUser, {});
      expect(discord.botPermissionsIn(photos)).toBe(0n);
      // Administrator bypasses every overwrite.
      discord.setRolePermissions(discord.botRole, Administrator);
      expect(discord.botPermissionsIn(photos) & AttachFiles).toBe(AttachFiles);
    });

    it('refuses with 403 50013 Missing Permissions, and 50001 Missing Access where the bot cannot see the channel', async () => {
      const photos = discord.addTextChannel('photos');
      discord.denyBot(photos, PermissionFlagsBits.AttachFiles);
      const route = Routes.channelMessages(photos.id);
      await expect(client.rest.post(route, { body: { content: 'text is fine' } })).resolves.toMatchObject({
        content: 'text is fine',
      });
      expect(await failure(client.rest.post(route, { body: { content: 'a photo' }, ...file(10) }))).toEqual({
        status: 403,
        code: 50013,
        message: 'Missing Permissions',
      });
      discord.denyBot(photos, PermissionFlagsBits.ViewChannel);
      expect(await failure(client.rest.post(route, { body: { content: 'hello' } }))).toEqual({
        status: 403,
        code: 50001,
        message: 'Missing Access',
      });
      expect(discord.violations.map((v) => v.rule)).toEqual(['missing_permissions', 'missing_access']);
      expect(discord.violations[0]!.detail).toContain('AttachFiles');
    });

    it('reports the per-channel permissions in app_permissions', async () => {
      const photos = discord.addTextChannel('photos');
      discord.denyBot(photos, PermissionFlagsBits.CreatePublicThreads);
      const received = nextInteraction();
      discord.slashCommand('edit', {}, { channel: photos });
      const interaction = (await received) as ChatInputCommandInteraction;
      expect(interaction.appPermissions.has(PermissionFlagsBits.CreatePublicThreads)).toBe(false);
      expect(interaction.appPermissions.has(PermissionFlagsBits.SendMessages)).toBe(true);
    });

    it('lets threads inherit the parent’s overwrites, with Send Messages in Threads instead of Send Messages', async () => {
      const thread = discord.addThread(discord.channel);
      const route = Routes.channelMessages(thread.id);
      discord.denyBot(discord.channel, PermissionFlagsBits.SendMessages);
      await expect(client.rest.post(route, { body: { content: 'in the thread' } })).resolves.toMatchObject({
        channel_id: thread.id,
      });
      discord.denyBot(discord.channel, PermissionFlagsBits.SendMessagesInThreads);
      expect(await failure(client.rest.post(route, { body: { content: 'again' } }))).toMatchObject({ code: 50013 });
    });

    it('hides a private thread from a bot that is not a member', async () => {
      const secret = discord.addThread(discord.channel, { private: true });
      expect(
        await failure(client.rest.post(Routes.channelMessages(secret.id), { body: { content: 'hi' } })),
      ).toMatchObject({ status: 403, code: 50001 });
      const invited = discord.addThread(discord.channel, { private: true, botIsMember: true });
      await expect(
        client.rest.post(Routes.channelMessages(invited.id), { body: { content: 'hi' } }),
      ).resolves.toMatchObject({ channel_id: invited.id });
    });

    it('refuses a reply without Read Message History, and needs Create Public Threads to start a thread', async () => {
      const status = discord.seedMessage({ author: discord.botUser, content: 'status' });
      discord.denyBot(
        discord.channel,
        PermissionFlagsBits.ReadMessageHistory | PermissionFlagsBits.CreatePublicThreads,
      );
      const reply = { content: 'result', message_reference: { message_id: status.id } };
      expect(
        await failure(client.rest.post(Routes.channelMessages(discord.channel.id), { body: reply })),
      ).toMatchObject({ code: 50013 });
      expect(
        await failure(client.rest.post(Routes.threads(discord.channel.id, status.id), { body: { name: 't' } })),
      ).toMatchObject({ code: 50013 });
      expect(await failure(client.rest.get(Routes.channelMessage(discord.channel.id, status.id)))).toMatchObject({
        code: 50001,
      });
      await expect(client.rest.get(Routes.channelMessages(discord.channel.id))).resolves.toEqual([]);
    });
  });

  it('cannot start a thread from a message in a forum or media channel (50024)', async () => {
    for (const type of [ChannelType.GuildForum, ChannelType.GuildMedia] as const) {
      const forum = discord.addTextChannel(`forum-${type}`, { type });
      const post = discord.seedMessage({ channel_id: forum.id, author: discord.botUser, content: 'x' });
      expect(await failure(client.rest.post(Routes.threads(forum.id, post.id), { body: { name: 't' } }))).toMatchObject(
        { status: 400, code: 50024 },
      );
    }
  });

  it('limits bot-token uploads by the server’s boost tier, not by the interaction’s attachment_size_limit', async () => {
    await restart({ rules: { uploadLimitBytes: 1_000 } });
    const received = nextInteraction();
    discord.slashCommand('edit', {}, { attachmentSizeLimit: 5_000 });
    const interaction = (await received) as ChatInputCommandInteraction;
    await interaction.deferReply();
    await expect(interaction.editReply(attachment(2_000))).resolves.toBeDefined();
    expect(
      await failure(
        client.rest.post(Routes.channelMessages(discord.channel.id), { body: { content: 'r' }, ...file(2_000) }),
      ),
    ).toEqual({
      status: 413,
      code: 40005,
      message: 'Request entity too large',
    });
    discord.guild.premiumTier = 2; // 50 MiB
    await expect(
      client.rest.post(Routes.channelMessages(discord.channel.id), { body: { content: 'r' }, ...file(2_000) }),
    ).resolves.toBeDefined();
  });

  describe('Message Content intent', () => {
    it('empties other people’s messages over REST, except DMs, mentions and the bot’s own', async () => {
      const photo = discord.attachment({ filename: 'p.png', contentType: 'image/png', data: PNG });
      const fetchRaw = (m: APIMessage) =>
        client.rest.get(Routes.channelMessage(m.channel_id, m.id)) as Promise<APIMessage>;
      const plain = discord.seedMessage({ content: 'look', attachments: [photo] });
      expect(await fetchRaw(plain)).toMatchObject({ content: '', attachments: [] });
      const own = discord.seedMessage({ author: discord.botUser, content: 'mine', attachments: [photo] });
      expect((await fetchRaw(own)).attachments).toHaveLength(1);
      const mention = discord.seedMessage({
        content: `<@${discord.botUser.id}> edit this`,
        attachments: [photo],
        mentions: [discord.botUser],
      });
      expect((await fetchRaw(mention)).attachments).toHaveLength(1);
      const dm = discord.seedMessage({ channel_id: discord.dmChannel().id, content: 'dm', attachments: [photo] });
      expect((await fetchRaw(dm)).attachments).toHaveLength(1);
    });

    it('delivers the target message whole inside a message command, and empty on the gateway', async () => {
      const photo = discord.attachment({ filename: 'p.png', contentType: 'image/png', data: PNG });
      const created = once(client, Events.MessageCreate);
      discord.userMessage({ content: 'a photo', attachments: [photo] });
      const [message] = (await created) as [Message];
      expect(message.attachments.size).toBe(0);
      const received = nextInteraction();
      discord.messageCommand('Edit image', discord.seedMessage({ content: 'look', attachments: [photo] }));
      const menu = (await received) as MessageContextMenuCommandInteraction;
      expect(menu.targetMessage.attachments.size).toBe(1);
    });

    it('keeps content for an app that holds the intent', async () => {
      await restart(
        { rules: { messageContentIntent: true } },
        { intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent] },
      );
      const photo = discord.attachment({ filename: 'p.png', contentType: 'image/png', data: PNG });
      const created = once(client, Events.MessageCreate);
      const sent = discord.userMessage({ content: 'a photo', attachments: [photo] });
      expect(((await created) as [Message])[0].attachments.size).toBe(1);
      expect(
        ((await client.rest.get(Routes.channelMessage(sent.channel_id, sent.id))) as APIMessage).attachments,
      ).toHaveLength(1);
    });
  });

  describe('interaction responses', () => {
    it('turns the first follow-up after a defer into an edit of the original, ignoring the ephemeral flag', async () => {
      const received = nextInteraction();
      discord.slashCommand('edit');
      const interaction = (await received) as ChatInputCommandInteraction;
      await interaction.deferReply();
      const first = await interaction.followUp({ content: 'only you?', flags: MessageFlags.Ephemeral });
      const original = discord.interaction(interaction.id)!.originalMessageId!;
      expect(first.id).toBe(original);
      expect(discord.message(original)).toMatchObject({ content: 'only you?', flags: 0 });
      const second = await interaction.followUp({ content: 'now private', flags: MessageFlags.Ephemeral });
      expect(second.id).not.toBe(original);
      expect(discord.message(second.id)!.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    });

    it('answers a follow-up after the deferred reply was deleted with 10008 Unknown Message', async () => {
      const received = nextInteraction();
      discord.slashCommand('edit');
      const interaction = (await received) as ChatInputCommandInteraction;
      await interaction.deferReply();
      await interaction.deleteReply();
      expect(await failure(interaction.followUp({ content: 'refused', flags: MessageFlags.Ephemeral }))).toEqual({
        status: 404,
        code: 10008,
        message: 'Unknown Message',
      });
    });
  });

  describe('gateway sharding', () => {
    it('recommends a shard count in GET /gateway/bot', async () => {
      await restart({ rules: { guildsPerRecommendedShard: 1 } });
      discord.addGuild('Second');
      expect(((await client.rest.get(Routes.gatewayBot())) as { shards: number }).shards).toBe(2);
    });

    it('closes an unsharded session above the guild limit with 4011 Sharding required', async () => {
      await client.destroy();
      await discord.close();
      discord = await FakeDiscord.start({ rules: { maxGuildsPerShard: 1 } });
      discord.addGuild('Second', { shard: [1 - shardOf(discord.guild.id, 2), 2] });
      const ws = new WebSocket(`${discord.origin.replace('http', 'ws')}/gateway`);
      const closed = once(ws, 'close') as Promise<[number]>;
      ws.on('message', (raw) => {
        if (JSON.parse(raw.toString()).op === 10)
          ws.send(JSON.stringify({ op: 2, d: { token: discord.token, intents: 1, properties: {} } }));
      });
      expect((await closed)[0]).toBe(4011);
      client = await startClient(discord, { shards: [0, 1], shardCount: 2 });
      expect(discord.gateway.shards).toEqual([
        [0, 2],
        [1, 2],
      ]);
    });

    it('sends a guild’s events only to the shard that owns it, and DMs to shard 0', async () => {
      await client.destroy();
      await discord.close();
      discord = await FakeDiscord.start();
      const second = discord.addGuild('Second', { shard: [1, 2] });
      const firstOwner = shardOf(discord.guild.id, 2);
      const clients = [
        await startClient(discord, { shards: [0], shardCount: 2 }),
        await startClient(discord, { shards: [1], shardCount: 2 }),
      ];
      client = clients[0]!;
      try {
        expect(clients.map((c) => [...c.guilds.cache.keys()])).toEqual(
          firstOwner === 0 ? [[discord.guild.id], [second.guild.id]] : [[], [discord.guild.id, second.guild.id]],
        );
        const heard = clients.map(() => [] as string[]);
        clients.forEach((c, i) =>
          c.on(Events.InteractionCreate, (interaction) => heard[i]!.push(interaction.guildId ?? 'dm')),
        );
        discord.slashCommand('edit', {}, { channel: second.channel });
        discord.slashCommand('edit', {}, { channel: discord.dmChannel() });
        await vi.waitFor(() => expect(heard.flat()).toHaveLength(2));
        expect(heard).toEqual([['dm'], [second.guild.id]]);
      } finally {
        await clients[1]!.destroy();
      }
    });
  });
});
