import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { assembleCore, type CoreAssembly } from '../../src/app.ts';
import type { BotCore, CommandContext } from '../../src/commands/index.ts';
import { TestEngine, gatedEngine } from '../jobs/fixtures/test-engines.ts';

const SECRET = 'moderation-test-secret-0123456789';
const DAY = 86_400_000;

function ctxFor(user: string, isAdmin = false): CommandContext {
  return {
    user: { platform: 'discord', id: user, name: user },
    place: { platform: 'discord', guildId: 'g1', channelId: 'c1' },
    isAdmin,
  };
}
const ann = ctxFor('ann');
const mod = ctxFor('mod', true);

describe('moderation', () => {
  const cores: BotCore[] = [];
  const dirs: string[] = [];
  let clock = Date.UTC(2026, 10, 24, 9, 0, 0);

  async function open(options: Partial<CoreAssembly> = {}) {
    const dataDir = mkdtempSync(join(tmpdir(), 'rfedit-moderation-'));
    dirs.push(dataDir);
    const core = assembleCore({ engine: new TestEngine(), dataDir, secret: SECRET, now: () => clock, ...options });
    cores.push(core);
    await core.start();
    return core;
  }
  const photo = () =>
    sharp({ create: { width: 32, height: 24, channels: 3, background: '#468' } })
      .png()
      .toBuffer();
  const edit = async (core: BotCore, ctx: CommandContext, prompt = 'make it snowy') =>
    core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt }, ctx);

  afterEach(async () => {
    for (const core of cores.splice(0)) await core.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a prompt matching a blocked pattern and says which rule matched', async () => {
    const core = await open({ limits: { blockedPatterns: ['nud(e|ity)', '\\bgore\\b'] } });
    const reply = await edit(core, ann, 'Artistic NUDITY study');
    expect(reply).toMatchObject({ code: 'prompt_blocked', ephemeral: true });
    expect(reply.text).toContain('/nud(e|ity)/');
    expect((await edit(core, ann, 'gorgeous sunset')).code).toBeUndefined();
  });

  it('refuses a broken blocked pattern at start-up, naming it', () => {
    expect(() =>
      assembleCore({
        engine: new TestEngine(),
        dataDir: mkdtempSync(join(tmpdir(), 'rfedit-m-')),
        secret: SECRET,
        limits: { blockedPatterns: ['(unclosed'] },
      }),
    ).toThrow(/Blocked pattern \/\(unclosed\/ is not a valid regular expression/);
  });

  it('stops a user at the daily quota with when it resets, exempts admins, and resets at midnight UTC', async () => {
    const core = await open({ limits: { dailyQuota: 2 }, queue: { perUserQueued: 10 } });
    expect((await edit(core, ann)).code).toBeUndefined();
    expect((await edit(core, ann)).code).toBeUndefined();
    const refused = await edit(core, ann);
    expect(refused.code).toBe('daily_quota');
    expect(refused.text).toMatch(/all 2 of your edits for today.*midnight UTC \(in about 15 h\)/);
    for (let i = 0; i < 3; i++) expect((await edit(core, mod)).code).toBeUndefined();
    clock += DAY;
    await core.queue.onIdle();
    expect((await edit(core, ann)).code).toBeUndefined();
  });

  it('canSee answers who may see a job (owner, same server, admins; not strangers, not after delete) and audits nothing', async () => {
    const core = await open();
    const { jobId } = await edit(core, ann);
    const web = (user: string): CommandContext => ({
      user: { platform: 'web', id: user },
      place: { platform: 'web', channelId: 'page' },
      isAdmin: false,
    });
    const elsewhere: CommandContext = {
      ...ctxFor('bob'),
      place: { platform: 'discord', guildId: 'g2', channelId: 'c9' },
    };
    expect(core.canSee(jobId!, ann)).toBe(true);
    expect(core.canSee(jobId!, ctxFor('bob'))).toBe(true); // same server
    expect(core.canSee(jobId!, elsewhere)).toBe(false);
    expect(core.canSee(jobId!, { ...elsewhere, isAdmin: true })).toBe(true);
    expect(core.canSee(jobId!, web('ann'))).toBe(false); // another platform's "ann" is someone else
    expect(core.canSee('no-such-job', ann)).toBe(false);
    const lines = (await core.dispatch({ kind: 'audit' }, mod)).text.split('\n').slice(1);
    // Only the edit itself (the audit call is written after it is answered): the checks left no rows.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/discord:ann edit /);
    await core.queue.onIdle();
    await core.dispatch({ kind: 'delete', jobId: jobId! }, ann);
    expect(core.canSee(jobId!, ann)).toBe(false);
  });

  it('keeps an audit log of who asked for what, refusals included, readable by admins only', async () => {
    const core = await open({ limits: { bannedWords: ['forbidden'] } });
    const ok = await edit(core, ann, 'make it golden');
    await edit(core, ann, 'a forbidden thing');
    await core.dispatch({ kind: 'variation', jobId: ok.jobId! }, ann);
    expect((await core.dispatch({ kind: 'audit' }, ann)).code).toBe('not_admin');
    const log = await core.dispatch({ kind: 'audit' }, mod);
    const lines = log.text.split('\n').slice(1);
    expect(lines[0]).toMatch(/discord:ann audit → refused \(not_admin\)/);
    expect(lines[1]).toMatch(/discord:ann variation \S+$/);
    expect(lines[2]).toMatch(/discord:ann edit “a forbidden thing” → refused \(prompt_blocked\)/);
    expect(lines[3]).toMatch(new RegExp(`discord:ann edit ${ok.jobId} “make it golden”$`));
  });

  it('lets admins pause the queue (the running edit finishes, new ones wait) and resume it; others are refused', async () => {
    const { engine, gate } = gatedEngine();
    const core = await open({ engine });
    const first = await edit(core, ann);
    await gate.reached();
    expect((await core.dispatch({ kind: 'pause' }, ann)).code).toBe('not_admin');
    const paused = await core.dispatch({ kind: 'pause' }, mod);
    expect(paused.text).toMatch(/paused\. 1 edit\(s\) running will finish/);
    const second = await edit(core, ann);
    gate.open();
    await new Promise<void>((resolve) => core.events.subscribe(first.jobId!, (e) => e.type === 'done' && resolve()));
    expect(core.getJob(second.jobId!)?.status).toBe('queued');
    expect((await core.dispatch({ kind: 'resume' }, mod)).text).toMatch(/running again \(1 edit\(s\) waiting\)/);
    await core.queue.onIdle();
    expect(core.getJob(second.jobId!)?.status).toBe('done');
  });

  it('a web chat user who is no admin is told which config key makes them one, and it does', async () => {
    const web = (id: string): CommandContext => ({
      user: { platform: 'web', id, name: id },
      place: { platform: 'web', channelId: 'web-chat' },
      isAdmin: false,
    });
    const refused = await (await open()).dispatch({ kind: 'pause' }, web('ada'));
    expect(refused).toMatchObject({ code: 'not_admin', ephemeral: true });
    expect(refused.text).toBe(
      'Only admins can pause the queue. Whoever runs this bot can make you one: add "web:ada" to moderation.admins in config/local.yaml and restart it.',
    );
    expect((await ctxCore({ admins: ['web:ada'] })).text).toMatch(/^The queue is paused\./);

    async function ctxCore(options: Partial<CoreAssembly>) {
      return (await open(options)).dispatch({ kind: 'pause' }, web('ada'));
    }
  });
});
