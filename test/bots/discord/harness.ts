/**
 * One test world: the fake Discord, a bot core on a temporary data directory, and the Discord bot (the real
 * discord.js client) pointed at the fake. Helpers wait on what the fake records, never on time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermissionFlagsBits, type APIAttachment, type APIMessage } from 'discord-api-types/v10';
import { assembleCore } from '../../../src/app.ts';
import type { BotCore } from '../../../src/commands/index.ts';
import {
  createDiscordBot,
  INVITE_PERMISSIONS,
  type DiscordBot,
  type DiscordBotOptions,
} from '../../../src/bots/discord/index.ts';
import type { EditEngine } from '../../../src/engine/types.ts';
import type { QueueOptions } from '../../../src/jobs/queue.ts';
import { FakeDiscord, type FakeDiscordOptions, type RecordedRequest } from '../../fakes/discord.ts';
import { PixelEngine, solidPng } from './pixel-engine.ts';

export const SECRET = 'discord-adapter-test-secret';
const MEMBER_BASICS = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.UseApplicationCommands;

export interface HarnessOptions {
  engine?: EditEngine;
  fake?: FakeDiscordOptions;
  bot?: Partial<DiscordBotOptions>;
  queue?: QueueOptions;
  /** Reuse a data directory (a restart). */
  dataDir?: string;
  /** Reuse a fake Discord (a restart of the bot only). */
  discord?: FakeDiscord;
  now?: () => number;
}

export class Harness {
  private constructor(
    readonly discord: FakeDiscord,
    readonly core: BotCore,
    readonly bot: DiscordBot,
    readonly dataDir: string,
    private readonly ownsDiscord: boolean,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const discord = options.discord ?? (await Harness.startFake(options.fake));
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'rfedit-discord-')));
    const core = assembleCore({
      engine: options.engine ?? new PixelEngine(),
      dataDir,
      secret: SECRET,
      queue: options.queue,
      ...(options.now ? { now: options.now } : {}),
    });
    const bot = createDiscordBot({
      core,
      token: discord.token,
      applicationId: discord.applicationId,
      restApi: `${discord.origin}/api`,
      extraDownloadHosts: ['127.0.0.1'],
      statusEditGapMs: 0,
      ...(options.now ? { now: options.now } : {}),
      ...options.bot,
    });
    await bot.start();
    await core.start();
    return new Harness(discord, core, bot, dataDir, options.discord === undefined);
  }

  /**
   * The fake Discord the harness uses: the bot holds exactly what the README's invite link grants (@everyone only
   * lets members see the channel and use commands); tests withhold permissions from there with channel overwrites.
   */
  static startFake(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    return FakeDiscord.start({
      everyonePermissions: String(MEMBER_BASICS),
      botPermissions: String(INVITE_PERMISSIONS),
      ...options,
    });
  }

  /** Stops bot and core; keeps the data directory and the fake for a restart. */
  async stopBot(): Promise<void> {
    await this.bot.stop();
    await this.core.close();
  }

  async close(): Promise<void> {
    await this.stopBot();
    if (this.ownsDiscord) await this.discord.close();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  async photo(name = 'photo.png', label = 'source'): Promise<APIAttachment> {
    return this.discord.attachment({
      filename: name,
      contentType: 'image/png',
      data: await solidPng(24, label),
      width: 24,
      height: 24,
    });
  }

  /** The nth result the bot posted (a channel message carrying an rfedit-… file), once Discord accepted it. */
  async result(nth = 1): Promise<APIMessage> {
    const request = await this.discord.waitFor((r) => r.status === 200 && isResultPost(r), { nth });
    return request.responseBody as APIMessage;
  }

  /** The current state of a message in the fake. */
  message(id: string): APIMessage {
    const message = this.discord.message(id);
    if (!message) throw new Error(`no message ${id}`);
    return message;
  }

  /** The reply (`@original`) of an interaction, as the fake stores it now. */
  original(interactionId: string): APIMessage {
    const id = this.discord.interaction(interactionId)?.originalMessageId;
    if (id === undefined) throw new Error(`interaction ${interactionId} has no reply`);
    return this.message(id);
  }

  /** Uses "Edit image" on a message and returns the custom id of the form the bot opened. */
  async editImageForm(target: APIMessage): Promise<string> {
    const menu = this.discord.messageCommand('Edit image', target);
    await this.discord.waitFor((r) => r.path.includes(menu.token) && r.path.endsWith('/callback'));
    return (this.discord.interaction(menu.id)!.modal as { custom_id: string }).custom_id;
  }

  /**
   * The public status message of an interaction once an edit of it matched `pattern`: what a refusal after the
   * public defer looks like (it edits the reply; it never deletes it and follows up).
   */
  async statusMatching(interactionId: string, pattern: RegExp): Promise<APIMessage> {
    const interaction = this.discord.interaction(interactionId);
    if (!interaction) throw new Error(`no interaction ${interactionId}`);
    await this.discord.waitFor(
      (r) =>
        r.method === 'PATCH' &&
        r.path.includes(interaction.token) &&
        r.status === 200 &&
        pattern.test((r.responseBody as APIMessage).content),
    );
    return this.original(interactionId);
  }

  /** Resolves when an ephemeral message for this interaction was sent (reply, edited reply or follow-up). */
  async ephemeralText(interactionId: string): Promise<string> {
    const interaction = this.discord.interaction(interactionId);
    if (!interaction) throw new Error(`no interaction ${interactionId}`);
    const request = await this.discord.waitFor(
      (r) =>
        r.path.includes(interaction.token) &&
        r.status < 300 &&
        ephemeralContent(r, interaction.response?.type) !== undefined,
    );
    return ephemeralContent(request, interaction.response?.type)!;
  }
}

