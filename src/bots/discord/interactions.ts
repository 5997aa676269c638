/**
 * Slash commands, the "Edit image" menu, buttons and modal submits → core commands. Every path answers
 * Discord before any slow work (download, queue): refusals that need no I/O (access, the bot's permissions in
 * the channel, options, attachment metadata, the daily quota) go out at once as ephemeral replies; everything
 * else is deferred publicly first, and a later refusal edits that public status message (after a defer, a
 * follow-up would edit it anyway — discord-api-docs "Create Followup Message"). Only the adapter's translation
 * lives here; the core validates, checks ownership and quotas.
 */
import {
  ActionRowBuilder,
  MessageFlags,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type MessageContextMenuCommandInteraction,
  type ModalSubmitInteraction,
  type RepliableInteraction,
} from 'discord.js';
import type { Command, CommandContext, EditOptions, Reply } from '../../commands/index.ts';
import { UserInputError, userFailure } from '../../errors.ts';
import { accessRefusal, isServerAdmin, whereaboutsOf } from './access.ts';
import type { Adapter } from './adapter.ts';
import { checkAttachment, downloadAttachment, firstImageOf } from './attachments.ts';
import { grantAdvice, missingToPost } from './permissions.ts';
import { COMMAND_NAMES } from './command-definitions.ts';
import { DISCORD_HELP } from './help.ts';
import { compareAttachment } from './compare.ts';
import { deleteMessages } from './delete-messages.ts';

/** Modal ids. The remix form's id is the signed remix action itself (with this argument). */
const EDIT_IMAGE_MODAL_PREFIX = 'rfedit.image.';
const REMIX_FORM_ARG = 'form';
const FIELD = { prompt: 'prompt', strength: 'strength' } as const;

export async function handleInteraction(interaction: Interaction, adapter: Adapter): Promise<void> {
  if (!interaction.isRepliable()) return;
  const refusal = accessRefusal(adapter.options, whereaboutsOf(interaction));
  if (refusal) return refuse(interaction, refusal);
  try {
    if (interaction.isChatInputCommand()) await onSlashCommand(interaction, adapter);
    else if (interaction.isMessageContextMenuCommand()) await onEditImageMenu(interaction, adapter);
    else if (interaction.isButton()) await onButton(interaction, adapter);
    else if (interaction.isModalSubmit()) await onModalSubmit(interaction, adapter);
  } catch (error) {
    await answerError(interaction, error, adapter);
  }
}

export function commandContext(interaction: Interaction): CommandContext {
  const channel = interaction.channel;
  const channelId = interaction.channelId ?? '';
  return {
    user: { platform: 'discord', id: interaction.user.id, name: interaction.user.username },
    place: {
      platform: 'discord',
      ...(interaction.guildId ? { guildId: interaction.guildId } : {}),
      channelId,
      ...(channel?.isThread() ? { threadId: channelId } : {}),
      // Ties the job's events to this interaction, so its status message is this interaction's reply.
      messageId: interaction.id,
    },
    isAdmin: isServerAdmin(interaction),
  };
}

// ── slash commands ───────────────────────────────────────────────────────────────────────────────────────────

async function onSlashCommand(interaction: ChatInputCommandInteraction, adapter: Adapter): Promise<void> {
  if (interaction.commandName === COMMAND_NAMES.edit) return onEdit(interaction, adapter);
  if (interaction.commandName === COMMAND_NAMES.rfedit) {
    if (interaction.options.getSubcommand() === COMMAND_NAMES.help) {
      await interaction.reply({ content: DISCORD_HELP, flags: MessageFlags.Ephemeral });
      return;
    }
    const command = rfeditSubcommand(interaction);
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const reply = await adapter.core.dispatch(command, commandContext(interaction));
    await interaction.editReply({ content: reply.text });
    return;
  }
  await refuse(interaction, 'I do not know that command; the command list may be out of date.');
}

function rfeditSubcommand(interaction: ChatInputCommandInteraction): Command {
  const limit = optional('limit', interaction.options.getInteger('limit'));
  switch (interaction.options.getSubcommand()) {
    case COMMAND_NAMES.info:
      return { kind: 'info', jobId: interaction.options.getString('job', true).trim() };
    case COMMAND_NAMES.pause:
      return { kind: 'pause' };
    case COMMAND_NAMES.resume:
      return { kind: 'resume' };
    case COMMAND_NAMES.audit:
      return { kind: 'audit', ...limit };
    default:
      return { kind: 'history', ...limit };
  }
}

