/** Gateway drops, rate limits, expired interaction tokens and restarts in the middle of a job. */
import { once } from 'node:events';
import { Events } from 'discord.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeDiscord } from '../../fakes/discord.ts';
import { Harness, customIds, isResultPost, jobIdOf } from './harness.ts';
import { gatedPixelEngine } from './pixel-engine.ts';

let world: Harness | undefined;
let ownFake: FakeDiscord | undefined;

afterEach(async () => {
  await world?.close();
  await ownFake?.close();
  world = undefined;
  ownFake = undefined;
});

describe('a dropped gateway connection', () => {
  it('does not lose a running edit: the client reconnects and the result still arrives', async () => {
    const { engine, gate } = gatedPixelEngine();
    world = await Harness.start({ engine });
    const { discord } = world;
    discord.slashCommand('edit', { image: await world.photo(), prompt: 'storm' });
    await gate.reached();

    const resumed = once(world.bot.client, Events.ShardResume);
    discord.dropGateway('abrupt');
    gate.open();
    await world.result();
    await resumed;

    // And the reconnected client still takes commands.
    discord.slashCommand('edit', { image: await world.photo(), prompt: 'after' });
    await world.result(2);
    expect(discord.violations).toEqual([]);
  });
});

describe('a rate-limited REST call', () => {
  it('is retried after Retry-After and the result is posted', async () => {
    world = await Harness.start();
    const { discord } = world;
    discord.rateLimitNext(isResultPost, { retryAfterS: 0.05 });
    discord.slashCommand('edit', { image: await world.photo(), prompt: 'busy' });

    await world.result();

    expect(discord.requests.filter(isResultPost).map((r) => r.status)).toEqual([429, 200]);
  });
});

describe('a result Discord refuses to take', () => {
  it('is shown in the interaction’s own reply while its token lives', async () => {
    world = await Harness.start();
    const { discord } = world;
    discord.failNext(isResultPost, 403, 50013, 'Missing Permissions');
    const sent = discord.slashCommand('edit', { image: await world.photo(), prompt: 'forbidden' });
    const status = await world.statusMatching(sent.id, /forbidden.*seed/);
    expect(status.attachments[0]?.filename).toMatch(/^rfedit-.+\.png$/);
    expect(customIds(status).length).toBeGreaterThan(0);
    await vi.waitFor(() => expect(world!.core.getJob(jobIdOf(status))?.deliveredAt).not.toBeNull());
  });

  it('tells the owner on the status message and leaves the job undelivered for a retry after restart, once the token is gone', async () => {
    world = await Harness.start({ bot: { interactionTokenLifetimeMs: 0 } });
    const { discord } = world;
    discord.failNext(isResultPost, 403, 50013, 'Missing Permissions');
    discord.slashCommand('edit', { image: await world.photo(), prompt: 'forbidden' });

    // Without the token the status message is the bot's own channel message, edited with the bot token.
    const edit = await discord.waitFor(
      (r) =>
        r.method === 'PATCH' && /could not post the result/.test(r.fields.payload_json ?? JSON.stringify(r.json ?? '')),
    );

    expect(edit.status).toBe(200);
    const jobId = /job:(\S+)/.exec((edit.responseBody as { content: string }).content)![1]!.replace(/\.$/, '');
    expect(world.core.getJob(jobId)?.deliveredAt).toBeNull();
  });
});

describe('a job that outlives the 15-minute interaction token', () => {
  it('carries on through normal bot messages', async () => {
    let nowMs = 1_800_000_000_000;
    const now = () => nowMs;
    ownFake = await FakeDiscord.start({ now });
    const { engine, gate } = gatedPixelEngine();
    world = await Harness.start({ discord: ownFake, engine, now });
    const sent = ownFake.slashCommand('edit', { image: await world.photo(), prompt: 'slow burn' });
    await gate.reached();
    await ownFake.waitFor((r) => r.method === 'PATCH' && r.path.includes(sent.token));

    nowMs += 16 * 60_000;
    gate.open();
    const result = await world.result();
    const statusId = world.original(sent.id).id;
    const botEdit = `/api/v10/channels/${ownFake.channel.id}/messages/${statusId}`;
    await ownFake.waitFor(
      (r) =>
        r.method === 'PATCH' &&
        r.path === botEdit &&
        /done, the result is in the thread/.test(JSON.stringify(r.json ?? r.fields)),
    );

    const status = world.original(sent.id);
    expect(status.content).toContain('done, the result is in the thread');
    expect(result.channel_id).toBe(status.id);
    expect(ownFake.violations).toEqual([]);
  });
});

describe('a restart in the middle of edits', () => {
  it('resumes them and finishes each in its own status message and thread', async () => {
    const { engine, gate } = gatedPixelEngine();
    world = await Harness.start({ engine });
    const { discord } = world;
    const running = discord.slashCommand('edit', { image: await world.photo(), prompt: 'running' });
    await gate.reached();
    const waiting = discord.slashCommand('edit', { image: await world.photo(), prompt: 'waiting' });
    await discord.waitFor((r) => r.method === 'PATCH' && r.path.includes(waiting.token));
    await discord.waitFor((r) => r.method === 'PATCH' && r.path.includes(running.token));

    await world.stopBot(); // the running edit is stopped and put back in line
    world = await Harness.start({ discord, dataDir: world.dataDir });
    const results = [await world.result(1), await world.result(2)];

    for (const [sent, prompt] of [
      [running, 'running'],
      [waiting, 'waiting'],
    ] as const) {
      const statusId = world.original(sent.id).id;
      const result = results.find((r) => r.content.includes(`“${prompt}”`))!;
      expect(result.channel_id).toBe(statusId);
    }
    expect(discord.violations).toEqual([]);
  });
});
