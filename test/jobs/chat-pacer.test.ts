import { afterEach, describe, expect, it } from 'vitest';
import { ChatPacer } from '../../src/jobs/chat-pacer.ts';
import { deferred } from './fixtures/test-engines.ts';

describe('ChatPacer', () => {
  const pacers: ChatPacer[] = [];
  function pacer() {
    const created = new ChatPacer({ minTimeMs: 0 });
    pacers.push(created);
    return created;
  }
  afterEach(async () => {
    for (const p of pacers.splice(0)) await p.close();
  });

  it('calls to one channel run one at a time, in order', async () => {
    const chat = pacer();
    const order: string[] = [];
    const first = deferred();
    const a = chat.schedule('C1', async () => {
      order.push('a start');
      await first.promise;
      order.push('a end');
    });
    const b = chat.schedule('C1', async () => order.push('b'));
    await Promise.resolve();
    first.resolve();
    await Promise.all([a, b]);
    expect(order).toEqual(['a start', 'a end', 'b']);
  });

  it('a slow channel does not hold up another channel', async () => {
    const chat = pacer();
    const stuck = deferred();
    const slow = chat.schedule('C1', () => stuck.promise);
    await expect(chat.schedule('C2', async () => 'sent')).resolves.toBe('sent');
    stuck.resolve();
    await slow;
  });

  it('of several waiting updates to one message only the newest is sent; the replaced ones resolve undefined', async () => {
    const chat = pacer();
    const busy = deferred();
    const sent: string[] = [];
    const blocker = chat.schedule('C1', () => busy.promise);
    const updates = ['10%', '20%', '30%'].map((text) =>
      chat.scheduleLatest('C1', 'job-1', async () => (sent.push(text), text)),
    );
    busy.resolve();
    await blocker;
    expect(await Promise.all(updates)).toEqual([undefined, undefined, '30%']);
    expect(sent).toEqual(['30%']);
  });

  it('a failing call rejects its own promise only', async () => {
    const chat = pacer();
    const failed = chat.scheduleLatest('C1', 'job-1', async () => {
      throw new Error('429');
    });
    await expect(failed).rejects.toThrow('429');
    await expect(chat.schedule('C1', async () => 'next')).resolves.toBe('next');
  });
});
