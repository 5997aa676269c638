/**
 * Gateway sharding (issue 12): Discord closes an unsharded connection above 2,500 servers (4011) and sends each
 * server's events to one shard only (`(guild_id >> 22) % shard_count`). The bot follows Discord's recommended shard
 * count by default, and several replicas each run the shard ids they are configured for.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { shardOf, type FakeDiscord } from '../../fakes/discord.ts';
import { Harness, isResultPost } from './harness.ts';

let discord: FakeDiscord | undefined;
let replicas: Harness[] = [];

afterEach(async () => {
  for (const replica of replicas) await replica.close();
  replicas = [];
  await discord?.close();
  discord = undefined;
});

describe('gateway shards', () => {
  it('runs as many shards as Discord recommends by default, so a bot in more servers than one session may hold still connects', async () => {
    discord = await Harness.startFake({ rules: { maxGuildsPerShard: 1, guildsPerRecommendedShard: 1 } });
    const second = discord.addGuild('Second', { shard: [1 - shardOf(discord.guild.id, 2), 2] });
    replicas.push(await Harness.start({ discord }));
    expect(discord.gateway.shards.sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(discord.gateway.closeCodes).toEqual([]);

    const photo = await replicas[0]!.photo();
    discord.slashCommand('edit', { image: photo, prompt: 'first server' });
    discord.slashCommand('edit', { image: photo, prompt: 'second server' }, { channel: second.channel });
    await discord.waitFor((r) => r.status === 200 && isResultPost(r), { nth: 2 });
    expect(discord.violations).toEqual([]);
  });

  it('with two replicas, each runs its own shard and answers only its servers’ commands, each exactly once', async () => {
    discord = await Harness.startFake();
    const first = { guild: discord.guild, channel: discord.channel };
    const second = discord.addGuild('Second', { shard: [1 - shardOf(discord.guild.id, 2), 2] });
    replicas.push(await Harness.start({ discord, bot: { shards: [0], shardCount: 2 } }));
    replicas.push(await Harness.start({ discord, bot: { shards: [1], shardCount: 2 } }));
    expect(discord.gateway.shards.sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);

    const photo = await replicas[0]!.photo();
    for (let round = 0; round < 2; round++) {
      discord.slashCommand('edit', { image: photo, prompt: `first server ${round}` }, { channel: first.channel });
      discord.slashCommand('edit', { image: photo, prompt: `second server ${round}` }, { channel: second.channel });
    }
    await discord.waitFor((r) => r.status === 200 && isResultPost(r), { nth: 4 });

    const owner = (guildId: string) => replicas[shardOf(guildId, 2)]!;
    expect(promptsHandledBy(owner(first.guild.id))).toEqual(['first server 0', 'first server 1']);
    expect(promptsHandledBy(owner(second.guild.id))).toEqual(['second server 0', 'second server 1']);
    // Nobody answered an interaction twice (a second callback would be 40060).
    expect(discord.violations).toEqual([]);
  });
});

/** The prompts of the results posted in the fake whose jobs live in this replica's own store. */
function promptsHandledBy(replica: Harness): string[] {
  return replica.discord
    .allMessages()
    .flatMap((m) => {
      const id = /^rfedit-(.+)\.\w+$/.exec(m.attachments[0]?.filename ?? '')?.[1];
      const job = id === undefined ? null : replica.core.getJob(id);
      return job ? [job.prompt] : [];
    })
    .sort();
}
