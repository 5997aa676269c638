/**
 * Every Discord command as data, in one place: the bot routes by these names and `registerDiscordCommands`
 * uploads these very definitions, so the two cannot drift. /edit's options are rendered from the
 * platform-neutral definition in src/commands, so limits stay in one table.
 */
import {
  ApplicationCommandType,
  ContextMenuCommandBuilder,
  InteractionContextType,
  SlashCommandBuilder,
  type RESTPostAPIApplicationCommandsJSONBody,
  type SlashCommandOptionsOnlyBuilder,
} from 'discord.js';
import { COMMANDS, type CommandOption, type CommandRegistry } from '../../commands/index.ts';
import { PRESET_NAMES } from '../../engine/params.ts';

export const COMMAND_NAMES = {
  edit: 'edit',
  editImageMenu: 'Edit image',
  rfedit: 'rfedit',
  info: 'info',
  history: 'history',
  pause: 'pause',
  resume: 'resume',
  audit: 'audit',
  help: 'help',
} as const;

const CONTEXTS = [InteractionContextType.Guild, InteractionContextType.BotDM];
// Discord allows up to 25 choices; the engine's presets are the only valid values.
const CHOICES_OF: Record<string, readonly string[]> = { preset: PRESET_NAMES };

function editCommand(commands: CommandRegistry): SlashCommandOptionsOnlyBuilder {
  let builder: SlashCommandOptionsOnlyBuilder = new SlashCommandBuilder()
    .setName(COMMAND_NAMES.edit)
    .setDescription(COMMANDS.edit.description)
    .setContexts(CONTEXTS);
  // Required options must come first on Discord.
  const options = [...commands.edit.options].sort((a, b) => Number(Boolean(b.required)) - Number(Boolean(a.required)));
  for (const option of options) builder = addOption(builder, option);
  return builder;
}

function addOption(builder: SlashCommandOptionsOnlyBuilder, option: CommandOption): SlashCommandOptionsOnlyBuilder {
  const required = option.required ?? false;
  const choices = CHOICES_OF[option.name] ?? option.choices;
  switch (option.type) {
    case 'image':
      return builder.addAttachmentOption((o) =>
        o.setName(option.name).setDescription(option.description).setRequired(required),
      );
    case 'number':
      return builder.addNumberOption((o) =>
        withRange(o.setName(option.name).setDescription(option.description).setRequired(required), option),
      );
    case 'integer':
      return builder.addIntegerOption((o) =>
        withRange(o.setName(option.name).setDescription(option.description).setRequired(required), option),
      );
    case 'boolean':
      return builder.addBooleanOption((o) =>
        o.setName(option.name).setDescription(option.description).setRequired(required),
      );
    case 'string':
    case 'job':
      return builder.addStringOption((o) => {
        o.setName(option.name).setDescription(option.description).setRequired(required);
        if (option.maxLength !== undefined) o.setMaxLength(option.maxLength);
        if (choices) o.addChoices(...choices.map((c) => ({ name: c, value: c })));
        return o;
      });
  }
}

function withRange<T extends { setMinValue(v: number): T; setMaxValue(v: number): T }>(o: T, option: CommandOption): T {
  if (option.min !== undefined) o.setMinValue(option.min);
  if (option.max !== undefined) o.setMaxValue(option.max);
  return o;
}

function rfeditCommand() {
  return (
    new SlashCommandBuilder()
      .setName(COMMAND_NAMES.rfedit)
      .setDescription('rfedit: look up your edits')
      .setContexts(CONTEXTS)
      .addSubcommand((s) =>
        s.setName(COMMAND_NAMES.help).setDescription('How to edit a photo or turn a sketch into a picture'),
      )
      .addSubcommand((s) =>
        s
          .setName(COMMAND_NAMES.info)
          .setDescription(COMMANDS.info.description)
          .addStringOption((o) =>
            o
              .setName('job')
              .setDescription('The edit id (shown by /rfedit history)')
              .setRequired(true)
              .setMaxLength(40),
          ),
      )
      .addSubcommand((s) =>
        s
          .setName(COMMAND_NAMES.history)
          .setDescription(COMMANDS.history.description)
          .addIntegerOption((o) => o.setName('limit').setDescription('How many').setMinValue(1).setMaxValue(25)),
      )
      // Admin subcommands: visible to all, refused by the core for non-admins with a plain message.
      .addSubcommand((s) => s.setName(COMMAND_NAMES.pause).setDescription(COMMANDS.pause.description))
      .addSubcommand((s) => s.setName(COMMAND_NAMES.resume).setDescription(COMMANDS.resume.description))
      .addSubcommand((s) =>
        s
          .setName(COMMAND_NAMES.audit)
          .setDescription(COMMANDS.audit.description)
          .addIntegerOption((o) => o.setName('limit').setDescription('How many lines').setMinValue(1).setMaxValue(50)),
      )
  );
}

/** The definitions for a registry whose option bounds follow the configured limits (`core.commands`). */
export function discordCommands(commands: CommandRegistry = COMMANDS): RESTPostAPIApplicationCommandsJSONBody[] {
  return [
    editCommand(commands).toJSON(),
    new ContextMenuCommandBuilder()
      .setName(COMMAND_NAMES.editImageMenu)
      .setType(ApplicationCommandType.Message)
      .setContexts(CONTEXTS)
      .toJSON(),
    rfeditCommand().toJSON(),
  ];
}

/** With the default limits (config/default.yaml's). */
export const DISCORD_COMMANDS: readonly RESTPostAPIApplicationCommandsJSONBody[] = discordCommands();
