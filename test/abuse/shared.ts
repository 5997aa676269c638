/**
 * Small steps the abuse tests share: finding what the bot said on the fake Discord, and checking that a
 * normal edit still works afterwards (the bot stayed up).
 */
import type { APIMessage } from 'discord-api-types/v10';
import { afterAll, beforeAll, expect } from 'vitest';
import type { EditEngine } from '../../src/engine/types.ts';
import {
  startChatServer,
  temporaryDataDir,
  type ChatServerOptions,
  type RunningChat,
} from '../bots/web/fixtures/chat-server.ts';
import { type Harness, jobIdOf } from '../bots/discord/harness.ts';
import type { FakeDiscord, RecordedRequest } from '../fakes/discord.ts';
import { sendToChat } from './fixtures/web-client.ts';
import { noisyPng } from './fixtures/hostile-images.ts';

/** Everything a request to the fake carried as text (JSON body or multipart payload). */
export function bodyText(request: RecordedRequest): string {
  return JSON.stringify(request.json ?? request.fields);
}

/** Resolves with the nth request to the fake Discord whose body contains `text`. */
export function discordSaid(discord: FakeDiscord, text: string, nth = 1): Promise<RecordedRequest> {
  return discord.waitFor((r) => r.status < 300 && bodyText(r).includes(text), { nth });
}

/** Counts how often each text was expected so far, so a wait for the second "not an image" waits for a second one. */
export function occurrences(): (text: string) => number {
  const seen = new Map<string, number>();
  return (text) => {
    seen.set(text, (seen.get(text) ?? 0) + 1);
    return seen.get(text)!;
  };
}

/** A fresh /edit through Discord gets its result: the bot is still up and the queue still moves. Returns the result message. */
export async function discordStillEdits(world: Harness, nthResult: number): Promise<APIMessage> {
  world.discord.slashCommand('edit', {
    image: await world.photo('after.png', `after-${nthResult}`),
    prompt: `still working ${nthResult}`,
  });
  const result = await world.result(nthResult);
  expect(world.core.getJob(jobIdOf(result))?.status).toBe('done');
  return result;
}

/** A fresh /edit through the web chat finishes: the server is still up and the queue still moves. */
export async function webStillEdits(chat: RunningChat, user = 'after'): Promise<void> {
  const answer = await sendToChat(chat, user, '/edit still working', await noisyPng(32));
  expect(answer.status).toBe(200);
  const jobId = answer.reply?.jobId;
  expect(jobId, answer.reply?.text).toBeDefined();
  await chat.core.queue.onIdle();
  expect(chat.core.getJob(jobId!)?.status).toBe('done');
}

/** The status message of a running edit started by `sent`, once it shows its Cancel button. */
export async function runningStatusMessage(world: Harness, sent: { token: string }): Promise<APIMessage> {
  const status = await world.discord.waitFor(
    (r) =>
      r.method === 'PATCH' && r.path.includes(sent.token) && (r.responseBody as APIMessage).components?.length === 1,
  );
  return status.responseBody as APIMessage;
}

/** A web chat for all tests of a describe block, on its own data folder, removed afterwards. */
export function webChatForBlock(
  engine: () => EditEngine,
  options: Omit<ChatServerOptions, 'engine' | 'dataDir'> = {},
): { chat: RunningChat; dataDir: string } {
  const handle = {} as { chat: RunningChat; dataDir: string };
  let dir: ReturnType<typeof temporaryDataDir>;
  beforeAll(async () => {
    dir = temporaryDataDir();
    handle.dataDir = dir.path;
    handle.chat = await startChatServer({ engine: engine(), dataDir: dir.path, ...options });
  });
  afterAll(async () => {
    await handle.chat.stop();
    dir.remove();
  });
  return handle;
}
