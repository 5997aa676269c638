/** /edit from the slash command to the result in its thread, against the fake Discord and the real discord.js. */
import { ApplicationCommandOptionType, ChannelType } from 'discord-api-types/v10';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../../fakes/discord.ts';
import { Harness, buttonLabels, isResultPost, jobIdOf } from './harness.ts';
import { PixelEngine, gatedPixelEngine } from './pixel-engine.ts';

let world: Harness | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('the /edit command', () => {
  it('defers, shows the queue, then posts the result with its buttons in a thread made for the edit', async () => {
    world = await Harness.start();
    const { discord } = world;
    const sent = discord.slashCommand('edit', { image: await world.photo(), prompt: 'make it snowy', strength: 0.6 });

    const result = await world.result();

    expect(discord.interaction(sent.id)?.response?.type).toBe(5); // deferred
    const status = world.original(sent.id);
    const thread = discord.channelById(result.channel_id);
    expect(thread?.type).toBe(ChannelType.PublicThread);
    expect(result.channel_id).toBe(status.id); // a thread started on the status message
    expect(result.content).toContain(`<@${discord.user.id}>`);
    expect(result.content).toContain('“make it snowy”');
    expect(result.content).toMatch(/strength 0\.6 · seed \d+/);
    expect(result.attachments).toHaveLength(1);
    expect(buttonLabels(result)).toEqual([
      'Variation',
      'Subtler',
      'Stronger',
      'Remix',
      'Sweep',
      'Info',
      'Compare',
      'Delete',
    ]);
    expect(discord.violations).toEqual([]);
  });

  it('passes the options to the edit', async () => {
    world = await Harness.start();
    world.discord.slashCommand('edit', {
      image: await world.photo(),
      prompt: 'a castle',
      strength: 0.3,
      seed: integer(42),
      steps: integer(3),
    });
    const result = await world.result();
    const job = world.core.getJob(jobIdOf(result));
    expect(job?.params).toMatchObject({ strength: 0.3, seed: 42, steps: 3 });
  });

  it('defers within Discord’s 3 s even while the engine is busy with another edit', async () => {
    const { engine, gate } = gatedPixelEngine();
    world = await Harness.start({ engine });
    const { discord } = world;
    discord.slashCommand('edit', { image: await world.photo(), prompt: 'first' });
    await gate.reached(); // the engine is inside the first edit and will not come out until released

    const second = discord.slashCommand('edit', { image: await world.photo(), prompt: 'second' });
    await discord.waitFor((r) => r.path === `/api/v10/interactions/${second.id}/${second.token}/callback`);
    const queued = await discord.waitFor(
      (r) =>
        r.method === 'PATCH' &&
        r.path.includes(second.token) &&
        /in line/.test(String((r.json as { content?: string } | undefined)?.content ?? r.fields.payload_json ?? '')),
    );

    expect(discord.interaction(second.id)?.response?.type).toBe(5);
    expect(String(queued.fields.payload_json ?? JSON.stringify(queued.json))).toMatch(/next in line, starts <t:\d+:R>/);
    expect(discord.violations).toEqual([]);
    gate.open();
    await world.result(2);
  });

  it('shows progress with a small preview and a Cancel button while the edit runs', async () => {
    const { engine, gate } = gatedPixelEngine();
    world = await Harness.start({ engine });
    const { discord } = world;
    const sent = discord.slashCommand('edit', { image: await world.photo(), prompt: 'glow' });
    await gate.reached();
    gate.release(); // step 1 reports progress

    const progress = await discord.waitFor(
      (r) => r.method === 'PATCH' && r.path.includes(sent.token) && r.files.some((f) => f.filename === 'preview.png'),
    );

    const preview = await sharp(progress.files[0]!.data).metadata();
    expect(Math.max(preview.width!, preview.height!)).toBeLessThanOrEqual(256);
    expect(JSON.parse(progress.fields.payload_json!).content).toMatch(/Editing “glow”… `█+░*` \d+%/);
    expect(buttonLabels(world.original(sent.id))).toEqual(['Cancel']);
    gate.open();
    await world.result();
  });

  it('edits the status at most every 2.5 s: four steps in one instant never show the middle ones', async () => {
    const frozen = () => 1_800_000_000_000;
    const discord = await FakeDiscord.start({ now: frozen });
    world = await Harness.start({ discord, now: frozen });
    try {
      const sent = discord.slashCommand('edit', { image: await world.photo(), prompt: 'steps' });
      await world.result();
      const progressEdits = discord.requests.filter(
        (r) => r.method === 'PATCH' && r.path.includes(sent.token) && /\d+% \(edit\)/.test(r.fields.payload_json ?? ''),
      );
      const percents = progressEdits.map((r) => /(\d+)%/.exec(r.fields.payload_json!)![1]);
      // Steps 2 and 3 are throttled; step 1 may also be replaced by step 4 if it had not gone out yet.
      expect(percents.filter((p) => p !== '25')).toEqual(['100']);
    } finally {
      await world.close();
      world = undefined;
      await discord.close();
    }
  });

  it('replies in the DM instead of making a thread', async () => {
    world = await Harness.start();
    const { discord } = world;
    const dm = discord.dmChannel();
    const sent = discord.slashCommand('edit', { image: await world.photo(), prompt: 'sepia' }, { channel: dm });

    const result = await world.result();

    expect(result.channel_id).toBe(dm.id);
    expect(result.message_reference?.message_id).toBe(world.original(sent.id).id);
    expect(discord.violations).toEqual([]);
  });

  it('marks the status message done and points to the result', async () => {
    world = await Harness.start();
    const sent = world.discord.slashCommand('edit', { image: await world.photo(), prompt: 'rain' });
    const result = await world.result();
    await world.discord.waitFor(
      (r) =>
        r.method === 'PATCH' &&
        r.path.includes(sent.token) &&
        /done, the result/.test(r.fields.payload_json ?? JSON.stringify(r.json ?? '')),
    );
    expect(world.original(sent.id).content).toContain(`in the thread <#${result.channel_id}>`);
    expect(world.original(sent.id).components).toEqual([]);
  });
});

describe('the upload limit', () => {
  it('re-encodes a result that is over the server’s bot upload limit, whatever the user’s own (Nitro) limit', async () => {
    // The server's limit for the bot's own posts stands at 60 kB here; the user's interaction allows 25 MiB.
    world = await Harness.start({
      engine: new PixelEngine(undefined, { sizePx: 256, noise: true }),
      fake: { rules: { uploadLimitBytes: 60_000 } },
      bot: { defaultUploadLimitBytes: 60_000 },
    });
    const { discord } = world;
    discord.slashCommand(
      'edit',
      { image: await world.photo(), prompt: 'noise' },
      { attachmentSizeLimit: 25 * 1024 * 1024 },
    );
    const post = await discord.waitFor((r) => r.status === 200 && isResultPost(r));
    expect(post.files[0]!.filename).toMatch(/\.jpg$/);
    expect(post.files[0]!.data.length).toBeLessThanOrEqual(60_000);
    expect(discord.violations).toEqual([]);
  });
});

/** Discord types whole-number options as INTEGER; the fake's plain numbers are NUMBER. */
function integer(value: number) {
  return { type: ApplicationCommandOptionType.Integer, value };
}
