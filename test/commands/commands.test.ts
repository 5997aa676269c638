import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { assembleCore, type CoreAssembly } from '../../src/app.ts';
import type { BotCore, CommandContext, JobEvent } from '../../src/commands/index.ts';
import { resolveEditParams } from '../../src/engine/params.ts';
import { TestEngine, gatedEngine } from '../jobs/fixtures/test-engines.ts';
import { finished } from './fixtures/finished.ts';

const SECRET = 'commands-test-secret-0123456789';

function ctxFor(user: string, overrides: Partial<CommandContext> = {}): CommandContext {
  return {
    user: { platform: 'discord', id: user },
    place: { platform: 'discord', guildId: 'g1', channelId: 'c1', messageId: `msg-${user}` },
    isAdmin: false,
    ...overrides,
  };
}
const ann = ctxFor('ann');
const bob = ctxFor('bob');

async function photo(width = 32, height = 24): Promise<Uint8Array> {
  return sharp({ create: { width, height, channels: 3, background: '#468' } })
    .png()
    .toBuffer();
}

describe('commands', () => {
  const cores: BotCore[] = [];
  const dirs: string[] = [];

  async function open(options: Partial<CoreAssembly> = {}) {
    const dataDir = mkdtempSync(join(tmpdir(), 'rfedit-commands-'));
    dirs.push(dataDir);
    let seed = 100;
    const core = assembleCore({
      engine: new TestEngine(),
      dataDir,
      secret: SECRET,
      randomSeed: () => seed++,
      ...options,
    });
    cores.push(core);
    await core.start();
    return core;
  }

  afterEach(async () => {
    for (const core of cores.splice(0)) await core.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  describe('edit', () => {
    it('queues a valid edit and answers with its place in line and a cancel button', async () => {
      const core = await open();
      const reply = await core.dispatch(
        { kind: 'edit', image: { bytes: await photo() }, prompt: ' make it snowy ', options: { strength: 0.6 } },
        ann,
      );
      expect(reply.text).toMatch(/^Edit queued\./);
      expect(reply.ephemeral).toBe(false);
      expect(reply.buttons?.map((b) => b.label)).toEqual(['Cancel']);
      const job = await finished(core, reply);
      expect(job).toMatchObject({ status: 'done', prompt: 'make it snowy', strength: 0.6, parentId: null });
    });

    it('passes seed, steps, guidance and sampler to the engine as overrides', async () => {
      const core = await open();
      const options = { seed: 42, steps: 6, guidance: 2, sampler: 'sde' as const };
      const job = await finished(
        core,
        core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'night', options }, ann),
      );
      expect(job.params).toMatchObject(options);
    });

    it('the seed info shows for a waiting job is the seed the engine runs with', async () => {
      const { engine, gate } = gatedEngine();
      // Parameters resolved as the bot does (the model's declared defaults, a random seed), not by the test engine.
      const core = await open({
        engine,
        resolveParams: (request) => resolveEditParams(request, () => randomInt(0, 0xffff_ffff)),
      });
      await core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'first in line' }, ann);
      await gate.reached();
      const waiting = await core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'night' }, bob);
      const info = await core.dispatch({ kind: 'info', jobId: waiting.jobId! }, bob);
      expect(info.text).toContain('Status: queued');
      const shown = Number(/Seed: (\d+)/.exec(info.text)?.[1]);
      gate.open();
      await core.queue.onIdle();
      expect(engine.requests.find((request) => request.prompt === 'night')?.params?.seed).toBe(shown);
      expect(core.getJob(waiting.jobId!)?.params.seed).toBe(shown);
    });

    it.each([
      ['an empty prompt', { prompt: '   ' }, 'prompt_empty'],
      ['a prompt over the length limit', { prompt: 'x'.repeat(1_001) }, 'prompt_too_long'],
      ['a strength above 1', { options: { strength: 1.5 } }, 'option_invalid'],
      ['a fractional step count', { options: { steps: 2.5 } }, 'option_invalid'],
      ['an unknown sampler', { options: { sampler: 'euler' as never } }, 'option_invalid'],
    ])('refuses %s with a plain message', async (_name, change, code) => {
      const core = await open();
      const reply = await core.dispatch(
        { kind: 'edit', image: { bytes: await photo() }, prompt: 'snow', ...change },
        ann,
      );
      expect(reply).toMatchObject({ code, ephemeral: true });
      expect(reply.jobId).toBeUndefined();
    });

    it('says what the allowed range is when an option is out of range', async () => {
      const core = await open();
      const reply = await core.dispatch(
        { kind: 'edit', image: { bytes: await photo() }, prompt: 'snow', options: { strength: 2 } },
        ann,
      );
      expect(reply.text).toBe('strength must be a number from 0 to 1; got 2.');
    });

    it('refuses a prompt with a word the server bans, whole words only', async () => {
      const core = await open({ limits: { bannedWords: ['gore'] } });
      const blocked = await core.dispatch(
        { kind: 'edit', image: { bytes: await photo() }, prompt: 'add Gore everywhere' },
        ann,
      );
      expect(blocked.code).toBe('prompt_blocked');
      const allowed = await core.dispatch(
        { kind: 'edit', image: { bytes: await photo() }, prompt: 'a gorgeous sunset' },
        ann,
      );
      expect(allowed.code).toBeUndefined();
    });

    it('refuses a file that is not an image', async () => {
      const core = await open();
      const reply = await core.dispatch(
        { kind: 'edit', image: { bytes: new TextEncoder().encode('%PDF-1.7 not a photo') }, prompt: 'snow' },
        ann,
      );
      expect(reply.code).toBe('image_type');
    });

    it('refuses a damaged image that only looks like a PNG', async () => {
      const core = await open();
      const bytes = (await photo()).slice(0, 40);
      const reply = await core.dispatch({ kind: 'edit', image: { bytes }, prompt: 'snow' }, ann);
      expect(reply.code).toBe('image_unreadable');
    });

    it('refuses an image over the byte limit, saying both sizes', async () => {
      const core = await open({ limits: { maxImageBytes: 100 } });
      const reply = await core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'snow' }, ann);
      expect(reply.code).toBe('image_too_large');
      expect(reply.text).toMatch(/the limit is 0\.0 MB/);
    });

    it('refuses an image with more pixels than allowed', async () => {
      const core = await open({ limits: { maxImagePixels: 500 } });
      const reply = await core.dispatch({ kind: 'edit', image: { bytes: await photo(32, 24) }, prompt: 'snow' }, ann);
      expect(reply.code).toBe('image_too_many_pixels');
      expect(reply.text).toContain('32×24');
    });

    it('stores the same photo once however often it is uploaded', async () => {
      const core = await open();
      const bytes = await photo();
      const first = await finished(core, core.dispatch({ kind: 'edit', image: { bytes }, prompt: 'snow' }, ann));
      const second = await finished(core, core.dispatch({ kind: 'edit', image: { bytes }, prompt: 'rain' }, bob));
      expect(second.sourceHash).toBe(first.sourceHash);
    });

    it('a full per-user queue is answered with the limit, not an error', async () => {
      const { engine } = gatedEngine();
      const core = await open({ engine, queue: { perUserQueued: 1 } });
      await core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'one' }, ann);
      const reply = await core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'two' }, ann);
      expect(reply).toMatchObject({ code: 'user_queue_full', ephemeral: true });
    });
  });

  describe('lineage', () => {
    async function firstEdit(core: BotCore) {
      return finished(
        core,
        core.dispatch(
          { kind: 'edit', image: { bytes: await photo() }, prompt: 'snowy street', options: { strength: 0.5 } },
          ann,
        ),
      );
    }

    it('a variation of a variation edits the same photo with a new seed and links back through each parent', async () => {
      const core = await open();
      const original = await firstEdit(core);
      const variation = await finished(core, core.dispatch({ kind: 'variation', jobId: original.id }, bob));
      const again = await finished(core, core.dispatch({ kind: 'variation', jobId: variation.id }, ann));

      expect([variation.parentId, again.parentId]).toEqual([original.id, variation.id]);
      expect(new Set([original.sourceHash, variation.sourceHash, again.sourceHash]).size).toBe(1);
      expect(new Set([original.params.seed, variation.params.seed, again.params.seed]).size).toBe(3);
      expect(again.params).toMatchObject({
        sampler: 'sde',
        strength: 0.5,
        inversionSeed: original.params.inversionSeed,
      });
      expect(again.prompt).toBe('snowy street');
      expect(again.owner.id).toBe('ann');
    });

    it('info walks the lineage back to the first edit and shows the seed and timings', async () => {
      const core = await open();
      const original = await firstEdit(core);
      const variation = await finished(core, core.dispatch({ kind: 'variation', jobId: original.id }, ann));
      const info = await core.dispatch({ kind: 'info', jobId: variation.id }, bob);
      expect(info.ephemeral).toBe(true);
      expect(info.text).toContain(`Lineage: variation ${variation.id} ← edit ${original.id}`);
      expect(info.text).toContain(`Seed: ${variation.params.seed}`);
      expect(info.text).toMatch(/Ran \d/);
    });

    it('subtle lowers the strength one step and strong raises it, keeping the seed', async () => {
      const core = await open();
      const original = await firstEdit(core);
      const subtle = await finished(core, core.dispatch({ kind: 'subtle', jobId: original.id }, ann));
      const strong = await finished(core, core.dispatch({ kind: 'strong', jobId: original.id }, ann));
      expect([subtle.params.strength, strong.params.strength]).toEqual([0.35, 0.65]);
      expect([subtle.params.seed, strong.params.seed]).toEqual([original.params.seed, original.params.seed]);
      expect([subtle.parentId, strong.parentId]).toEqual([original.id, original.id]);
    });

    it('strong at full strength is refused with the reason', async () => {
      const core = await open();
      const full = await finished(
        core,
        core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'snow', options: { strength: 1 } }, ann),
      );
      const reply = await core.dispatch({ kind: 'strong', jobId: full.id }, ann);
      expect(reply).toMatchObject({
        code: 'strength_at_limit',
        text: 'That edit is already at the strongest (1) setting.',
      });
    });

    it('remix puts a new prompt on the same photo and keeps the seed', async () => {
      const core = await open();
      const original = await firstEdit(core);
      const remix = await finished(
        core,
        core.dispatch({ kind: 'remix', jobId: original.id, prompt: 'rainy street' }, ann),
      );
      expect(remix).toMatchObject({
        kind: 'remix',
        prompt: 'rainy street',
        parentId: original.id,
        sourceHash: original.sourceHash,
      });
      expect(remix.params.seed).toBe(original.params.seed);
    });

    it('remix without a prompt or a strength asks for one', async () => {
      const core = await open();
      const original = await firstEdit(core);
      expect((await core.dispatch({ kind: 'remix', jobId: original.id }, ann)).code).toBe('remix_empty');
    });
  });

  describe('ownership', () => {
    it('only the owner can cancel: someone else is told why', async () => {
      const core = await open();
      const jobId = await finished(
        core,
        core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'snow' }, ann),
      ).then((j) => j.id);
      const reply = await core.dispatch({ kind: 'cancel', jobId }, bob);
      expect(reply).toMatchObject({
        code: 'not_owner',
        text: 'Only the person who started this edit (or an admin) can cancel it.',
      });
    });

    it('an admin may stop someone else’s running edit, and the owner is told it was an admin', async () => {
      const { engine, gate } = gatedEngine();
      const core = await open({ engine });
      const cancelled = new Promise<JobEvent>((resolve) =>
        core.events.onEvent((e) => e.type === 'cancelled' && resolve(e)),
      );
      const { jobId } = await core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'snow' }, ann);
      await gate.reached();
      const reply = await core.dispatch({ kind: 'cancel', jobId: jobId! }, { ...bob, isAdmin: true });
      expect(reply.text).toBe('Stopping your edit; it ends at the next step.');
      expect(core.render(await cancelled).text).toBe('Cancelled by an admin.');
    });

    it('a configured admin counts as an admin even when the platform says otherwise', async () => {
      const core = await open({ admins: ['discord:bob'] });
      const job = await finished(
        core,
        core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'snow' }, ann),
      );
      const reply = await core.dispatch({ kind: 'delete', jobId: job.id }, bob);
      expect(reply.text).toBe('Deleted.');
    });

    it('delete hides the job, removes its result image and names the messages to remove', async () => {
      const core = await open();
      const job = await finished(
        core,
        core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'snow' }, ann),
      );
      core.recordMessage(job.id, { role: 'result', platform: 'discord', channelId: 'c1', messageId: 'result-msg' });
      const reply = await core.dispatch({ kind: 'delete', jobId: job.id }, ann);
      expect(reply.deleteMessages?.map((m) => m.messageId)).toEqual(['result-msg']);
      await expect(core.readImage(job.result!)).rejects.toMatchObject({ code: 'image_expired' });
      expect((await core.dispatch({ kind: 'info', jobId: job.id }, ann)).code).toBe('job_not_found');
      expect((await core.dispatch({ kind: 'history' }, ann)).text).toBe('You have no edits yet.');
    });

    it('a job from another server cannot be seen or built on', async () => {
      const core = await open();
      const job = await finished(
        core,
        core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'snow' }, ann),
      );
      const elsewhere = ctxFor('eve', { place: { platform: 'discord', guildId: 'other-guild', channelId: 'c9' } });
      expect((await core.dispatch({ kind: 'info', jobId: job.id }, elsewhere)).code).toBe('job_not_found');
      expect((await core.dispatch({ kind: 'variation', jobId: job.id }, elsewhere)).code).toBe('job_not_found');
    });

    it('cancelling a waiting edit takes it out of the queue', async () => {
      const { engine, gate } = gatedEngine();
      const core = await open({ engine });
      await core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'first' }, ann);
      const { jobId } = await core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'second' }, bob);
      await gate.reached();
      const reply = await core.dispatch({ kind: 'cancel', jobId: jobId! }, bob);
      expect(reply.text).toBe('Cancelled; the edit was taken out of the queue.');
      expect(core.getJob(jobId!)?.status).toBe('cancelled');
    });
  });

  describe('reactions', () => {
    it('repeat on a finished edit makes a variation of it with a new seed', async () => {
      const core = await open();
      const original = await finished(
        core,
        core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'snow' }, ann),
      );
      const variation = await finished(core, core.react(original.id, 'repeat', bob));
      expect(variation).toMatchObject({ kind: 'variation', parentId: original.id, prompt: 'snow', status: 'done' });
      expect(variation.params.seed).not.toBe(original.params.seed);
    });

    it('remove cancels an edit that is running or waiting, without deleting it', async () => {
      const { engine, gate } = gatedEngine();
      const core = await open({ engine });
      const running = await core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'first' }, ann);
      const waiting = await core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'second' }, bob);
      await gate.reached();
      expect((await core.react(waiting.jobId!, 'remove', bob)).text).toBe(
        'Cancelled; the edit was taken out of the queue.',
      );
      expect((await core.react(running.jobId!, 'remove', ann)).text).toBe(
        'Stopping your edit; it ends at the next step.',
      );
      expect([core.getJob(waiting.jobId!)?.deleted, core.getJob(running.jobId!)?.deleted]).toEqual([false, false]);
    });

    it('remove on a finished edit deletes it and names the messages to take down', async () => {
      const core = await open();
      const job = await finished(
        core,
        core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'snow' }, ann),
      );
      core.recordMessage(job.id, { role: 'result', platform: 'discord', channelId: 'c1', messageId: 'result-msg' });
      const reply = await core.react(job.id, 'remove', ann);
      expect(reply).toMatchObject({ text: 'Deleted.', deleteMessages: [{ messageId: 'result-msg' }] });
      expect(core.getJob(job.id)?.deleted).toBe(true);
    });

    it('remove by someone else is refused with the owner rule, and a configured admin may', async () => {
      const core = await open({ admins: ['discord:cat'] });
      const job = await finished(
        core,
        core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'snow' }, ann),
      );
      expect(await core.react(job.id, 'remove', bob)).toMatchObject({ code: 'not_owner', ephemeral: true });
      expect((await core.react(job.id, 'remove', ctxFor('cat'))).text).toBe('Deleted.');
    });

    it('a reaction on a job the user may not see answers as if it did not exist', async () => {
      const core = await open();
      const job = await finished(
        core,
        core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'snow' }, ann),
      );
      const elsewhere = ctxFor('eve', { place: { platform: 'discord', guildId: 'other-guild', channelId: 'c9' } });
      expect((await core.react(job.id, 'repeat', elsewhere)).code).toBe('job_not_found');
      expect((await core.react('no-such-job', 'remove', ann)).code).toBe('job_not_found');
    });
  });

  describe('compare', () => {
    it('names the photo and the result of an edit anyone in the server may see', async () => {
      const core = await open();
      const job = await finished(
        core,
        core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'snow' }, ann),
      );
      const reply = await core.dispatch({ kind: 'compare', jobId: job.id }, bob);
      expect(reply).toMatchObject({
        ephemeral: true,
        jobId: job.id,
        comparison: { before: { hash: job.sourceHash }, after: job.result },
      });
      expect(await core.readImage(reply.comparison!.before)).toEqual(await photo());
    });

    it('refuses an edit without a result, and one the user may not see', async () => {
      const { engine, gate } = gatedEngine();
      const core = await open({ engine });
      const { jobId } = await core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'snow' }, ann);
      await gate.reached();
      expect(await core.dispatch({ kind: 'compare', jobId: jobId! }, ann)).toMatchObject({
        code: 'compare_no_result',
        ephemeral: true,
      });
      const elsewhere = ctxFor('eve', { place: { platform: 'discord', guildId: 'other-guild', channelId: 'c9' } });
      expect((await core.dispatch({ kind: 'compare', jobId: jobId! }, elsewhere)).code).toBe('job_not_found');
    });

    it('a button signed before compare was an action (info with the argument compare) still compares', async () => {
      const core = await open();
      const job = await finished(
        core,
        core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'snow' }, ann),
      );
      const reply = await core.handleAction(core.codec.encode({ action: 'info', jobId: job.id, arg: 'compare' }), ann);
      expect(reply.comparison?.after).toEqual(job.result);
    });
  });

  describe('buttons', () => {
    it('a result’s buttons carry signed ids that run their action when pressed', async () => {
      const core = await open();
      const original = await finished(
        core,
        core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'snow' }, ann),
      );
      const done = core.render({
        type: 'done',
        jobId: original.id,
        owner: original.owner,
        place: original.place,
        images: [original.result!],
        params: original.params,
        redelivery: false,
      });
      expect(done.buttons?.map((b) => b.label)).toEqual([
        'Variation',
        'Subtler',
        'Stronger',
        'Remix',
        'Sweep',
        'Info',
        'Delete',
      ]);
      const variationButton = done.buttons!.find((b) => b.label === 'Variation')!;
      const variation = await finished(core, core.handleAction(variationButton.actionId, bob));
      expect(variation).toMatchObject({ kind: 'variation', parentId: original.id });
    });

    it('an altered or foreign button id is refused without running anything', async () => {
      const core = await open();
      const original = await finished(
        core,
        core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'snow' }, ann),
      );
      const id = core.codec.encode({ action: 'delete', jobId: original.id });
      const altered = await core.handleAction(id.slice(0, -1) + (id.endsWith('A') ? 'B' : 'A'), ann);
      expect(altered).toMatchObject({ code: 'action_invalid', ephemeral: true });
      expect(core.getJob(original.id)?.deleted).toBe(false);
    });

    it('the remix button asks for the new prompt, prefilled with the current one', async () => {
      const core = await open();
      const original = await finished(
        core,
        core.dispatch(
          { kind: 'edit', image: { bytes: await photo() }, prompt: 'snow', options: { strength: 0.4 } },
          ann,
        ),
      );
      const reply = await core.handleAction(core.codec.encode({ action: 'remix', jobId: original.id }), bob);
      expect(reply.requestInput).toEqual({ kind: 'remix', jobId: original.id, prompt: 'snow', strength: 0.4 });
    });

    it('buttons keep working after a restart with the same secret', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'rfedit-commands-'));
      dirs.push(dataDir);
      const before = assembleCore({ engine: new TestEngine(), dataDir, secret: SECRET });
      await before.start();
      const original = await finished(
        before,
        before.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'snow' }, ann),
      );
      const infoId = before.codec.encode({ action: 'info', jobId: original.id });
      await before.close();
      const after = assembleCore({ engine: new TestEngine(), dataDir, secret: SECRET });
      cores.push(after);
      await after.start();
      expect((await after.handleAction(infoId, ann)).text).toContain(original.id);
    });
  });

  describe('history', () => {
    it('lists the user’s own recent edits, newest first', async () => {
      const core = await open();
      await finished(core, core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'first' }, ann));
      await finished(core, core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'second' }, ann));
      await finished(core, core.dispatch({ kind: 'edit', image: { bytes: await photo() }, prompt: 'not mine' }, bob));
      const reply = await core.dispatch({ kind: 'history' }, ann);
      const lines = reply.text.split('\n').slice(1);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toContain('“second”');
      expect(lines[1]).toContain('“first”');
    });
  });
});
