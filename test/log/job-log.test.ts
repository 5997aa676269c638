import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { assembleCore } from '../../src/app.ts';
import type { CommandContext } from '../../src/commands/index.ts';
import { logJobEvents } from '../../src/job-log.ts';
import { createLogger } from '../../src/log.ts';
import { TestEngine } from '../jobs/fixtures/test-engines.ts';

describe('the job log', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('writes one human-readable line per finished edit: who, the prompt, how long, the result', async () => {
    const chunks: string[] = [];
    const destination = Object.assign(
      new Writable({ write: (chunk, _encoding, callback) => (chunks.push(chunk.toString()), callback()) }),
      { isTTY: false },
    );
    const logger = createLogger({ destination, pretty: 'always', level: 'info' });
    const dataDir = mkdtempSync(join(tmpdir(), 'rfedit-job-log-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    let clock = 1_000_000;
    const engine = new TestEngine({ beforeStep: async () => void (clock += 500) });
    const core = assembleCore({ engine, dataDir, secret: 'job-log-test-secret-0123456789', now: () => clock });
    cleanups.push(() => core.close());
    logJobEvents(core.events, (jobId) => core.getJob(jobId), logger);
    await core.start();

    const ctx: CommandContext = {
      user: { platform: 'web', id: 'ada', name: 'ada' },
      place: { platform: 'web', channelId: 'web-chat' },
      isAdmin: false,
    };
    const image = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#468' } })
      .png()
      .toBuffer();
    const reply = await core.dispatch({ kind: 'edit', image: { bytes: image }, prompt: 'as a pencil sketch' }, ctx);
    await core.queue.onIdle();

    const lines = chunks.join('').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`job done: web:ada “as a pencil sketch” in 2.0 s → 16×16, seed 1`);
    expect(lines[0]).toContain(reply.jobId);
  });
});
