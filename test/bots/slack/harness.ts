/**
 * A real Bolt app (through createSlackBot) against the fake Slack on 127.0.0.1, over a real bot core
 * with a test engine and a temporary data directory. The engine is the only thing replaced.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { assembleCore } from '../../../src/app.ts';
import type { BotCore } from '../../../src/commands/index.ts';
import type { EditEngine, EditProgress, EditRequest, EditResult } from '../../../src/engine/types.ts';
import { createSlackBot, type SlackBot, type SlackBotOptions } from '../../../src/bots/slack/index.ts';
import { readSlackManifest } from '../../../src/bots/slack/manifest.ts';
import { FakeSlack, type SlackEvents, type SlackFile, type SlackMessage, type SlackUser } from '../../fakes/slack.ts';
import { gatedEngine, TestEngine, type StepGate, type TestEngineOptions } from '../../jobs/fixtures/test-engines.ts';

export const SECRET = 'slack-adapter-test-secret-0123456789';

/** A real PNG (the commands layer reads uploads with sharp), different for each seed. */
export async function photo(seed = 0, size = 32): Promise<Buffer> {
  return sharp({
    create: { width: size, height: size, channels: 3, background: { r: (seed * 40) % 256, g: 120, b: 200 } },
  })
    .png()
    .toBuffer();
}

/** The test engine, returning a real PNG so Compare can decode the result. */
export class PngResultEngine extends TestEngine {
  constructor(
    private readonly resultPng: Buffer,
    options: TestEngineOptions = {},
  ) {
    super(options);
  }

  override async edit(request: EditRequest, onProgress?: (progress: EditProgress) => void): Promise<EditResult> {
    const result = await super.edit(request, onProgress);
    return { ...result, image: new Uint8Array(this.resultPng), width: 32, height: 32 };
  }
}

export interface Harness {
  slack: FakeSlack;
  core: BotCore;
  bot: SlackBot;
  events: SlackEvents;
  dataDir: string;
  /** Restarts core and bot on the same data directory (the fake Slack stays). */
  restart(engine?: EditEngine): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  engine?: EditEngine;
  mode?: 'http' | 'socket';
  bot?: Partial<SlackBotOptions>;
  slack?: FakeSlack;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  // The bot gets exactly the scopes slack-manifest.yaml asks for, as a real installation would.
  const slack = options.slack ?? (await FakeSlack.start({ scopes: readSlackManifest().botScopes }));
  const dataDir = await mkdtemp(join(tmpdir(), 'rfedit-slack-'));
  const mode = options.mode ?? 'http';
  const build = async (engine: EditEngine) => {
    const core = assembleCore({ engine, dataDir, secret: SECRET, queue: { progressIntervalMs: 0 } });
    const bot = createSlackBot({
      core,
      botToken: slack.botToken,
      mode,
      ...(mode === 'http' ? { signingSecret: slack.signingSecret, port: 0 } : { appToken: slack.appToken }),
      slackApiUrl: slack.apiUrl,
      allowedWorkspaces: [],
      allowedChannels: [],
      allowedUsers: [],
      fileHostsAllowed: [slack.origin],
      pacing: { minTimeMs: 0 },
      shareWaitsMs: [5, 10, 20, 40],
      ...options.bot,
    });
    await bot.start();
    await core.start();
    const events = mode === 'http' ? slack.httpEvents(bot.requestUrl()!) : slack.socketEvents();
    if (mode === 'socket')
      await slack.socketMode.connections.waitFor(() => true, { nth: slack.socketMode.connections.entries.length || 1 });
    return { core, bot, events };
  };
  const engine = options.engine ?? new PngResultEngine(await photo(9));
  const harness = { slack, dataDir, ...(await build(engine)) } as Harness;
  const stopBoth = async () => {
    await harness.bot.stop();
    await harness.core.close();
  };
  harness.restart = async (next = engine) => {
    await stopBoth();
    Object.assign(harness, await build(next));
  };
  // Every test also checks that the bot kept Slack's rules (acks within 3 s, fresh trigger ids, valid blocks).
  harness.close = async () => {
    await stopBoth();
    const violations = [...slack.violations];
    if (!options.slack) await slack.close();
    await rm(dataDir, { recursive: true, force: true });
    if (violations.length > 0) throw new Error(`the bot broke Slack's rules: ${JSON.stringify(violations, null, 2)}`);
  };
  return harness;
}

