/**
 * What Slack sends to an app: slash commands, block actions, view submissions, shortcuts and Events API callbacks,
 * built from the fake's workspace and delivered over a transport (signed HTTP to a Bolt receiver, or Socket Mode).
 */
import { createHmac } from 'node:crypto';
import type { SlackViolation } from './slack-web-api.ts';
import type { SlackChannel, SlackFile, SlackMessage, SlackState, SlackUser, SlackView } from './slack-state.ts';

/** The three envelope kinds of Socket Mode; HTTP encodes each one differently. */
export type EnvelopeKind = 'slash_commands' | 'interactive' | 'events_api';

export interface Delivery {
  /** HTTP status from the receiver (Socket Mode: 200 once acknowledged). */
  readonly status: number;
  readonly body: string;
  /** The body parsed as JSON when it was JSON (Socket Mode: the ack's payload). */
  readonly json: unknown;
}

/** Overrides for the signature checks: a stale timestamp or a wrong signature. */
export interface SigningOverride {
  readonly timestampS?: number;
  readonly signature?: string;
}

export interface SlackTransport {
  deliver(kind: EnvelopeKind, payload: Record<string, unknown>, signing?: SigningOverride): Promise<Delivery>;
}

export interface SlackEventsContext {
  readonly state: SlackState;
  readonly botUser: SlackUser;
  readonly appId: string;
  readonly defaultUser: SlackUser;
  readonly defaultChannel: SlackChannel;
  /** A fresh response_url whose respond() lands in `channel` (replacing `messageTs` when asked). */
  readonly responseUrl: (target: { channel: string; user: string; messageTs?: string }) => string;
  readonly violations: SlackViolation[];
  readonly ackMs: number;
  /** The bot token's scopes: Slack sends an event only to an app holding its scope. */
  readonly scopes: readonly string[];
}

/** Not sent: Slack sends events only to apps with the event's scope, about conversations the bot is in. */
const NOT_DELIVERED: Delivery = { status: 0, body: 'not delivered', json: undefined };

export interface From {
  readonly user?: SlackUser;
  readonly channel?: SlackChannel;
}

/** The legacy verification token Slack still puts in payloads; Bolt ignores it. */
const VERIFICATION_TOKEN = 'fake-verification-token';

export function slackSignature(signingSecret: string, timestampS: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampS}:${rawBody}`).digest('hex')}`;
}

/** POSTs to a Bolt HTTP receiver, signed exactly as Slack signs, with the real clock (Bolt checks it). */
export class HttpReceiverTransport implements SlackTransport {
  constructor(
    private readonly url: string,
    private readonly signingSecret: string,
  ) {}

  async deliver(
    kind: EnvelopeKind,
    payload: Record<string, unknown>,
    signing: SigningOverride = {},
  ): Promise<Delivery> {
    const { body, contentType } = encodeForHttp(kind, payload);
    const timestampS = signing.timestampS ?? Math.floor(Date.now() / 1000);
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-slack-request-timestamp': String(timestampS),
        'x-slack-signature': signing.signature ?? slackSignature(this.signingSecret, timestampS, body),
      },
      body,
    });
    const text = await response.text();
    return { status: response.status, body: text, json: parseJson(text) };
  }
}