/** The job behind a result message: its file is named after the job. */
export function jobIdOf(result: APIMessage): string {
  const match = /^rfedit-(.+)\.(png|jpg|webp|gif)$/.exec(result.attachments[0]?.filename ?? '');
  if (!match) throw new Error(`message ${result.id} carries no result file`);
  return match[1]!;
}

export function isResultPost(r: RecordedRequest): boolean {
  return (
    r.method === 'POST' &&
    /^\/api\/v10\/channels\/\d+\/messages$/.test(r.path) &&
    r.files.some((f) => f.filename.startsWith('rfedit-'))
  );
}

export function customIds(message: APIMessage): string[] {
  return (message.components ?? []).flatMap((row) =>
    ('components' in row ? row.components : []).flatMap((c) => ('custom_id' in c ? [c.custom_id] : [])),
  );
}

export function buttonLabels(message: APIMessage): string[] {
  return (message.components ?? []).flatMap((row) =>
    ('components' in row ? row.components : []).flatMap((c) => ('label' in c && c.label ? [c.label] : [])),
  );
}

/** The custom id of the button with this label. */
export function buttonId(message: APIMessage, label: string): string {
  const rows = message.components ?? [];
  for (const row of rows) {
    for (const c of 'components' in row ? row.components : [])
      if ('label' in c && c.label === label && 'custom_id' in c) return c.custom_id;
  }
  throw new Error(`no button "${label}" on message ${message.id}: ${buttonLabels(message).join(', ')}`);
}

const EPHEMERAL = 1 << 6;

/** The content of an ephemeral answer carried by this request, if it is one. */
function ephemeralContent(r: RecordedRequest, responseType: number | undefined): string | undefined {
  const body = (r.json ?? (r.fields.payload_json ? JSON.parse(r.fields.payload_json) : undefined)) as
    | { type?: number; data?: { content?: string; flags?: number }; content?: string; flags?: number }
    | undefined;
  if (!body) return undefined;
  if (r.path.endsWith('/callback'))
    return body.type === 4 && (body.data?.flags ?? 0) & EPHEMERAL ? body.data?.content : undefined;
  // A follow-up flagged ephemeral, or an edit of a reply deferred as ephemeral.
  if (r.method === 'POST' && (body.flags ?? 0) & EPHEMERAL) return body.content;
  if (r.method === 'PATCH' && responseType === 5 && body.content !== undefined) {
    const deferredFlags = (r.responseBody as { flags?: number } | undefined)?.flags ?? 0;
    return deferredFlags & EPHEMERAL ? body.content : undefined;
  }
  return undefined;
}
