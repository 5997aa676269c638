/**
 * Faults behind the chat: the engine throwing, the engine hanging, the disk filling up while a result is saved.
 * Each time the job fails with a message its owner reads, the failure is recorded, and the next edit runs.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Harness } from '../bots/discord/harness.ts';
import { PixelEngine } from '../bots/discord/pixel-engine.ts';
import { startChatServer, temporaryDataDir, type RunningChat } from '../bots/web/fixtures/chat-server.ts';
import type { EditEngine, EditRequest } from '../../src/engine/types.ts';
import { ModelError } from '../../src/errors.ts';
import { ImageStore } from '../../src/jobs/image-store.ts';
import { MemoryJobQueue } from '../../src/jobs/memory-queue.ts';
import { TestEngine, deferred } from '../jobs/fixtures/test-engines.ts';
import { printFigures, refuse, settle, tally } from './fixtures/figures.ts';
import { noisyPng } from './fixtures/hostile-images.ts';
import { jobRows } from './fixtures/job-rows.ts';
import { sendToChat } from './fixtures/web-client.ts';
import { discordSaid, discordStillEdits, webStillEdits } from './shared.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => printFigures('engine and disk faults'));

/** Steps that fail for prompts naming a fault: "crash" (an unknown error) or "model" (a ModelError with its own message). */
function faultyEngine(): TestEngine {
  return new TestEngine({
    beforeStep: async (request: EditRequest) => {
      if (request.prompt.includes('crash')) throw new Error('segfault in the transformer');
      if (request.prompt.includes('model'))
        throw new ModelError(
          'model_out_of_memory',
          'The model ran out of GPU memory on this photo. Try a smaller one.',
        );
    },
  });
}

async function webChat(
  engine: EditEngine,
  core: Parameters<typeof startChatServer>[0]['core'] = {},
): Promise<RunningChat> {
  const dir = temporaryDataDir();
  const chat = await startChatServer({ engine, dataDir: dir.path, core });
  cleanups.push(
    () => dir.remove(),
    () => chat.stop(),
  );
  return chat;
}

describe('the engine throws', () => {
  const row = tally('the engine throwing', 'Discord /edit');

  it('fails the job with a message on its status, records why, and runs the next edit', async () => {
    const world = await Harness.start({ engine: new PixelEngine(faultyEngine(), { previews: false }) });
    cleanups.push(() => world.close());
    world.discord.slashCommand('edit', { image: await world.photo('a.png', 'a'), prompt: 'crash please' });
    world.discord.slashCommand('edit', { image: await world.photo('b.png', 'b'), prompt: 'model trouble' });
    row.sent += 2;
    await discordSaid(world.discord, 'Something went wrong on our side (reference');
    await discordSaid(world.discord, 'The model ran out of GPU memory on this photo.');
    refuse(row, 'internal');
    refuse(row, 'model_out_of_memory');
    await discordStillEdits(world, 1);
    row.sent++;
    row.handled++;
    const rows = jobRows(world.dataDir);
    // The two failing edits race each other in; the store has each once, then the normal edit.
    expect(rows.map((r) => [r.prompt, r.status, r.errorCode]).sort()).toEqual([
      ['crash please', 'failed', 'internal'],
      ['model trouble', 'failed', 'model_out_of_memory'],
      ['still working 1', 'done', null],
    ]);
    expect(settle(row)).toBe(0);
  });
});