async function onEdit(interaction: ChatInputCommandInteraction, adapter: Adapter): Promise<void> {
  const attachment = interaction.options.getAttachment('image', true);
  checkAttachment(attachment, adapter.options); // not an image / too large: refused before deferring, so ephemeral
  const options: EditOptions = {
    ...optional('strength', interaction.options.getNumber('strength')),
    ...optional('preset', interaction.options.getString('preset')),
    ...optional('seed', interaction.options.getInteger('seed')),
    ...optional('steps', interaction.options.getInteger('steps')),
    ...optional('guidance', interaction.options.getNumber('guidance')),
    ...optional('sampler', interaction.options.getString('sampler') as EditOptions['sampler'] | null),
    ...optional('count', interaction.options.getInteger('count')),
    ...optional('sweep', interaction.options.getBoolean('sweep')),
  };
  const prompt = interaction.options.getString('prompt', true);
  await startJob(interaction, adapter, { prompt, options }, async () => {
    const image = await downloadAttachment(attachment, adapter.options);
    return adapter.core.dispatch({ kind: 'edit', image, prompt, options }, commandContext(interaction));
  });
}

// ── "Edit image" on a message ────────────────────────────────────────────────────────────────────────────────

async function onEditImageMenu(interaction: MessageContextMenuCommandInteraction, adapter: Adapter): Promise<void> {
  if (interaction.commandName !== COMMAND_NAMES.editImageMenu)
    return refuse(interaction, 'I do not know that command.');
  // The target arrives whole in `resolved.messages` even without the Message Content intent; a later fetch would not.
  const image = firstImageOf(interaction.targetMessage);
  if (!image)
    return refuse(interaction, 'That message has no image to edit. Use “Edit image” on a message with a photo.');
  checkAttachment(image, adapter.options);
  const cannotPost = postingRefusal(interaction);
  if (cannotPost) return refuse(interaction, cannotPost);
  adapter.menuImages.keep(interaction.id, image);
  await interaction.showModal(
    editForm(`${EDIT_IMAGE_MODAL_PREFIX}${interaction.targetMessage.id}.${interaction.id}`, 'Edit image', '', null),
  );
}

function editForm(customId: string, title: string, prompt: string, strength: number | null): ModalBuilder {
  const promptInput = new TextInputBuilder()
    .setCustomId(FIELD.prompt)
    .setLabel('What should change?')
    .setStyle(TextInputStyle.Paragraph)
    .setRequired(true)
    .setMaxLength(1_000)
    .setPlaceholder('make it snowy');
  if (prompt) promptInput.setValue(prompt);
  const strengthInput = new TextInputBuilder()
    .setCustomId(FIELD.strength)
    .setLabel('Strength, 0 (keep the photo) to 1 (free)')
    .setStyle(TextInputStyle.Short)
    .setRequired(false)
    .setMaxLength(5)
    .setPlaceholder('0.6');
  if (strength !== null) strengthInput.setValue(String(strength));
  return new ModalBuilder()
    .setCustomId(customId)
    .setTitle(title)
    .addComponents(
      new ActionRowBuilder<TextInputBuilder>().addComponents(promptInput),
      new ActionRowBuilder<TextInputBuilder>().addComponents(strengthInput),
    );
}

// ── buttons ──────────────────────────────────────────────────────────────────────────────────────────────────

async function onButton(interaction: ButtonInteraction, adapter: Adapter): Promise<void> {
  const { core } = adapter;
  const action = core.codec.decode(interaction.customId);
  const ctx = commandContext(interaction);
  if (!action) return refuse(interaction, (await core.handleAction(interaction.customId, ctx)).text); // forged or another bot's
  if (action.action === 'compare') {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const compared = await compareAttachment(action.jobId, ctx, adapter);
    await interaction.editReply(
      compared.ok ? { content: 'Before ↔ after', files: [compared.file] } : { content: compared.text },
    );
    return;
  }
  switch (action.action) {
    case 'remix': {
      // A modal must be the first answer, so no defer here; the core's lookup is a single store read.
      const reply = await core.handleAction(interaction.customId, ctx);
      if (!reply.requestInput) return refuse(interaction, reply.text);
      const formId = core.codec.encode({ action: 'remix', jobId: reply.requestInput.jobId, arg: REMIX_FORM_ARG });
      await interaction.showModal(editForm(formId, 'Remix', reply.requestInput.prompt, reply.requestInput.strength));
      return;
    }
    case 'cancel':
    case 'delete':
    case 'info': {
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      const reply = await core.handleAction(interaction.customId, ctx);
      if (reply.deleteMessages) await deleteMessages(reply.deleteMessages, adapter);
      await interaction.editReply({ content: reply.text });
      return;
    }
    default: {
      // A button of a job that is gone (deleted, or from another bot's store) is refused privately, before the public defer.
      const job = core.getJob(action.jobId);
      if (!job || job.deleted) return refuse(interaction, (await core.handleAction(interaction.customId, ctx)).text);
      await startJob(interaction, adapter, null, () => core.handleAction(interaction.customId, ctx));
    }
  }
}

// ── modal submits ────────────────────────────────────────────────────────────────────────────────────────────

