import { describe, expect, it } from 'vitest';
import { FairPicker } from '../../src/jobs/fair-picker.ts';

function drain(picker: FairPicker<string>): string[] {
  const order: string[] = [];
  for (let next = picker.pick(); next; next = picker.pick()) order.push(next.item);
  return order;
}

describe('FairPicker', () => {
  it('takes one item per user in turn, users in order of arrival', () => {
    const picker = new FairPicker<string>();
    for (const [user, item] of [
      ['a', 'a1'],
      ['a', 'a2'],
      ['a', 'a3'],
      ['b', 'b1'],
      ['c', 'c1'],
      ['b', 'b2'],
    ])
      picker.push(user, item);
    expect(drain(picker)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
  });

  it('skips a user who may not start now without losing their turn order', () => {
    const picker = new FairPicker<string>();
    picker.push('a', 'a1');
    picker.push('b', 'b1');
    expect(picker.pick((user) => user !== 'a')?.item).toBe('b1');
    expect(picker.canPick((user) => user !== 'a')).toBe(false);
    expect(picker.pick()?.item).toBe('a1');
  });

  it('the number of items ahead always matches the order pick really follows', () => {
    // A fixed pseudo-random mix of users and removals, checked against a full drain.
    let state = 7;
    const random = () => (state = (state * 48_271) % 2_147_483_647) / 2_147_483_647;
    const picker = new FairPicker<string>();
    const owner = new Map<string, string>();
    for (let i = 0; i < 200; i++) {
      const user = `u${Math.floor(random() * 7)}`;
      picker.push(user, `j${i}`);
      owner.set(`j${i}`, user);
      if (random() < 0.2) picker.pick();
      if (random() < 0.1) picker.remove(user, (item) => item === `j${i}`);
    }
    const predicted = new Map([...owner].map(([item, user]) => [item, picker.itemsAhead(user, (x) => x === item)]));
    drain(picker).forEach((item, index) => expect(predicted.get(item)).toBe(index));
  });

  it('removing a user’s last item takes them out of the rotation', () => {
    const picker = new FairPicker<string>();
    picker.push('a', 'a1');
    picker.push('b', 'b1');
    expect(picker.remove('a', (item) => item === 'a1')).toBe('a1');
    expect(picker.size).toBe(1);
    expect(picker.itemsAhead('b', (item) => item === 'b1')).toBe(0);
  });
});
