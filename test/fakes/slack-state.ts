/**
 * What the fake Slack knows: users, channels, messages (with threads and reactions), files with their bytes,
 * open views and the trigger ids it handed out. Web API methods and event senders share this one workspace.
 */
import type { LoopbackServer, RecordedRequest, Reply } from './loopback-server.ts';

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
  readonly ephemerals: Array<{ channel: string; user: string; text?: string; blocks?: unknown[]; thread_ts?: string; message_ts: string }> = [];
  readonly views = new Map<string, SlackView>();
  /** Files announced by files.getUploadURLExternal and not yet completed, by file id. */
  readonly pendingUploads = new Map<string, { filename: string; length: number; alt_text?: string; data?: Buffer }>();
  /** response_urls handed out with commands and actions, by their id. */
  readonly responseUrls = new Map<string, { channel: string; user: string; messageTs?: string; issuedAtMs: number; uses: number }>();
  private readonly files = new Map<string, { file: SlackFile; data: Buffer }>();
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
    return user;
  }

  addChannel(name: string, isIm = false): SlackChannel {
    const channel: SlackChannel = { id: this.id(isIm ? 'D' : 'C'), name, is_im: isIm };
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** The bot's DM with a user, opened on first use (its name is the user's id). */
  dmWith(user: SlackUser): SlackChannel {
    return [...this.channels.values()].find((c) => c.is_im && c.name === user.id) ?? this.addChannel(user.id, true);
  }

  /**
   * Stores bytes as a Slack file. Its `url_private` answers only with the bot token; without it Slack serves an
   * HTML login page with status 200, which is what a bot downloading without a token gets.
   */
  addFile(data: Buffer, meta: NewSlackFile & { user: string }, id = this.id('F')): SlackFile {
    const guard = (req: RecordedRequest) => {
      if (!this.files.has(id)) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'file_deleted' };
      return meta.servesLoginPage ? loginPage() : this.loginPageUnlessAuthorized(req);
    };
    const served = this.server.serve(data, { contentType: meta.mimetype, filename: meta.name, guard, stall: meta.stall });
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
      created,
      timestamp: created,
      mode: 'hosted',
      is_external: false,
      ...(meta.alt_txt === undefined ? {} : { alt_txt: meta.alt_txt }),
    };
    this.files.set(id, { file, data });
    return file;
  }

  file(id: string): SlackFile | undefined {
    return this.files.get(id)?.file;
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