/** A user's photo post in the channel, as the target of a shortcut. */
export async function photoMessage(
  slack: FakeSlack,
  options: { user?: SlackUser; text?: string } = {},
): Promise<{ file: SlackFile; message: SlackMessage }> {
  const file = slack.addFile(await photo(1), {
    name: 'beach.png',
    mimetype: 'image/png',
    ...(options.user ? { user: options.user } : {}),
  });
  const message = slack.seedMessage({
    text: options.text ?? 'look at this',
    files: [file],
    ...(options.user ? { user: options.user } : {}),
  });
  return { file, message };
}

/** The bot's message in `channel` whose blocks have a button with this label (newest first). */
export function messageWithButton(
  slack: FakeSlack,
  label: string,
  channel = slack.channel.id,
): SlackMessage | undefined {
  return slack
    .messages(channel)
    .filter((m) => buttonsOf(m).some((b) => b.label === label))
    .at(-1);
}

export function buttonsOf(message: SlackMessage | undefined): Array<{ label: string; actionId: string }> {
  const blocks = (message?.blocks ?? []) as Array<{
    type: string;
    elements?: Array<{ type: string; action_id: string; text: { text: string } }>;
  }>;
  return blocks
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? [])
    .map((e) => ({ label: e.text.text.replace(/^\S+\s/, ''), actionId: e.action_id }));
}

/** The image a message shows: an image block's file (a preview), or the file it belongs to (a result's buttons). */
export function imageFileIdOf(message: SlackMessage | undefined): string | undefined {
  return imageFileIdsOf(message)[0];
}

/** Every file a message shows or stands for (a result's buttons stand for the result and its comparisons). */
export function imageFileIdsOf(message: SlackMessage | undefined): string[] {
  const blocks = (message?.blocks ?? []) as Array<{ type: string; block_id?: string; slack_file?: { id: string } }>;
  const images = blocks.flatMap((b) => (b.type === 'image' && b.slack_file ? [b.slack_file.id] : []));
  const linked =
    blocks
      .find((b) => b.block_id?.startsWith('rfedit-files:'))
      ?.block_id?.slice('rfedit-files:'.length)
      .split(',') ?? [];
  return [...images, ...linked];
}

/** The bot's message in the thread that shares `fileId` (a result or comparison shared by its upload). */
export function sharingMessage(slack: FakeSlack, fileId: string, channel = slack.channel.id): SlackMessage | undefined {
  return slack.messages(channel).find((m) => m.user === slack.botUser.id && m.files?.some((f) => f.id === fileId));
}

export function textOf(message: SlackMessage | undefined): string {
  const section = ((message?.blocks ?? []) as Array<{ type: string; text?: { text: string } }>).find(
    (b) => b.type === 'section',
  );
  return section?.text?.text ?? message?.text ?? '';
}

/** The result message of a job (image and a Variation button), once it is posted. */
export async function waitForResult(slack: FakeSlack, nth = 1): Promise<SlackMessage> {
  const call = await slack.waitForCall(
    'chat.postMessage',
    (c) => JSON.stringify(c.args.blocks ?? '').includes('Variation'),
    { nth },
  );
  const ts = (call.request.responseBody as { ts: string }).ts;
  return slack.message(String(call.args.channel), ts)!;
}

/** The job behind a message, read from its signed buttons. */
export function jobIdOf(harness: Harness, message: SlackMessage): string {
  return harness.core.codec.decode(buttonsOf(message)[0].actionId)!.jobId;
}

/** The default user mentions the bot with a fresh photo. */
export async function mentionWithPhoto(harness: Harness, text = 'make it snowy'): Promise<SlackMessage> {
  const file = harness.slack.addFile(await photo(3), { name: 'p.png', mimetype: 'image/png' });
  return (await harness.events.appMention({ text, files: [file] })).message;
}

/** A finished edit started by a mention; its result message and job id, with every event shown. */
export async function finishedEdit(harness: Harness, text?: string): Promise<{ result: SlackMessage; jobId: string }> {
  await mentionWithPhoto(harness, text);
  const result = await waitForResult(harness.slack);
  await harness.bot.idle();
  return { result, jobId: jobIdOf(harness, result) };
}

/** A harness on a gated engine with one edit inside its first step and its status message shown. */
export async function runningEdit(options: HarnessOptions = {}): Promise<{ harness: Harness; gate: StepGate }> {
  const { engine, gate } = gatedEngine();
  const harness = await startHarness({ ...options, engine });
  await mentionWithPhoto(harness);
  await gate.reached();
  await harness.bot.idle();
  return { harness, gate };
}
