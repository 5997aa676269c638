/** 🔁 and ❌ on the bot's messages, including messages the client never cached (posted before a restart). */
import type { APIMessage } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, buttonId, jobIdOf } from './harness.ts';
import { gatedPixelEngine } from './pixel-engine.ts';

let world: Harness;
let first: APIMessage;

async function startWithResult(): Promise<void> {
  world = await Harness.start();
  world.discord.slashCommand('edit', { image: await world.photo(), prompt: 'make it snowy', strength: 0.6 });
  first = await world.result();
}

afterEach(() => world.close());

describe('reactions on a result', () => {
  beforeEach(startWithResult);

  it('🔁 makes a variation, answered in the same thread', async () => {
    world.discord.addReaction(first, '🔁');
    const variation = await world.result(2);

    expect(variation.channel_id).toBe(first.channel_id);
    expect(world.core.getJob(jobIdOf(variation))).toMatchObject({ kind: 'variation', parentId: jobIdOf(first) });
    // Its status message answers the message that was reacted on.
    const status = world.core.getJob(jobIdOf(variation))!.messages.find((m) => m.role === 'status')!;
    expect(world.message(status.messageId).message_reference?.message_id).toBe(first.id);
  });

  it('❌ by the owner deletes the result', async () => {
    world.discord.addReaction(first, '❌');
    await world.discord.waitFor((r) => r.method === 'DELETE' && r.path.endsWith(`/messages/${first.id}`));
    expect(world.discord.message(first.id)).toBeUndefined();
    expect(world.core.getJob(jobIdOf(first))?.deleted).toBe(true);
  });

  it('❌ by someone else is taken back and deletes nothing', async () => {
    const bob = world.discord.addUser('bob');
    world.discord.addReaction(first, '❌', bob);
    await world.discord.waitFor(
      (r) => r.method === 'DELETE' && r.path.includes('/reactions/') && r.path.endsWith(`/${bob.id}`),
    );
    expect(world.discord.message(first.id)).toBeDefined();
    expect(world.core.getJob(jobIdOf(first))?.deleted).toBe(false);
  });

  it('other emoji and reactions on other people’s messages are ignored', async () => {
    const someone = world.discord.seedMessage({ content: 'hi' });
    world.discord.addReaction(someone, '🔁');
    world.discord.addReaction(first, '👍');
    world.discord.addReaction(first, '🔁'); // a marker: once this variation is done, the two above were handled
    await world.result(2);
    expect(world.core.queue.stats()).toMatchObject({ queued: 0, running: 0 });
    expect(
      world.discord.requests.filter((r) => r.status === 200 && r.path.endsWith('/messages') && r.method === 'POST'),
    ).toHaveLength(3); // status + result of the variation, and the first result
  });
});

describe('after a restart', () => {
  beforeEach(startWithResult);

  async function restart(): Promise<void> {
    await world.stopBot();
    world = await Harness.start({ discord: world.discord, dataDir: world.dataDir });
  }

  it('🔁 works on a result the new client never cached', async () => {
    await restart();
    const thread = world.bot.client.channels.cache.get(first.channel_id);
    expect(thread && 'messages' in thread ? thread.messages.cache.get(first.id) : undefined).toBeUndefined();

    world.discord.addReaction(first.id, '🔁');
    const variation = await world.result(2);

    expect(world.core.getJob(jobIdOf(variation))?.parentId).toBe(jobIdOf(first));
  });

  it('the result’s buttons still work', async () => {
    await restart();
    world.discord.clickButton(buttonId(first, 'Stronger'), first);
    const strong = await world.result(2);
    expect(world.core.getJob(jobIdOf(strong))?.params.strength).toBe(0.75);
  });
});

describe('❌ on the status message of a running edit', () => {
  it('cancels the edit', async () => {
    const { engine, gate } = gatedPixelEngine();
    world = await Harness.start({ engine });
    const sent = world.discord.slashCommand('edit', { image: await world.photo(), prompt: 'slow' });
    await gate.reached();
    await world.discord.waitFor((r) => r.method === 'PATCH' && r.path.includes(sent.token));
    const status = world.original(sent.id);
    const jobId = world.core.codec.decode(buttonId(status, 'Cancel'))!.jobId;

    world.discord.addReaction(status, '❌');
    await world.discord.waitFor(
      (r) =>
        r.method === 'PATCH' &&
        r.path.includes(sent.token) &&
        /Cancelled/.test(r.fields.payload_json ?? JSON.stringify(r.json ?? '')),
    );
    gate.open();

    expect(world.core.getJob(jobId)?.status).toBe('cancelled');
  });
});