function encodeForHttp(kind: EnvelopeKind, payload: Record<string, unknown>): { body: string; contentType: string } {
  switch (kind) {
    case 'slash_commands':
      return {
        body: new URLSearchParams(payload as Record<string, string>).toString(),
        contentType: 'application/x-www-form-urlencoded',
      };
    case 'interactive':
      return {
        body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
        contentType: 'application/x-www-form-urlencoded',
      };
    case 'events_api':
      return { body: JSON.stringify(payload), contentType: 'application/json' };
  }
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

export class SlackEvents {
  private eventCounter = 0;

  constructor(
    private readonly ctx: SlackEventsContext,
    private readonly transport: SlackTransport,
  ) {}

  /** `/edit make it snowy --strength 0.7`: form fields, a fresh trigger id and response_url. */
  async slashCommand(
    args: { command?: string; text?: string } & From = {},
    signing?: SigningOverride,
  ): Promise<Delivery & { triggerId: string; responseUrl: string }> {
    const { user, channel } = this.who(args);
    const triggerId = this.ctx.state.issueTrigger();
    const responseUrl = this.ctx.responseUrl({ channel: channel.id, user: user.id });
    const delivery = await this.deliver(
      'slash_commands',
      {
        token: VERIFICATION_TOKEN,
        team_id: this.ctx.state.teamId,
        team_domain: 'fake',
        channel_id: channel.id,
        channel_name: channel.name,
        user_id: user.id,
        user_name: user.name,
        command: args.command ?? '/edit',
        text: args.text ?? '',
        api_app_id: this.ctx.appId,
        is_enterprise_install: 'false',
        response_url: responseUrl,
        trigger_id: triggerId,
      },
      signing,
    );
    return { ...delivery, triggerId, responseUrl };
  }

  /** A click on a button in a stored message; block id and button text are read from its blocks. */
  async blockActions(
    args: { actionId: string; message: SlackMessage; value?: string } & From,
    signing?: SigningOverride,
  ): Promise<Delivery & { triggerId: string; responseUrl: string }> {
    const { user } = this.who(args);
    const { message } = args;
    const found = findElement(message.blocks, args.actionId);
    const triggerId = this.ctx.state.issueTrigger();
    const responseUrl = this.ctx.responseUrl({ channel: message.channel, user: user.id, messageTs: message.ts });
    const delivery = await this.deliver(
      'interactive',
      {
        type: 'block_actions',
        ...this.common(user),
        container: {
          type: 'message',
          message_ts: message.ts,
          channel_id: message.channel,
          is_ephemeral: false,
          ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
        },
        trigger_id: triggerId,
        channel: { id: message.channel, name: this.ctx.state.channels.get(message.channel)?.name ?? '' },
        message,
        state: { values: {} },
        response_url: responseUrl,
        actions: [
          {
            action_id: args.actionId,
            block_id: found?.blockId ?? 'unknown',
            type: found?.element.type ?? 'button',
            value: args.value ?? found?.element.value,
            text: found?.element.text ?? { type: 'plain_text', text: args.actionId, emoji: true },
            action_ts: actionTs(),
          },
        ],
      },
      signing,
    );
    return { ...delivery, triggerId, responseUrl };
  }

  /**
   * Submits a view the app opened. `values` is Slack's state shape: `{ blockId: { actionId: { type, value } } }`;
   * a file input is `{ type: 'file_input', files: [SlackFile] }`.
   */
  async viewSubmission(
    args: { view: SlackView | string; values: Record<string, Record<string, Record<string, unknown>>> } & From,
    signing?: SigningOverride,
  ): Promise<Delivery> {
    const { user } = this.who(args);
    const stored = typeof args.view === 'string' ? this.ctx.state.views.get(args.view) : args.view;
    if (!stored) throw new Error(`fake slack: no view ${String(args.view)}`);
    // Files picked in a file_input are handed to the app (docs.slack.dev/reference/block-kit/block-elements/file-input-element).
    for (const action of Object.values(args.values).flatMap((block) => Object.values(block))) {
      for (const file of (action.files as SlackFile[] | undefined) ?? [])
        this.ctx.state.grantFile(file.id, this.ctx.botUser.id);
    }
    return this.deliver(
      'interactive',
      {
        type: 'view_submission',
        ...this.common(user),
        trigger_id: this.ctx.state.issueTrigger(),
        view: { ...stored.view, state: { values: args.values } },
        response_urls: [],
      },
      signing,
    );
  }

  /** "Edit this image" on a stored message. */
  async messageShortcut(
    args: { callbackId: string; message: SlackMessage } & From,
    signing?: SigningOverride,
  ): Promise<Delivery & { triggerId: string }> {
    const { user } = this.who(args);
    const triggerId = this.ctx.state.issueTrigger();
    const delivery = await this.deliver(
      'interactive',
      {
        type: 'message_action',
        ...this.common(user),
        action_ts: actionTs(),
        callback_id: args.callbackId,
        trigger_id: triggerId,
        response_url: this.ctx.responseUrl({ channel: args.message.channel, user: user.id }),
        channel: { id: args.message.channel, name: this.ctx.state.channels.get(args.message.channel)?.name ?? '' },
        message_ts: args.message.ts,
        message: args.message,
      },
      signing,
    );
    return { ...delivery, triggerId };
  }

  /** A global shortcut (from the composer or search), which carries no message. */
  async globalShortcut(
    args: { callbackId: string } & From,
    signing?: SigningOverride,
  ): Promise<Delivery & { triggerId: string }> {
    const { user } = this.who(args);
    const triggerId = this.ctx.state.issueTrigger();
    const delivery = await this.deliver(
      'interactive',
      {
        type: 'shortcut',
        ...this.common(user),
        action_ts: actionTs(),
        callback_id: args.callbackId,
        trigger_id: triggerId,
      },
      signing,
    );
    return { ...delivery, triggerId };
  }

  /**
   * "@rfedit make it snowy" with files: stores the user's message and sends what Slack sends for it. A message
   * with files is also a `message` event with subtype `file_share` (docs.slack.dev/reference/events/message/file_share)
   * for an app subscribed to message.channels / .groups / .im / .mpim, and Slack may deliver it without an
   * `app_mention` at all, so by default both are sent (`delivery: 'both'`, the file_share first); `'file_share'`
   * sends only that one, `'app_mention'` only the mention. In a DM with the bot there is no app_mention
   * (docs.slack.dev/reference/events/app_mention: "mentions in channels").
   */
  async appMention(
    args: {
      text: string;
      files?: SlackFile[];
      threadTs?: string;
      delivery?: 'both' | 'app_mention' | 'file_share';
    } & From,
    signing?: SigningOverride,
  ): Promise<Delivery & { message: SlackMessage }> {
    const { user, channel } = this.who(args);
    const text = args.text.includes(`<@${this.ctx.botUser.id}>`) ? args.text : `<@${this.ctx.botUser.id}> ${args.text}`;
    const message = this.ctx.state.addMessage({
      channel: channel.id,
      user: user.id,
      text,
      ...(args.files ? { files: args.files } : {}),
      ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
    });
    const common = {
      user: user.id,
      text,
      ts: message.ts,
      channel: channel.id,
      event_ts: message.ts,
      team: this.ctx.state.teamId,
      ...(args.files ? { files: args.files } : {}),
      ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
    };
    const delivery = args.delivery ?? (args.files?.length ? 'both' : 'app_mention');
    const deliveries: Delivery[] = [];
    if (delivery !== 'app_mention' && args.files?.length) {
      deliveries.push(
        await this.event(
          {
            type: 'message',
            subtype: 'file_share',
            ...common,
            channel_type: channelType(channel),
            upload: false,
            display_as_bot: false,
          },
          signing,
        ),
      );
    }
    if (delivery !== 'file_share' && !channel.is_im)
      deliveries.push(await this.event({ type: 'app_mention', ...common }, signing));
    return { ...deliveries.at(-1)!, message };
  }

  /** `:repeat:` on a stored message, by `user`. */
  reactionAdded(
    args: { reaction: string; message: SlackMessage } & From,
    signing?: SigningOverride,
  ): Promise<Delivery> {
    const { user } = this.who(args);
    return this.event(
      {
        type: 'reaction_added',
        user: user.id,
        reaction: args.reaction,
        item_user: args.message.user,
        item: { type: 'message', channel: args.message.channel, ts: args.message.ts },
        event_ts: actionTs(),
      },
      signing,
    );
  }

  /**
   * Any other Events API event, wrapped in an event_callback envelope. Message, mention and reaction events come
   * only for conversations the bot is a member of and only with their scope (docs.slack.dev/reference/events/
   * app_mention, message.channels, message.im, reaction_added: "Required scopes"); otherwise nothing is sent and
   * the result has status 0.
   */
  async event(event: Record<string, unknown>, signing?: SigningOverride): Promise<Delivery> {
    if (!this.deliverable(event)) return NOT_DELIVERED;
    return this.deliver(
      'events_api',
      {
        token: VERIFICATION_TOKEN,
        team_id: this.ctx.state.teamId,
        api_app_id: this.ctx.appId,
        event,
        type: 'event_callback',
        event_id: `Ev${String(++this.eventCounter).padStart(9, '0')}`,
        event_time: Math.floor(Date.now() / 1000),
        authorizations: [
          {
            enterprise_id: null,
            team_id: this.ctx.state.teamId,
            user_id: this.ctx.botUser.id,
            is_bot: true,
            is_enterprise_install: false,
          },
        ],
        is_ext_shared_channel: false,
        event_context: `4-fake-${this.eventCounter}`,
      },
      signing,
    );
  }

  private deliverable(event: Record<string, unknown>): boolean {
    const channelId = String(event.channel ?? (event.item as { channel?: string } | undefined)?.channel ?? '');
    const channel = this.ctx.state.channels.get(channelId);
    const scope = {
      app_mention: 'app_mentions:read',
      reaction_added: 'reactions:read',
      message: channel ? HISTORY_SCOPE[this.ctx.state.kindOf(channel)] : undefined,
    }[String(event.type)];
    if (scope === undefined) return true;
    return (
      this.ctx.scopes.includes(scope) &&
      channel !== undefined &&
      this.ctx.state.isMember(channel.id, this.ctx.botUser.id)
    );
  }

  /** Every delivery is timed on the fake's clock: Slack shows the user an error when the ack takes over 3 s. */
  private async deliver(
    kind: EnvelopeKind,
    payload: Record<string, unknown>,
    signing?: SigningOverride,
  ): Promise<Delivery> {
    const startMs = this.ctx.state.now();
    const delivery = await this.transport.deliver(kind, payload, signing);
    const tookMs = this.ctx.state.now() - startMs;
    if (tookMs > this.ctx.ackMs) {
      this.ctx.violations.push({
        rule: 'ack_late',
        detail: `${kind} ${String(payload.type ?? payload.command ?? '')} acknowledged after ${tookMs} ms (limit ${this.ctx.ackMs} ms)`,
      });
    }
    return delivery;
  }

  private who(from: From): { user: SlackUser; channel: SlackChannel } {
    return { user: from.user ?? this.ctx.defaultUser, channel: from.channel ?? this.ctx.defaultChannel };
  }

  private common(user: SlackUser): Record<string, unknown> {
    return {
      token: VERIFICATION_TOKEN,
      api_app_id: this.ctx.appId,
      team: { id: this.ctx.state.teamId, domain: 'fake' },
      user: { id: user.id, username: user.name, name: user.name, team_id: user.team_id },
      enterprise: null,
      is_enterprise_install: false,
    };
  }
}

interface BlockElement {
  readonly type: string;
  readonly action_id?: string;
  readonly value?: string;
  readonly text?: unknown;
}

/** Finds an interactive element by action id in actions/section blocks, as Slack reports it back. */
function findElement(
  blocks: unknown[] | undefined,
  actionId: string,
): { blockId: string; element: BlockElement } | undefined {
  for (const block of (blocks ?? []) as Array<{
    block_id?: string;
    elements?: BlockElement[];
    accessory?: BlockElement;
  }>) {
    const candidates = [...(block.elements ?? []), ...(block.accessory ? [block.accessory] : [])];
    const element = candidates.find((e) => e.action_id === actionId);
    if (element) return { blockId: block.block_id ?? 'unknown', element };
  }
  return undefined;
}

/** message.channels / .groups / .im / .mpim need the history scope of the conversation's kind. */
const HISTORY_SCOPE = {
  public: 'channels:history',
  private: 'groups:history',
  im: 'im:history',
  mpim: 'mpim:history',
} as const;

/** The `channel_type` of message events. */
function channelType(channel: SlackChannel): 'channel' | 'group' | 'im' | 'mpim' {
  return channel.is_im ? 'im' : channel.is_mpim ? 'mpim' : channel.is_private ? 'group' : 'channel';
}

function actionTs(): string {
  return (Date.now() / 1000).toFixed(6);
}
