/**
 * What the fake Slack knows: users, channels, messages (with threads and reactions), files with their bytes,
 * open views and the trigger ids it handed out. Web API methods and event senders share this one workspace.
 */
import type { LoopbackServer, RecordedRequest, Reply } from './loopback-server.ts';
import type { ConversationKind } from './slack-scopes.ts';

/** A file's bytes and who may see it: its uploader, members of conversations it is shared in, and apps it was handed to. */
interface StoredFile {
  readonly file: SlackFile;
  readonly data: Buffer;
  /** Where it is shared: channel id → the messages that share it. */
  readonly sharedIn: Map<string, Array<{ ts: string; thread_ts?: string }>>;
  readonly grantedTo: Set<string>;
  /** Until then Slack is still processing the upload and refuses it in image blocks. */
  readonly readyAtMs: number;
}

export interface SlackUser {
  readonly id: string;
  readonly name: string;
  readonly is_bot: boolean;
  readonly team_id: string;
}

export interface SlackChannel {
  readonly id: string;
  readonly name: string;
  readonly is_im: boolean;
  readonly is_mpim: boolean;
  readonly is_private: boolean;
}

export interface NewSlackChannel {
  /** A private channel: the bot sees it only once invited (docs.slack.dev/reference/methods/conversations.info, channel_not_found). */
  readonly isPrivate?: boolean;
  /** A group DM (mpim). */
  readonly isMpim?: boolean;
  /** Who is in it. @default the bot and every user so far */
  readonly members?: readonly SlackUser[];
}

/**
 * A file object as a Slack Connect channel delivers it in events and messages: no name, mimetype or URLs until the
 * app calls files.info (docs.slack.dev/reference/events/message/file_share, "Slack Connect files").
 */
export interface SlackConnectFileStub {
  readonly id: string;
  readonly mode: 'file_access';
  readonly file_access: 'check_file_info';
  readonly created: 0;
  readonly timestamp: 0;
  readonly user: '';
}

export interface SlackFile {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  readonly mimetype: string;
  readonly filetype: string;
  readonly size: number;
  readonly user: string;
  readonly url_private: string;
  readonly url_private_download: string;
  readonly permalink: string;
  readonly created: number;
  readonly timestamp: number;
  readonly mode: 'hosted';
  readonly is_external: false;
  readonly alt_txt?: string;
}

export interface NewSlackFile {
  readonly name: string;
  readonly mimetype: string;
  readonly title?: string;
  readonly alt_txt?: string;
  /** Answer the HTML login page even to the bot token, as Slack does for a token without files:read. */
  readonly servesLoginPage?: boolean;
  /** Send half the bytes, then stall (for download time limits). */
  readonly stall?: boolean;
}

export interface SlackMessage {
  readonly type: 'message';
  readonly channel: string;
  readonly ts: string;
  text: string;
  blocks?: unknown[];
  readonly user: string;
  readonly bot_id?: string;
  readonly thread_ts?: string;
  files?: SlackFile[];
  reactions?: Array<{ name: string; users: string[]; count: number }>;
  edited?: { user: string; ts: string };
}

export interface SlackView {
  readonly id: string;
  readonly trigger_id?: string;
  view: Record<string, unknown>;
  readonly opened_by_call: number;
}

export class SlackState {
  readonly users = new Map<string, SlackUser>();
  readonly channels = new Map<string, SlackChannel>();
  readonly messages: SlackMessage[] = [];
  /** Members of each conversation, by channel id. */
  readonly members = new Map<string, Set<string>>();
  readonly ephemerals: Array<{
    channel: string;
    user: string;
    text?: string;
    blocks?: unknown[];
    thread_ts?: string;
    message_ts: string;
  }> = [];
  readonly views = new Map<string, SlackView>();
  /** Files announced by files.getUploadURLExternal and not yet completed, by file id. */
  readonly pendingUploads = new Map<string, { filename: string; length: number; alt_text?: string; data?: Buffer }>();
  /** response_urls handed out with commands and actions, by their id. */
  readonly responseUrls = new Map<
    string,
    { channel: string; user: string; messageTs?: string; issuedAtMs: number; uses: number }
  >();
  private readonly files = new Map<string, StoredFile>();
  /** The channel every user joins when added (Slack's #general). */
  private defaultChannelId: string | undefined;
  private readonly triggers = new Map<string, number>();
  private idCounter = 0;
  private tsCounter = 0;

