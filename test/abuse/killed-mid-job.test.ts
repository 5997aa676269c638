/**
 * The bot process killed (SIGKILL) while an edit runs, then started again on the same data folder: the edit
 * completes exactly once, its owner sees one result in the web chat, and new edits work.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { temporaryDataDir } from '../bots/web/fixtures/chat-server.ts';
import type { RunningChat } from '../bots/web/fixtures/chat-server.ts';
import { startBot, type BotProcess } from './fixtures/bot-process.ts';
import { printFigures, settle, tally } from './fixtures/figures.ts';
import { noisyPng } from './fixtures/hostile-images.ts';
import { jobRows } from './fixtures/job-rows.ts';
import { sendToChat } from './fixtures/web-client.ts';
import { headersOf } from '../bots/web/fixtures/web-session.ts';

async function chatOf(bot: BotProcess): Promise<RunningChat> {
  const url = (await bot.line('listening ')).slice('listening '.length);
  return { url, dataDir: dir.path } as RunningChat; // the same folder and secret: ann's cookie still proves who she is
}

const completions = (dataDir: string) =>
  existsSync(join(dataDir, 'engine-completions.log'))
    ? readFileSync(join(dataDir, 'engine-completions.log'), 'utf8').split('\n').filter(Boolean)
    : [];

const running: BotProcess[] = [];
const dir = temporaryDataDir();
afterEach(async () => {
  for (const bot of running.splice(0)) {
    if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
    await bot.exited;
  }
});
afterAll(() => {
  dir.remove();
  printFigures('process killed mid-job');
});

describe('the bot process killed mid-job', () => {
  const row = tally('the process killed mid-job (SIGKILL, restart)', 'web chat');

  it('completes the interrupted edit exactly once after a restart, shows it once, and takes new edits', async () => {
    const first = startBot(dir.path, ['--hang-at-step', '2']);
    running.push(first);
    const sent = await sendToChat(await chatOf(first), 'ann', '/edit make it snowy', await noisyPng(32));
    row.sent++;
    const jobId = sent.reply!.jobId!;
    await first.line('step 2 make it snowy');
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startBot(dir.path);
    running.push(second);
    const chat = await chatOf(second);
    await second.line(`event done ${jobId}`);
    row.handled++;
    const ann = await headersOf(chat, 'ann');
    const scrollback = (await (await fetch(new URL('/api/scrollback', chat.url), { headers: ann })).json()) as {
      cards: Array<{ jobId: string; state: string }>;
    };
    expect(scrollback.cards.filter((card) => card.jobId === jobId)).toMatchObject([{ state: 'done' }]);
    expect((await fetch(new URL(`/api/jobs/${jobId}/result`, chat.url), { headers: ann })).status).toBe(200);

    const after = await sendToChat(chat, 'ann', '/edit after the restart', await noisyPng(33));
    row.sent++;
    await second.line(`event done ${after.reply!.jobId!}`);
    row.handled++;
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    // A third start finds nothing left to run: the interrupted edit is not run again.
    const third = startBot(dir.path);
    running.push(third);
    await chatOf(third);
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);

    expect(completions(dir.path).map((line) => line.split(' ').slice(1).join(' '))).toEqual([
      'make it snowy',
      'after the restart',
    ]);
    const rows = jobRows(dir.path);
    expect(rows.map((r) => [r.id, r.status])).toEqual([
      [jobId, 'done'],
      [after.reply!.jobId!, 'done'],
    ]);
    row.duplicated = completions(dir.path).length - rows.length;
    expect(row.duplicated).toBe(0);
    expect(settle(row)).toBe(0);
  });
});
