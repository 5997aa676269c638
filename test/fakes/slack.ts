/**
 * A fake Slack on 127.0.0.1 for running a real Bolt app in tests: the Web API, file hosting (url_private),
 * upload URLs, response_urls and a Socket Mode WebSocket on one port, plus senders that deliver what Slack would
 * send to the app. See docs/fakes.md for the API and an example.
 *
 *   const slack = await FakeSlack.start();
 *   const app = new App({ ...slack.httpAppOptions, port: 0 });
 *   await app.start(0);
 *   const events = slack.httpEvents(`http://127.0.0.1:${port}/slack/events`);
 *   await events.slashCommand({ text: 'make it snowy' });
 */
import { LoopbackServer, type RecordedRequest } from './loopback-server.ts';
import type { WaitOptions } from './recorder.ts';
import { HttpReceiverTransport, SlackEvents } from './slack-events.ts';
import { SOCKET_MODE_PATH, SocketModeServer } from './slack-socket-mode.ts';
import { ALL_FAKE_SCOPES } from './slack-scopes.ts';
import {
  SlackState,
  type NewSlackChannel,
  type NewSlackFile,
  type SlackChannel,
  type SlackConnectFileStub,
  type SlackFile,
  type SlackMessage,
  type SlackUser,
} from './slack-state.ts';
import {
  argsOf,
  DEFAULT_SLACK_RULES,
  installSlackWebApi,
  type SlackRules,
  type SlackViolation,
} from './slack-web-api.ts';

export type { Delivery, SigningOverride } from './slack-events.ts';
export { slackSignature, SlackEvents } from './slack-events.ts';
export type {
  NewSlackChannel,
  SlackChannel,
  SlackConnectFileStub,
  SlackFile,
  SlackMessage,
  SlackUser,
  SlackView,
} from './slack-state.ts';
export { ALL_FAKE_SCOPES, SLACK_METHOD_SCOPES, type ConversationKind, type MethodScope } from './slack-scopes.ts';
export type { SlackViolation, SlackRules } from './slack-web-api.ts';
export type { RecordedRequest } from './loopback-server.ts';

export interface FakeSlackOptions {
  readonly botToken?: string;
  readonly appToken?: string;
  readonly signingSecret?: string;
  readonly rules?: Partial<SlackRules>;
  /** The clock behind ts values and trigger expiry. Signatures always use the real clock, as Bolt checks it. */
  readonly now?: () => number;
  /** The bot token's granted scopes; calls needing another answer `missing_scope`. @default ALL_FAKE_SCOPES */
  readonly scopes?: readonly string[];
}

/** A Web API call as the fake received it: method name and arguments with JSON fields parsed. */
export interface SlackCall {
  readonly method: string;
  readonly args: Record<string, unknown>;
  readonly request: RecordedRequest;
}

