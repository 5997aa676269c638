/**
 * Interactions the fake has sent to the bot, and the payload shapes for each kind: slash command (with an
 * attachment option and its resolved attachment), button click, modal submit and message context-menu command.
 */
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ComponentType,
  InteractionContextType,
  InteractionType,
  type APIAttachment,
  type APIChannel,
  type APIInteraction,
  type APIMessage,
  type APIUser,
} from 'discord-api-types/v10';
import { randomBytes } from 'node:crypto';
import { EVERYONE_PERMISSIONS, isDmChannel, type DiscordState, type FakeGuild } from './discord-state.ts';

export interface InteractionResponse {
  readonly type: number;
  readonly data: unknown;
  readonly atMs: number;
}

export interface FakeInteraction {
  readonly id: string;
  readonly token: string;
  readonly payload: APIInteraction;
  readonly createdAtMs: number;
  /** The initial callback, once the bot sent one. */
  response?: InteractionResponse;
  /** The message `@original` refers to (the reply, or the clicked message for component updates). */
  originalMessageId?: string;
  /** Deferred with type 5 and not yet edited: the next follow-up edits `@original` instead of posting. */
  awaitingFirstFollowUp?: boolean;
  /** A modal the bot opened in answer (callback type 9). */
  modal?: unknown;
}

/** Where an interaction happens and who does it. */
export interface InteractionPlace {
  readonly user: APIUser;
  readonly channel: APIChannel;
  /** Role ids the member holds (guild channels only). */
  readonly roleIds?: string[];
  readonly attachmentSizeLimit: number;
}

export type ModalFieldValue = string | APIAttachment[];
export type ModalLayout = 'rows' | 'labels';

export type SlashOptionValue =
  | string
  | number
  | boolean
  | APIAttachment
  | { readonly type: ApplicationCommandOptionType; readonly value: string | number | boolean };

export class InteractionRegistry {
  private readonly byId = new Map<string, FakeInteraction>();
  private readonly byToken = new Map<string, FakeInteraction>();

  constructor(
    private readonly state: DiscordState,
    private readonly applicationId: string,
    private readonly botUserId: string,
  ) {}

  get(id: string): FakeInteraction | undefined {
    return this.byId.get(id);
  }

  byWebhookToken(token: string): FakeInteraction | undefined {
    return this.byToken.get(token);
  }

  all(): FakeInteraction[] {
    return [...this.byId.values()];
  }

  slashCommand(
    place: InteractionPlace,
    name: string,
    options: Record<string, SlashOptionValue>,
    subcommand?: string,
  ): FakeInteraction {
    const attachments: Record<string, APIAttachment> = {};
    const apiOptions = Object.entries(options).map(([optionName, value]) => {
      if (isAttachment(value)) {
        attachments[value.id] = value;
        return { name: optionName, type: ApplicationCommandOptionType.Attachment, value: value.id };
      }
      if (typeof value === 'object') return { name: optionName, ...value };
      return { name: optionName, type: optionTypeOf(value), value };
    });
    const nested =
      subcommand === undefined
        ? apiOptions
        : [{ name: subcommand, type: ApplicationCommandOptionType.Subcommand, options: apiOptions }];
    return this.register(place, InteractionType.ApplicationCommand, {
      id: this.state.snowflake(),
      name,
      type: ApplicationCommandType.ChatInput,
      options: nested,
      ...(Object.keys(attachments).length > 0 ? { resolved: { attachments } } : {}),
    });
  }

  messageCommand(place: InteractionPlace, name: string, target: APIMessage): FakeInteraction {
    return this.register(place, InteractionType.ApplicationCommand, {
      id: this.state.snowflake(),
      name,
      type: ApplicationCommandType.Message,
      target_id: target.id,
      resolved: { messages: { [target.id]: target } },
    });
  }

  buttonClick(place: InteractionPlace, customId: string, message: APIMessage): FakeInteraction {
    return this.register(
      place,
      InteractionType.MessageComponent,
      { custom_id: customId, component_type: ComponentType.Button },
      message,
    );
  }

