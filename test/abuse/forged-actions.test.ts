/**
 * Buttons used by the wrong person, altered, or replayed after their job is gone, on Discord and the web chat.
 * The answer is always a clear private refusal; nothing is cancelled, deleted or run that should not be.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Harness, buttonId, jobIdOf } from '../bots/discord/harness.ts';
import { gatedPixelEngine } from '../bots/discord/pixel-engine.ts';
import { TestEngine } from '../jobs/fixtures/test-engines.ts';
import { printFigures, refuse, settle, tally } from './fixtures/figures.ts';
import { noisyPng } from './fixtures/hostile-images.ts';
import { jobRows } from './fixtures/job-rows.ts';
import { postToChat, sendToChat } from './fixtures/web-client.ts';
import { headersOf } from '../bots/web/fixtures/web-session.ts';
import { discordStillEdits, runningStatusMessage, webChatForBlock } from './shared.ts';

const NOT_OWNER = 'Only the person who started this edit';
const GONE = 'I cannot find that edit';
const ALTERED = 'not valid here';

afterAll(() => printFigures('forged and replayed buttons'));

/** The same signed id with one character of its signature changed. */
function tampered(actionId: string): string {
  const last = actionId.at(-1)!;
  return `${actionId.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`;
}

describe('Discord', () => {
  const row = tally('forged and replayed buttons', 'Discord buttons');
  let world: Harness;
  afterEach(() => world.close());

  it('another user’s Cancel on a running edit is refused, and the edit still finishes exactly once', async () => {
    const { engine, gate } = gatedPixelEngine();
    world = await Harness.start({ engine });
    const sent = world.discord.slashCommand('edit', { image: await world.photo(), prompt: 'slow' });
    await gate.reached();
    const statusMessage = await runningStatusMessage(world, sent);
    const cancel = buttonId(statusMessage, 'Cancel');
    const bob = world.discord.addUser('bob');

    const byBob = world.discord.clickButton(cancel, statusMessage, { user: bob });
    const altered = world.discord.clickButton(tampered(cancel), statusMessage);
    row.sent += 2;
    expect(await world.ephemeralText(byBob.id)).toContain(NOT_OWNER);
    expect(await world.ephemeralText(altered.id)).toContain(ALTERED);
    refuse(row, 'not_owner');
    refuse(row, 'action_invalid');

    gate.open();
    const result = await world.result();
    const jobs = jobRows(world.dataDir);
    expect(jobs.map((j) => [j.id, j.status])).toEqual([[jobIdOf(result), 'done']]);
    expect(engine.inner.completed).toBe(1);
    expect(settle(row)).toBe(0);
  });

  it('buttons replayed after their job was deleted are refused and start nothing', async () => {
    world = await Harness.start();
    world.discord.slashCommand('edit', { image: await world.photo(), prompt: 'make it snowy' });
    const first = await world.result();
    const ids = {
      delete: buttonId(first, 'Delete'),
      variation: buttonId(first, 'Variation'),
      subtle: buttonId(first, 'Subtler'),
    };
    const bob = world.discord.addUser('bob');

    const bobDeletes = world.discord.clickButton(ids.delete, first, { user: bob });
    row.sent++;
    expect(await world.ephemeralText(bobDeletes.id)).toContain(NOT_OWNER);
    refuse(row, 'not_owner');
    expect(world.discord.message(first.id)).toBeDefined();

    const deletes = world.discord.clickButton(ids.delete, first);
    row.sent++;
    expect(await world.ephemeralText(deletes.id)).toBe('Deleted.');
    row.handled++;

    // The message is gone on Discord; a replay carries the old ids on any message.
    const elsewhere = world.discord.seedMessage({ author: world.discord.botUser, content: 'an old copy' });
    for (const id of [ids.delete, ids.variation, ids.subtle]) {
      const replay = world.discord.clickButton(id, elsewhere);
      row.sent++;
      expect(await world.ephemeralText(replay.id)).toContain(GONE);
      refuse(row, 'job_not_found');
    }
    expect(jobRows(world.dataDir)).toHaveLength(1);
    await discordStillEdits(world, 2);
    expect(jobRows(world.dataDir)).toHaveLength(2);
    expect(settle(row)).toBe(0);
  });
});

describe('web chat', () => {
  const row = tally('forged and replayed buttons', 'web chat buttons and reactions');
  const web = webChatForBlock(() => new TestEngine());

  it('another user cannot delete, react to or vary a job (web jobs are private); altered ids and replays after delete are refused', async () => {
    const { chat, dataDir } = web;
    const sent = await sendToChat(chat, 'ann', '/edit make it snowy', await noisyPng(32));
    await chat.core.queue.onIdle();
    const jobId = sent.reply!.jobId!;
    const card = (await (
      await fetch(new URL('/api/scrollback', chat.url), { headers: await headersOf(chat, 'ann') })
    ).json()) as { cards: Array<{ jobId: string; buttons: Array<{ label: string; actionId?: string }> }> };
    const buttons = card.cards.find((c) => c.jobId === jobId)!.buttons;
    const actionOf = (label: string) => buttons.find((b) => b.label === label)!.actionId!;
    const thread = sent.reply!.threadId;

    const attempts: Array<{ user: string; path: string; body: object; code: string }> = [
      {
        user: 'mallory',
        path: '/api/action',
        body: { actionId: actionOf('Delete'), threadId: thread },
        code: 'job_not_found',
      },
      { user: 'mallory', path: '/api/react', body: { jobId, emoji: '❌', threadId: thread }, code: 'job_not_found' },
      {
        user: 'mallory',
        path: '/api/action',
        body: { actionId: actionOf('Variation'), threadId: thread },
        code: 'job_not_found',
      },
      {
        user: 'ann',
        path: '/api/action',
        body: { actionId: tampered(actionOf('Delete')), threadId: thread },
        code: 'action_invalid',
      },
    ];
    for (const attempt of attempts) {
      const answer = await postToChat(chat, attempt.user, attempt.path, attempt.body);
      row.sent++;
      expect(answer.reply, JSON.stringify(attempt)).toMatchObject({ code: attempt.code, ephemeral: true });
      refuse(row, attempt.code);
    }
    expect(chat.core.getJob(jobId)).toMatchObject({ status: 'done', deleted: false });

    const deleted = await postToChat(chat, 'ann', '/api/action', { actionId: actionOf('Delete'), threadId: thread });
    row.sent++;
    expect(deleted.reply?.code).toBeUndefined();
    row.handled++;
    for (const label of ['Delete', 'Variation', 'Subtler']) {
      const replay = await postToChat(chat, 'ann', '/api/action', { actionId: actionOf(label), threadId: thread });
      row.sent++;
      expect(replay.reply).toMatchObject({ code: 'job_not_found', text: expect.stringContaining(GONE) });
      refuse(row, 'job_not_found');
    }
    expect(jobRows(dataDir)).toHaveLength(1);
    expect(settle(row)).toBe(0);
  });
});