export class FakeSlack {
  readonly botToken: string;
  readonly appToken: string;
  readonly signingSecret: string;
  readonly teamId = 'T0FAKETEAM';
  readonly appId = 'A0FAKEAPP';
  readonly botId = 'B0FAKEBOT';
  readonly botUser: SlackUser;
  /** A human user used when a sender is given no user. */
  readonly user: SlackUser;
  /** A public channel used when a sender is given no channel. */
  readonly channel: SlackChannel;
  readonly violations: SlackViolation[] = [];
  readonly rules: SlackRules;
  readonly socketMode: SocketModeServer;
  /** The bot token's granted scopes (sent in every response's X-OAuth-Scopes header). */
  readonly scopes: readonly string[];
  private readonly server: LoopbackServer;
  private readonly state: SlackState;
  private responseCounter = 0;

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    await fake.server.listen();
    return fake;
  }

  private constructor(options: FakeSlackOptions) {
    this.botToken = options.botToken ?? 'xoxb-fake-bot-token';
    this.appToken = options.appToken ?? 'xapp-fake-app-token';
    this.signingSecret = options.signingSecret ?? 'fake-signing-secret';
    this.rules = { ...DEFAULT_SLACK_RULES, ...options.rules };
    this.scopes = options.scopes ?? ALL_FAKE_SCOPES;
    this.server = new LoopbackServer('fake slack');
    this.state = new SlackState(this.server, this.teamId, this.botToken, options.now ?? Date.now);
    this.botUser = this.state.addUser('rfedit', true);
    this.user = this.state.addUser('alice');
    this.channel = this.state.addChannel('general');
    this.socketMode = new SocketModeServer(this.appId);
    this.socketMode.attach(this.server);
    installSlackWebApi({
      server: this.server,
      state: this.state,
      rules: this.rules,
      botToken: this.botToken,
      appToken: this.appToken,
      botUser: this.botUser,
      botId: this.botId,
      appId: this.appId,
      violations: this.violations,
      socketModeUrl: () => `${this.server.wsOrigin}${SOCKET_MODE_PATH}?ticket=fake`,
      scopes: this.scopes,
    });
  }

  get origin(): string {
    return this.server.origin;
  }

  /** `slackApiUrl` for @slack/web-api (trailing slash included). */
  get apiUrl(): string {
    return `${this.server.origin}/api/`;
  }

  /** Options for `new App({ ...slack.httpAppOptions })`: HTTP receiver, Web API on the fake. */
  get httpAppOptions(): { token: string; signingSecret: string; clientOptions: { slackApiUrl: string } } {
    return { token: this.botToken, signingSecret: this.signingSecret, clientOptions: { slackApiUrl: this.apiUrl } };
  }

  /**
   * Options for a Socket Mode app. Bolt's SocketModeReceiver builds its own WebClient for apps.connections.open
   * from `installerOptions.clientOptions`, so the API URL goes in twice.
   */
  get socketModeAppOptions() {
    const clientOptions = { slackApiUrl: this.apiUrl };
    return {
      token: this.botToken,
      appToken: this.appToken,
      socketMode: true as const,
      clientOptions,
      installerOptions: { clientOptions },
    };
  }

  /** Senders that POST signed requests to a Bolt HTTP receiver at `receiverUrl` (usually …/slack/events). */
  httpEvents(receiverUrl: string): SlackEvents {
    return new SlackEvents(this.eventsContext(), new HttpReceiverTransport(receiverUrl, this.signingSecret));
  }

  /** Senders that deliver envelopes over the Socket Mode connection and resolve on the app's ack. */
  socketEvents(): SlackEvents {
    return new SlackEvents(this.eventsContext(), this.socketMode);
  }

  get requests() {
    return this.server.requests;
  }

  /** Web API calls to `method` (e.g. 'chat.postMessage'), in order. */
  calls(method: string): SlackCall[] {
    return this.server.requests.filter((r) => r.path === `/api/${method}`).map((r) => toCall(method, r));
  }

  /** Resolves with the first (or nth) call to `method` that matches, whether it already came or comes later. */
  async waitForCall(
    method: string,
    predicate: (call: SlackCall) => boolean = () => true,
    options?: WaitOptions,
  ): Promise<SlackCall> {
    const request = await this.server.requests.waitFor(
      (r) => r.path === `/api/${method}` && predicate(toCall(method, r)),
      options,
    );
    return toCall(method, request);
  }

  /** What `respond()` posted to response_urls, in order (the fake also applies it: ephemeral, in_channel, replace, delete). */
  responses(): Array<{ url: string; body: unknown }> {
    return this.server.requests
      .filter((r) => r.path.startsWith('/response/'))
      .map((r) => ({ url: `${this.server.origin}${r.path}`, body: r.json }));
  }

  async close(): Promise<void> {
    await this.socketMode.close();
    await this.server.close();
  }

  // ── workspace ──────────────────────────────────────────────────────────────────────────────────────────────

  addUser(name: string): SlackUser {
    return this.state.addUser(name);
  }

  /** A channel; by default public with the bot and every user so far as members. */
  addChannel(name: string, options: NewSlackChannel = {}): SlackChannel {
    return this.state.addChannel(name, options);
  }

  /** A DM between two people that the bot is not part of (a slash command can be used there). */
  addDirectMessage(a: SlackUser, b: SlackUser): SlackChannel {
    return this.state.addChannel(`${a.id}-${b.id}`, { isIm: true, members: [a, b] });
  }

  /** The bot's own DM with `user`. */
  dmWith(user: SlackUser = this.user): SlackChannel {
    return this.state.dmWith(user);
  }

  join(channel: SlackChannel, user: SlackUser): void {
    this.state.members.get(channel.id)?.add(user.id);
  }

  leave(channel: SlackChannel, user: SlackUser): void {
    this.state.members.get(channel.id)?.delete(user.id);
  }

  isMember(channel: SlackChannel, user: SlackUser): boolean {
    return this.state.isMember(channel.id, user.id);
  }

  /**
   * The file as a Slack Connect channel delivers it in events and messages: `file_access: "check_file_info"` and no
   * name, mimetype or URLs; files.info has them (docs.slack.dev/reference/events/message/file_share, "Slack Connect
   * files"). Typed as SlackFile so it can go wherever a file goes; its other fields are absent.
   */
  slackConnectStub(file: SlackFile): SlackFile {
    const stub: SlackConnectFileStub = {
      id: file.id,
      mode: 'file_access',
      file_access: 'check_file_info',
      created: 0,
      timestamp: 0,
      user: '',
    };
    return stub as unknown as SlackFile;
  }

  /** Whether `user` (the bot by default) can see the file: its uploader, members where it is shared, apps it was handed to. */
  fileVisibleTo(file: SlackFile | string, user: SlackUser = this.botUser): boolean {
    return this.state.fileVisibleTo(typeof file === 'string' ? file : file.id, user.id);
  }

  /** A file uploaded by a user; its url_private needs the bot token (else: HTML login page, status 200). */
  addFile(data: Buffer, meta: NewSlackFile & { user?: SlackUser }): SlackFile {
    return this.state.addFile(data, { ...meta, user: (meta.user ?? this.user).id });
  }

  fileData(file: SlackFile | string): Buffer {
    const id = typeof file === 'string' ? file : file.id;
    const data = this.state.fileData(id);
    if (!data) throw new Error(`fake slack: no bytes for file ${id}`);
    return data;
  }

  file(id: string): SlackFile | undefined {
    return this.state.file(id);
  }

  /** A message that exists before the test acts (a user's photo post, or a result posted before a restart). */
  seedMessage(fields: {
    text?: string;
    user?: SlackUser;
    channel?: SlackChannel;
    files?: SlackFile[];
    blocks?: unknown[];
    threadTs?: string;
  }): SlackMessage {
    const user = fields.user ?? this.user;
    return this.state.addMessage({
      channel: (fields.channel ?? this.channel).id,
      user: user.id,
      text: fields.text ?? '',
      ...(user.is_bot ? { bot_id: this.botId } : {}),
      ...(fields.files ? { files: fields.files } : {}),
      ...(fields.blocks ? { blocks: fields.blocks } : {}),
      ...(fields.threadTs ? { thread_ts: fields.threadTs } : {}),
    });
  }

  message(channel: string, ts: string): SlackMessage | undefined {
    return this.state.message(channel, ts);
  }

  messages(channel?: string): SlackMessage[] {
    return this.state.messages.filter((m) => channel === undefined || m.channel === channel);
  }

  /** Messages in the thread started by `threadTs` (the parent first). */
  thread(channel: string, threadTs: string): SlackMessage[] {
    return this.state.messages.filter((m) => m.channel === channel && (m.ts === threadTs || m.thread_ts === threadTs));
  }

  get ephemerals() {
    return this.state.ephemerals;
  }

  get views() {
    return [...this.state.views.values()];
  }

  // ── faults ─────────────────────────────────────────────────────────────────────────────────────────────────

  /** The next call(s) to `method` get HTTP 429 with `Retry-After` (whole seconds, as Slack sends). */
  rateLimitNext(method: string, fault: { retryAfterS?: number; times?: number } = {}): void {
    this.server.injectFault(
      (r) => r.path === `/api/${method}`,
      {
        status: 429,
        headers: { 'retry-after': String(fault.retryAfterS ?? 0) },
        body: { ok: false, error: 'ratelimited' },
      },
      fault.times ?? 1,
    );
  }

  /** The next call(s) to `method` answer `{ ok: false, error }`. */
  failNext(method: string, error: string, times = 1): void {
    this.server.injectFault((r) => r.path === `/api/${method}`, { status: 200, body: { ok: false, error } }, times);
  }

  private eventsContext() {
    return {
      state: this.state,
      botUser: this.botUser,
      appId: this.appId,
      defaultUser: this.user,
      defaultChannel: this.channel,
      responseUrl: (target: { channel: string; user: string; messageTs?: string }) => {
        const id = `R${++this.responseCounter}`;
        this.state.responseUrls.set(id, { ...target, issuedAtMs: this.state.now(), uses: 0 });
        return `${this.server.origin}/response/${id}`;
      },
      violations: this.violations,
      ackMs: this.rules.ackMs,
      scopes: this.scopes,
    };
  }
}

function toCall(method: string, request: RecordedRequest): SlackCall {
  return { method, args: argsOf(request), request };
}