  /**
   * Text fields are strings; a file upload field is a list of attachments (Discord then puts them in
   * `resolved.attachments`). Files need the label layout, Discord's current one; 'rows' is the legacy layout.
   */
  modalSubmit(
    place: InteractionPlace,
    customId: string,
    fields: Record<string, ModalFieldValue>,
    layout: ModalLayout,
    message?: APIMessage,
  ): FakeInteraction {
    const attachments: Record<string, APIAttachment> = {};
    const components = Object.entries(fields).map(([fieldId, value]) => {
      if (typeof value !== 'string') {
        if (layout === 'rows') throw new Error('fake discord: file uploads in modals need the label layout');
        for (const a of value) attachments[a.id] = a;
        return {
          type: ComponentType.Label,
          component: { type: ComponentType.FileUpload, custom_id: fieldId, values: value.map((a) => a.id) },
        };
      }
      const input = { type: ComponentType.TextInput, custom_id: fieldId, value };
      return layout === 'labels'
        ? { type: ComponentType.Label, component: input }
        : { type: ComponentType.ActionRow, components: [input] };
    });
    const resolved = Object.keys(attachments).length > 0 ? { resolved: { attachments } } : {};
    return this.register(place, InteractionType.ModalSubmit, { custom_id: customId, components, ...resolved }, message);
  }

  private register(
    place: InteractionPlace,
    type: InteractionType,
    data: unknown,
    message?: APIMessage,
  ): FakeInteraction {
    const id = this.state.snowflake();
    const token = `aW50ZXJhY3Rpb246${id}:${randomBytes(24).toString('base64url')}`;
    const payload = {
      ...this.envelope(place),
      id,
      token,
      type,
      data,
      ...(message ? { message } : {}),
    } as unknown as APIInteraction;
    const interaction: FakeInteraction = { id, token, payload, createdAtMs: this.state.now() };
    if (message) interaction.originalMessageId = message.id;
    this.byId.set(id, interaction);
    this.byToken.set(token, interaction);
    return interaction;
  }

  /** The fields every interaction carries, for a guild channel or a DM. */
  private envelope(place: InteractionPlace): Record<string, unknown> {
    const { user, channel } = place;
    const dm = isDmChannel(channel);
    const guild = dm ? undefined : this.guildOf(channel);
    const common = {
      application_id: this.applicationId,
      version: 1,
      // "app_permissions: Bitwise set of permissions the app has within the channel the interaction was sent from"
      // (receiving-and-responding.mdx); in DMs Discord reports the DM permission set.
      app_permissions: guild ? this.state.permissionsIn(channel.id, this.botUserId).toString() : EVERYONE_PERMISSIONS,
      locale: 'en-US',
      entitlements: [],
      attachment_size_limit: place.attachmentSizeLimit,
      channel_id: channel.id,
      channel,
    };
    if (!guild) {
      return { ...common, user, context: InteractionContextType.BotDM, authorizing_integration_owners: { 1: user.id } };
    }
    const member = guild.members.get(user.id) ?? this.state.addMember(guild, user, place.roleIds ?? []);
    const roles = place.roleIds ?? member.roles;
    return {
      ...common,
      guild_id: guild.id,
      guild: { id: guild.id, locale: 'en-US', features: [] },
      guild_locale: 'en-US',
      // The member's "total permissions … in the channel, including overwrites".
      member: { ...member, user, roles, permissions: this.state.permissionsIn(channel.id, user.id, roles).toString() },
      context: InteractionContextType.Guild,
      authorizing_integration_owners: { 0: guild.id },
    };
  }

  private guildOf(channel: APIChannel): FakeGuild {
    const guildId = 'guild_id' in channel ? channel.guild_id : undefined;
    const guild = guildId === undefined ? undefined : this.state.guilds.get(guildId);
    if (!guild) throw new Error(`fake discord: channel ${channel.id} belongs to no known guild`);
    return guild;
  }
}

function isAttachment(value: SlashOptionValue): value is APIAttachment {
  return typeof value === 'object' && 'url' in value && 'filename' in value;
}

function optionTypeOf(value: string | number | boolean): ApplicationCommandOptionType {
  if (typeof value === 'string') return ApplicationCommandOptionType.String;
  if (typeof value === 'boolean') return ApplicationCommandOptionType.Boolean;
  return ApplicationCommandOptionType.Number;
}