  constructor(
    private readonly server: LoopbackServer,
    readonly teamId: string,
    readonly botToken: string,
    readonly now: () => number,
  ) {}

  /** Slack ids are a type letter and upper-case alphanumerics. */
  id(prefix: string): string {
    return `${prefix}${(++this.idCounter).toString(36).toUpperCase().padStart(9, '0')}`;
  }

  /** Message timestamps are unique per channel and increase, "seconds.micro" like Slack's. */
  ts(): string {
    const seconds = Math.floor(this.now() / 1000);
    return `${seconds}.${String(++this.tsCounter).padStart(6, '0')}`;
  }

  addUser(name: string, isBot = false): SlackUser {
    const user: SlackUser = { id: this.id('U'), name, is_bot: isBot, team_id: this.teamId };
    this.users.set(user.id, user);
    // Every member of a workspace is in its #general (slack.com/help/articles/222386767).
    if (this.defaultChannelId) this.members.get(this.defaultChannelId)?.add(user.id);
    return user;
  }

  /** A channel (C…, private ones G-like but still C… today), a DM (D…) or a group DM; the first one is #general. */
  addChannel(name: string, options: NewSlackChannel & { isIm?: boolean } = {}): SlackChannel {
    const isIm = options.isIm ?? false;
    const channel: SlackChannel = {
      id: this.id(isIm ? 'D' : options.isMpim ? 'G' : 'C'),
      name,
      is_im: isIm,
      is_mpim: options.isMpim ?? false,
      is_private: isIm || (options.isPrivate ?? options.isMpim ?? false),
    };
    this.channels.set(channel.id, channel);
    this.members.set(channel.id, new Set((options.members ?? [...this.users.values()]).map((u) => u.id)));
    this.defaultChannelId ??= channel.id;
    return channel;
  }

  /** The bot's DM with a user, opened on first use (its name is the user's id). */
  dmWith(user: SlackUser): SlackChannel {
    const bot = [...this.users.values()].find((u) => u.is_bot)!;
    return (
      [...this.channels.values()].find((c) => c.is_im && c.name === user.id) ??
      this.addChannel(user.id, { isIm: true, members: [bot, user] })
    );
  }

  isMember(channelId: string, userId: string): boolean {
    return this.members.get(channelId)?.has(userId) ?? false;
  }

  kindOf(channel: SlackChannel): ConversationKind {
    return channel.is_im ? 'im' : channel.is_mpim ? 'mpim' : channel.is_private ? 'private' : 'public';
  }