async function onModalSubmit(interaction: ModalSubmitInteraction, adapter: Adapter): Promise<void> {
  const prompt = interaction.fields.getTextInputValue(FIELD.prompt);
  const strength = parseStrength(interaction.fields.getTextInputValue(FIELD.strength));
  const ctx = commandContext(interaction);
  if (interaction.customId.startsWith(EDIT_IMAGE_MODAL_PREFIX)) {
    const [messageId = '', menuId = ''] = interaction.customId.slice(EDIT_IMAGE_MODAL_PREFIX.length).split('.');
    const options = optional('strength', strength);
    const image = adapter.menuImages.take(menuId);
    await startJob(interaction, adapter, { prompt, options }, async () => {
      // A form opened before a restart: the message fetched now has its photo only where Discord shows the bot
      // content (the Message Content intent, a mention, a DM).
      const input = image ?? (await refetchImage(interaction, messageId, adapter));
      return adapter.core.dispatch(
        { kind: 'edit', image: await downloadAttachment(input, adapter.options), prompt, options },
        ctx,
      );
    });
    return;
  }
  const action = adapter.core.codec.decode(interaction.customId);
  if (action?.action !== 'remix' || action.arg !== REMIX_FORM_ARG)
    return refuse(interaction, 'That form is not valid here (it may belong to another bot).');
  await startJob(interaction, adapter, { prompt, options: optional('strength', strength) }, () =>
    adapter.core.dispatch({ kind: 'remix', jobId: action.jobId, prompt, ...optional('strength', strength) }, ctx),
  );
}

async function refetchImage(interaction: ModalSubmitInteraction, messageId: string, adapter: Adapter) {
  const channel = interaction.channel ?? (await adapter.client.channels.fetch(interaction.channelId ?? ''));
  const message = channel && 'messages' in channel ? await channel.messages.fetch(messageId).catch(() => null) : null;
  const image = message ? firstImageOf(message) : null;
  if (!image)
    throw new UserInputError(
      'image_missing',
      'I lost track of that photo (the bot restarted while the form was open). Please use “Edit image” on it again.',
    );
  return image;
}

function parseStrength(text: string): number | null {
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '') return null;
  const value = Number(trimmed);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new UserInputError('option_invalid', `Strength must be a number from 0 to 1; got “${text.trim()}”.`);
  }
  return value;
}

// ── answering ────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Refuses privately what can be refused now (the bot cannot post here; the prompt, options or daily quota),
 * then defers (public: the reply becomes the job's status message) and does the slow part. A refusal after
 * deferring edits that status message.
 */
async function startJob(
  interaction: RepliableInteraction,
  adapter: Adapter,
  request: { prompt: string; options?: EditOptions } | null,
  submit: () => Promise<Reply>,
): Promise<void> {
  const cannotPost = postingRefusal(interaction);
  if (cannotPost) return refuse(interaction, cannotPost);
  const early = request && adapter.core.precheck(request, commandContext(interaction));
  if (early) return refuse(interaction, early.text);
  await interaction.deferReply();
  adapter.jobs.track(interaction);
  let reply: Reply;
  try {
    reply = await submit();
  } catch (error) {
    adapter.jobs.forget(interaction);
    throw error;
  }
  if (reply.code !== undefined || reply.jobId === undefined) {
    adapter.jobs.forget(interaction);
    await answer(interaction, reply.text);
  }
  // Otherwise the job's events edit the deferred reply from here on.
}

async function answerError(interaction: RepliableInteraction, error: unknown, adapter: Adapter): Promise<void> {
  const failure = userFailure(error, {
    report: (err, referenceId) =>
      adapter.logger.error({ err, referenceId, interaction: interaction.id }, 'Discord interaction failed'),
  });
  try {
    await answer(interaction, failure.userMessage);
  } catch (answerFailure) {
    adapter.logger.warn({ err: answerFailure, interaction: interaction.id }, 'could not tell the user about an error');
  }
}

/**
 * Privately when nothing was sent yet; after a defer by editing that reply (public for a job's status message).
 * Never delete-then-follow-up: the first follow-up after a defer edits the deferred reply, so once it is deleted
 * the follow-up fails with Unknown Message ("Create Followup Message").
 */
async function answer(interaction: RepliableInteraction, text: string): Promise<void> {
  if (!interaction.deferred && !interaction.replied) return refuse(interaction, text);
  await interaction.editReply({ content: `⚠️ ${text}`, components: [], files: [], attachments: [] });
}

/**
 * Why the bot cannot post a result where this interaction happened, from the permissions Discord sent with it
 * (`app_permissions`, computed for this channel with its overwrites), or null. DMs need none.
 */
function postingRefusal(interaction: RepliableInteraction): string | null {
  if (!interaction.inGuild()) return null;
  const missing = missingToPost(interaction.appPermissions, interaction.channel?.isThread() ?? false);
  if (missing.length === 0) return null;
  const names = missing.map((p) => `**${p.name}** (${p.why})`).join(', ');
  return `I cannot post results in this channel: I am missing ${names}. Ask a server admin to ${grantAdvice(missing, 'this channel')}, or use me in another channel.`;
}

async function refuse(interaction: RepliableInteraction, text: string): Promise<void> {
  await interaction.reply({ content: text, flags: MessageFlags.Ephemeral });
}

function optional<K extends string, V>(key: K, value: V | null | undefined): Partial<Record<K, V>> {
  return value === null || value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
