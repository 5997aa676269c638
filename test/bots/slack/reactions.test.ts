import { afterEach, describe, expect, it } from 'vitest';
import { finishedEdit, jobIdOf, startHarness, waitForResult, type Harness } from './harness.ts';

let h: Harness;
afterEach(async () => h?.close());

describe('reactions on a result', () => {
  it(':repeat: makes a variation in the same thread', async () => {
    h = await startHarness();
    const { result, jobId } = await finishedEdit(h);
    await h.events.reactionAdded({ reaction: 'repeat', message: result });
    const variation = await waitForResult(h.slack, 2);
    expect(variation.thread_ts).toBe(result.thread_ts);
    expect(h.core.getJob(jobIdOf(h, variation))).toMatchObject({ kind: 'variation', parentId: jobId });
  });

  it(':x: by the owner deletes the result', async () => {
    h = await startHarness();
    const { result, jobId } = await finishedEdit(h);
    await h.events.reactionAdded({ reaction: 'x', message: result });
    await h.slack.waitForCall('chat.delete', (c) => c.args.ts === result.ts);
    expect(h.slack.message(result.channel, result.ts)).toBeUndefined();
    expect(h.core.getJob(jobId)?.deleted).toBe(true);
  });

  it(':x: by someone else is refused and deletes nothing', async () => {
    h = await startHarness();
    const { result, jobId } = await finishedEdit(h);
    const bob = h.slack.addUser('bob');
    await h.events.reactionAdded({ reaction: 'x', message: result, user: bob });
    await expect
      .poll(() => h.slack.ephemerals.find((e) => e.user === bob.id)?.text)
      .toMatch(/Only the person who started this edit/);
    expect(h.core.getJob(jobId)?.deleted).toBe(false);
  });

  it('other reactions, and reactions on other people’s messages, are ignored', async () => {
    h = await startHarness();
    const { result } = await finishedEdit(h);
    const someonesMessage = h.slack.seedMessage({ text: 'hello' });
    await h.events.reactionAdded({ reaction: 'tada', message: result });
    await h.events.reactionAdded({ reaction: 'repeat', message: someonesMessage });
    // A reaction that does act, sent last, shows when the earlier ones have been handled.
    await h.events.reactionAdded({ reaction: 'repeat', message: result });
    await waitForResult(h.slack, 2);
    expect(h.slack.calls('conversations.replies')).toHaveLength(1);
    expect(
      h.slack.calls('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks ?? '').includes('Variation')),
    ).toHaveLength(2);
  });
});