describe('the engine hangs', () => {
  const row = tally('the engine hanging (time limit)', 'web chat');

  it('stops a job at the time limit with a message, and the job queued behind it runs', async () => {
    // Hangs until aborted, as an engine checking its signal between steps does.
    const engine = new TestEngine({
      beforeStep: (request) =>
        request.prompt.includes('hang')
          ? new Promise<void>((resolve) => request.signal?.addEventListener('abort', () => resolve(), { once: true }))
          : Promise.resolve(),
    });
    const chat = await webChat(engine, { queue: { jobTimeoutMs: 200 } });
    const stuck = await sendToChat(chat, 'ann', '/edit hang forever', await noisyPng(24));
    const behind = await sendToChat(chat, 'bob', '/edit make it snowy', await noisyPng(25));
    row.sent += 2;
    await chat.core.queue.onIdle();
    expect(chat.core.getJob(stuck.reply!.jobId!)).toMatchObject({ status: 'failed', error: { code: 'job_timeout' } });
    expect(chat.core.getJob(stuck.reply!.jobId!)?.error?.userMessage).toMatch(/took longer than the 1-minute limit/);
    refuse(row, 'job_timeout');
    expect(chat.core.getJob(behind.reply!.jobId!)?.status).toBe('done');
    row.handled++;
    expect(settle(row)).toBe(0);
  });

  // An engine stuck in a call that never returns (a hung native session) ignores the abort: the queue takes the
  // slot back a while after the time limit (min(5 s, limit)), fails the job, and runs the next one.
  it('fails a job whose engine ignores the abort and never returns, and runs the next one', async () => {
    const never = deferred();
    const engine = new TestEngine({
      beforeStep: (request) => (request.prompt.includes('hang') ? never.promise : Promise.resolve()),
    });
    const chat = await webChat(engine, { queue: { jobTimeoutMs: 100 } });
    cleanups.push(() => never.resolve()); // let the stuck edit go, so the chat can stop
    const stuck = await sendToChat(chat, 'ann', '/edit hang for real', await noisyPng(24));
    const behind = await sendToChat(chat, 'bob', '/edit make it snowy', await noisyPng(25));
    const finished = new Promise<void>((resolve) =>
      chat.core.events.subscribe(behind.reply!.jobId!, (event) => event.type === 'done' && resolve()),
    );
    // Bounded so the expected failure is quick: the second job would finish within a few ms of the first's limit.
    await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 1_500))]);
    expect(chat.core.getJob(stuck.reply!.jobId!)?.status).toBe('failed');
    expect(chat.core.getJob(behind.reply!.jobId!)?.status).toBe('done');
  });
});

/** An image store whose disk fills up on demand: writes then fail as Node reports a full disk. */
class FillingDisk extends ImageStore {
  full = false;
  override async put(bytes: Uint8Array): Promise<string> {
    if (this.full)
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
        code: 'ENOSPC',
        errno: -28,
        syscall: 'write',
      });
    return super.put(bytes);
  }
}

describe('the disk is full when a result is saved', () => {
  const row = tally('the disk full when saving a result', 'web chat');

  it('fails the job with a message and a reference, keeps its record and source, and edits again once there is room', async () => {
    const dir = temporaryDataDir();
    const disk = new FillingDisk(join(dir.path, 'images'));
    const errors: unknown[] = [];
    const chat = await startChatServer({
      engine: new TestEngine(),
      dataDir: dir.path,
      core: {
        onError: (error) => errors.push(error),
        // The queue saves results through the filling disk; uploads go through the core's own store (same folder).
        createQueue: ({ engine, store }) =>
          new MemoryJobQueue({
            engine: engine!,
            store,
            images: disk,
            options: { progressIntervalMs: 0 },
            onError: (error) => errors.push(error),
          }),
      },
    });
    cleanups.push(
      () => dir.remove(),
      () => chat.stop(),
    );

    disk.full = true;
    const answer = await sendToChat(chat, 'ann', '/edit make it snowy', await noisyPng(24));
    row.sent++;
    await chat.core.queue.onIdle();
    const job = chat.core.getJob(answer.reply!.jobId!)!;
    expect(job).toMatchObject({ status: 'failed', error: { code: 'disk_full' }, result: null });
    expect(job.error?.userMessage).toMatch(/ran out of disk space while saving your result.*try again later/);
    expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toContain('ENOSPC');
    expect(await chat.core.readImage({ hash: job.sourceHash })).toBeDefined();
    refuse(row, 'disk_full');

    disk.full = false;
    await webStillEdits(chat);
    row.sent++;
    row.handled++;
    expect(jobRows(dir.path).map((r) => r.status)).toEqual(['failed', 'done']);
    expect(settle(row)).toBe(0);
  });
});