  /**
   * Stores bytes as a Slack file. Its `url_private` answers only with the bot token; without it Slack serves an
   * HTML login page with status 200, which is what a bot downloading without a token gets.
   */
  addFile(data: Buffer, meta: NewSlackFile & { user: string; readyAtMs?: number }, id = this.id('F')): SlackFile {
    const guard = (req: RecordedRequest) => {
      if (!this.files.has(id)) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'file_deleted' };
      return meta.servesLoginPage ? loginPage() : this.loginPageUnlessAuthorized(req);
    };
    const served = this.server.serve(data, {
      contentType: meta.mimetype,
      filename: meta.name,
      guard,
      stall: meta.stall,
    });
    const created = Math.floor(this.now() / 1000);
    const file: SlackFile = {
      id,
      name: meta.name,
      title: meta.title ?? meta.name,
      mimetype: meta.mimetype,
      filetype: meta.name.split('.').pop()?.toLowerCase() ?? 'binary',
      size: data.length,
      user: meta.user,
      url_private: served.url,
      url_private_download: `${served.url}?download=1`,
      permalink: `https://fake.slack.com/files/${meta.user}/${id}/${encodeURIComponent(meta.name)}`,
      created,
      timestamp: created,
      mode: 'hosted',
      is_external: false,
      ...(meta.alt_txt === undefined ? {} : { alt_txt: meta.alt_txt }),
    };
    this.files.set(id, {
      file,
      data,
      sharedIn: new Map(),
      grantedTo: new Set(),
      readyAtMs: meta.readyAtMs ?? this.now(),
    });
    return file;
  }

  file(id: string): SlackFile | undefined {
    return this.files.get(id)?.file;
  }

  /** A file shared into a conversation is visible to its members (and, in a public channel, to everyone). */
  shareFile(id: string, channelId: string, message?: { ts: string; thread_ts?: string }): void {
    const shares = this.files.get(id)?.sharedIn;
    if (!shares) return;
    shares.set(channelId, [...(shares.get(channelId) ?? []), ...(message ? [message] : [])]);
  }

  /** Files a user picked in a modal's file_input are handed to the app that opened it. */
  grantFile(id: string, userId: string): void {
    this.files.get(id)?.grantedTo.add(userId);
  }

  /**
   * Whether `userId` can see the file. An upload without a channel "will be private"
   * (docs.slack.dev/reference/methods/files.completeUploadExternal, channel_id), so only its uploader sees it.
   */
  fileVisibleTo(id: string, userId: string): boolean {
    const stored = this.files.get(id);
    if (!stored) return false;
    if (stored.file.user === userId || stored.grantedTo.has(userId)) return true;
    return [...stored.sharedIn.keys()].some(
      (channelId) => this.isMember(channelId, userId) || this.channels.get(channelId)?.is_private === false,
    );
  }

  /** Still being processed by Slack (the upload completed less than the processing delay ago). */
  fileProcessing(id: string): boolean {
    const stored = this.files.get(id);
    return stored !== undefined && this.now() < stored.readyAtMs;
  }

  /** The conversations a file is shared in and the messages that share it. */
  sharesOf(id: string): Array<[string, Array<{ ts: string; thread_ts?: string }>]> {
    return [...(this.files.get(id)?.sharedIn ?? [])];
  }

  fileData(id: string): Buffer | undefined {
    return this.files.get(id)?.data;
  }

  /** Removes a file and its appearances in messages; its URLs answer 404 afterwards. */
  deleteFile(id: string): boolean {
    if (!this.files.delete(id)) return false;
    for (const message of this.messages) if (message.files) message.files = message.files.filter((f) => f.id !== id);
    return true;
  }

  addMessage(message: Omit<SlackMessage, 'type' | 'ts'> & { ts?: string }): SlackMessage {
    const stored: SlackMessage = { type: 'message', ...message, ts: message.ts ?? this.ts() };
    this.messages.push(stored);
    for (const file of stored.files ?? [])
      this.shareFile(file.id, stored.channel, {
        ts: stored.ts,
        ...(stored.thread_ts ? { thread_ts: stored.thread_ts } : {}),
      });
    return stored;
  }

  message(channel: string, ts: string): SlackMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  deleteMessage(channel: string, ts: string): boolean {
    const index = this.messages.findIndex((m) => m.channel === channel && m.ts === ts);
    if (index < 0) return false;
    this.messages.splice(index, 1);
    return true;
  }

  /** A trigger id as Slack puts in slash commands and interactions; views.open accepts it for 3 s. */
  issueTrigger(): string {
    const trigger = `${this.idCounter + 1}.${this.now()}.${this.id('T').toLowerCase()}`;
    this.triggers.set(trigger, this.now());
    return trigger;
  }

  triggerIssuedAt(trigger: string): number | undefined {
    return this.triggers.get(trigger);
  }

  private loginPageUnlessAuthorized(req: RecordedRequest): Reply | undefined {
    return req.headers.authorization === `Bearer ${this.botToken}` ? undefined : loginPage();
  }
}

function loginPage(): Reply {
  return {
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: '<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to your workspace</body></html>',
  };
}
