/** The buttons under results and status messages, and the Remix form, clicked through the fake Discord. */
import type { APIMessage } from 'discord-api-types/v10';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeActionId } from '../../../src/commands/index.ts';
import { Harness, buttonId, jobIdOf } from './harness.ts';
import { gatedPixelEngine } from './pixel-engine.ts';

let world: Harness;
let first: APIMessage;

async function editAndWait(prompt = 'make it snowy', strength = 0.6): Promise<APIMessage> {
  world.discord.slashCommand('edit', { image: await world.photo(), prompt, strength });
  return world.result();
}

describe('result buttons', () => {
  beforeEach(async () => {
    world = await Harness.start();
    first = await editAndWait();
  });
  afterEach(() => world.close());

  it('Variation makes a new edit of the same photo and prompt with a new seed, in the same thread', async () => {
    const click = world.discord.clickButton(buttonId(first, 'Variation'), first);
    const variation = await world.result(2);

    expect(world.discord.interaction(click.id)?.response?.type).toBe(5);
    expect(variation.channel_id).toBe(first.channel_id);
    const parent = world.core.getJob(jobIdOf(first))!;
    const child = world.core.getJob(jobIdOf(variation))!;
    expect(child.parentId).toBe(parent.id);
    expect(child.kind).toBe('variation');
    expect(child.prompt).toBe(parent.prompt);
    expect(child.params.seed).not.toBe(parent.params.seed);
    expect(world.discord.violations).toEqual([]);
  });

  it('Subtle and Strong move the strength one step down and up', async () => {
    world.discord.clickButton(buttonId(first, 'Subtler'), first);
    const subtle = await world.result(2);
    world.discord.clickButton(buttonId(first, 'Stronger'), first);
    const strong = await world.result(3);

    expect(world.core.getJob(jobIdOf(subtle))?.params.strength).toBe(0.45);
    expect(world.core.getJob(jobIdOf(strong))?.params.strength).toBe(0.75);
    expect(subtle.content).toContain('strength 0.45');
  });

  it('Remix opens a form filled with the prompt and strength, and its submission runs the new prompt', async () => {
    const remixId = buttonId(first, 'Remix');
    const click = world.discord.clickButton(remixId, first);
    await world.discord.waitFor((r) => r.path.includes(click.token) && r.path.endsWith('/callback'));
    const modal = world.discord.interaction(click.id)?.modal as {
      custom_id: string;
      components: Array<{ components: Array<{ custom_id: string; value?: string }> }>;
    };
    const values = Object.fromEntries(
      modal.components.map((row) => [row.components[0]!.custom_id, row.components[0]!.value]),
    );
    expect(values).toEqual({ prompt: 'make it snowy', strength: '0.6' });

    world.discord.submitModal(modal.custom_id, { prompt: 'make it sunny', strength: '0.8' }, { message: first });
    const remix = await world.result(2);

    const job = world.core.getJob(jobIdOf(remix))!;
    expect(job).toMatchObject({ kind: 'remix', prompt: 'make it sunny', parentId: jobIdOf(first) });
    expect(job.params.strength).toBe(0.8);
  });

  it.each([
    ['the Compare button', () => buttonId(first, 'Compare')],
    // Before compare was a core action, its button was a signed `info` id with the argument `compare`.
    [
      'a Compare button posted before compare was a core action',
      () => world.core.codec.encode({ action: 'info', jobId: jobIdOf(first), arg: 'compare' }),
    ],
  ])('%s shows the photo and the result side by side, only to whoever clicked', async (_name, compareId) => {
    const click = world.discord.clickButton(compareId(), first);
    const answer = await world.discord.waitFor(
      (r) => r.method === 'PATCH' && r.path.includes(click.token) && r.files.length > 0,
    );

    const pair = await sharp(answer.files[0]!.data).metadata();
    expect(pair.height).toBe(32); // both halves at the result's height
    expect(pair.width).toBe(32 + 8 + 32); // source (square) + gap + result
    expect(world.original(click.id).flags! & 64).toBe(64); // ephemeral
  });

  it('Delete removes the result and the status message for the owner', async () => {
    const statusId = first.channel_id; // the thread was started on the status message and shares its id
    const click = world.discord.clickButton(buttonId(first, 'Delete'), first);

    expect(await world.ephemeralText(click.id)).toBe('Deleted.');
    expect(world.discord.message(first.id)).toBeUndefined();
    expect(world.discord.message(statusId)).toBeUndefined();
    expect(world.core.getJob(jobIdOf(first))?.deleted).toBe(true);
  });

  it('Delete by someone else is refused privately and deletes nothing', async () => {
    const bob = world.discord.addUser('bob');
    const click = world.discord.clickButton(buttonId(first, 'Delete'), first, { user: bob });

    expect(await world.ephemeralText(click.id)).toMatch(/Only the person who started this edit/);
    expect(world.discord.message(first.id)).toBeDefined();
  });

  it('a forged button (altered job id) is refused privately', async () => {
    const genuine = buttonId(first, 'Variation');
    const forged = genuine.replace(
      /^(rf1\.v\.)([^.]+)/,
      (_, head: string, id: string) => head + (id[0] === 'A' ? 'B' : 'A') + id.slice(1),
    );
    const click = world.discord.clickButton(forged, first);

    expect(await world.ephemeralText(click.id)).toMatch(/not valid here/);
    expect(world.discord.violations).toEqual([]);
  });

  it('a button of another bot (or signed with another secret) is refused privately', async () => {
    const foreign = world.discord.seedMessage({ author: world.discord.botUser, content: 'from elsewhere' });
    const otherSecret = encodeActionId({ action: 'variation', jobId: jobIdOf(first) }, 'some-other-bot-secret-123');
    const clickA = world.discord.clickButton('v1:vary:42', foreign);
    const clickB = world.discord.clickButton(otherSecret, foreign);

    expect(await world.ephemeralText(clickA.id)).toMatch(/not valid here/);
    expect(await world.ephemeralText(clickB.id)).toMatch(/not valid here/);
  });

  it('Info answers privately with the parameters and seed', async () => {
    const click = world.discord.clickButton(buttonId(first, 'Info'), first);
    expect(await world.ephemeralText(click.id)).toMatch(/Seed: \d+/);
  });
});

describe('Cancel', () => {
  afterEach(() => world.close());

  it('stops a running edit and says so on its status message', async () => {
    const { engine, gate } = gatedPixelEngine();
    world = await Harness.start({ engine });
    const sent = world.discord.slashCommand('edit', { image: await world.photo(), prompt: 'slow' });
    await gate.reached();
    const status = await world.discord.waitFor(
      (r) =>
        r.method === 'PATCH' && r.path.includes(sent.token) && (r.responseBody as APIMessage).components?.length === 1,
    );
    const statusMessage = status.responseBody as APIMessage;

    const click = world.discord.clickButton(buttonId(statusMessage, 'Cancel'), statusMessage);
    expect(await world.ephemeralText(click.id)).toMatch(/Stopping your edit/);
    gate.open();

    await world.discord.waitFor(
      (r) =>
        r.method === 'PATCH' &&
        r.path.includes(sent.token) &&
        /Cancelled/.test(r.fields.payload_json ?? JSON.stringify(r.json ?? '')),
    );
    expect(world.original(sent.id).components).toEqual([]);
    const jobId = world.core.codec.decode(buttonId(statusMessage, 'Cancel'))!.jobId;
    expect(world.core.getJob(jobId)?.status).toBe('cancelled');
  });
});
