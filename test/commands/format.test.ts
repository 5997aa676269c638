import { describe, expect, it } from 'vitest';
import { createActionCodec } from '../../src/commands/action-id.ts';
import { formatAge, formatEta, formatQueuePlace } from '../../src/commands/format.ts';
import { renderJobEvent } from '../../src/commands/render-event.ts';
import { resolveCommandLimits } from '../../src/commands/validate.ts';
import type { JobEventBase } from '../../src/jobs/types.ts';
import { resolveTestParams } from '../jobs/fixtures/test-engines.ts';

const codec = createActionCodec('format-test-secret-0123456789');
const about: JobEventBase = {
  jobId: 'job1',
  owner: { platform: 'slack', id: 'U1' },
  place: { platform: 'slack', channelId: 'C1' },
};

describe('plain-language pieces', () => {
  it('estimates are rounded to seconds, minutes or hours', () => {
    expect([formatEta(400), formatEta(42_000), formatEta(150_000), formatEta(4_500_000)]).toEqual([
      'about 1 s',
      'about 42 s',
      'about 3 min',
      'about 1 h 15 min',
    ]);
  });

  it('ages read as minutes, hours or days ago', () => {
    expect([formatAge(10_000), formatAge(300_000), formatAge(7_200_000), formatAge(3 * 86_400_000)]).toEqual([
      'just now',
      '5 min ago',
      '2 h ago',
      '3 days ago',
    ]);
  });

  it('the queue place says next, a number, or started', () => {
    expect(formatQueuePlace(0, 0)).toBe('Your edit has started.');
    expect(formatQueuePlace(1, 30_000)).toBe('Your edit is next in line (starts in about 30 s).');
    expect(formatQueuePlace(4, 120_000)).toBe('Your edit is number 4 in line (starts in about 2 min).');
  });
});

describe('renderJobEvent', () => {
  it('a job back in line after a restart says so, with a cancel button', () => {
    const reply = renderJobEvent({ ...about, type: 'queued', position: 2, etaMs: 60_000, resumed: true }, codec);
    expect(reply.text).toBe(
      'The bot restarted; your edit is back in the queue. Your edit is number 2 in line (starts in about 1 min).',
    );
    expect(reply.buttons?.map((b) => codec.decode(b.actionId))).toEqual([{ action: 'cancel', jobId: 'job1' }]);
  });

  it('progress shows a percentage', () => {
    const reply = renderJobEvent(
      { ...about, type: 'progress', phase: 'edit', step: 7, total: 28, fraction: 0.625 },
      codec,
    );
    expect(reply.text).toBe('Editing… 63%');
  });

  it('a result made from a smaller copy of the photo says at what size, the photo’s size and the limit', () => {
    const params = resolveTestParams({});
    const result = { hash: 'h', mime: 'image/png' as const, width: 613, height: 424, sizeBytes: 1 };
    const scaled = renderJobEvent(
      {
        ...about,
        type: 'done',
        images: [{ ...result, scaledFrom: { width: 3472, height: 2400, pixelBudget: 262_144 } }],
        params,
        redelivery: false,
      },
      codec,
    );
    expect(scaled.text).toBe(
      `Done (seed ${params.seed}).\nEdited at 613×424; your photo is 3472×2400 and this model works on at most 0.26 MP.`,
    );
    const kept = renderJobEvent({ ...about, type: 'done', images: [result], params, redelivery: false }, codec);
    expect(kept.text).toBe(`Done (seed ${params.seed}).`);
  });

  it('a failure shows the user message and keeps its code, without buttons', () => {
    const reply = renderJobEvent(
      { ...about, type: 'failed', code: 'job_timeout', userMessage: 'Too slow.', redelivery: false },
      codec,
    );
    expect(reply).toEqual({ ephemeral: false, jobId: 'job1', text: 'Too slow.', code: 'job_timeout' });
  });
});

describe('command limits', () => {
  it('a limit that makes no sense is refused, naming it and the value', () => {
    expect(() => resolveCommandLimits({ maxSteps: 0 })).toThrow('Command limit maxSteps must be a number > 0, got 0');
    expect(resolveCommandLimits({ maxSteps: 30 }).maxSteps).toBe(30);
  });
});
