/**
 * Round-robin order across users: each user waits in a rotation with their own FIFO of jobs; the
 * next job comes from the first user in the rotation who may start one, and that user moves to the
 * back. So one user's twenty jobs interleave with everyone else's instead of blocking them.
 */
export class FairPicker<T> {
  /** Users in turn order; every user here has at least one waiting item. */
  private rotation: string[] = [];
  private readonly waiting = new Map<string, T[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  countOf(user: string): number {
    return this.waiting.get(user)?.length ?? 0;
  }

  push(user: string, item: T): void {
    const items = this.waiting.get(user);
    if (items) items.push(item);
    else {
      this.waiting.set(user, [item]);
      this.rotation.push(user);
    }
    this.count++;
  }

  /** Whether `pick` would find an item. */
  canPick(mayStart: (user: string) => boolean = () => true): boolean {
    return this.rotation.some(mayStart);
  }

  /** The next item of the first user for whom `mayStart(user)` holds; that user goes to the back. */
  pick(mayStart: (user: string) => boolean = () => true): { user: string; item: T } | null {
    for (let turn = 0; turn < this.rotation.length; turn++) {
      const user = this.rotation[turn];
      if (!mayStart(user)) continue;
      const items = this.waiting.get(user)!;
      const item = items.shift()!;
      this.count--;
      this.rotation.splice(turn, 1);
      if (items.length > 0) this.rotation.push(user);
      else this.waiting.delete(user);
      return { user, item };
    }
    return null;
  }

  /** Removes the first item matching `matches` from the user's line. */
  remove(user: string, matches: (item: T) => boolean): T | null {
    const items = this.waiting.get(user);
    const index = items?.findIndex(matches) ?? -1;
    if (!items || index < 0) return null;
    const [item] = items.splice(index, 1);
    this.count--;
    if (items.length === 0) {
      this.waiting.delete(user);
      this.rotation = this.rotation.filter((u) => u !== user);
    }
    return item;
  }

  /**
   * How many waiting items start before this one, if every user may start (per-user running limits
   * can only delay others' turns, so this is the estimate shown as the queue position).
   */
  itemsAhead(user: string, matches: (item: T) => boolean): number | null {
    return this.itemsBefore(user, matches)?.length ?? null;
  }

  /**
   * The waiting items that start before this one, under the same assumption as `itemsAhead`.
   * Item k of a user starts after k items of every user with more than k, plus the users ahead in
   * the rotation who still have a k-th item.
   */
  itemsBefore(user: string, matches: (item: T) => boolean): T[] | null {
    const index = this.waiting.get(user)?.findIndex(matches) ?? -1;
    if (index < 0) return null;
    const before: T[] = [];
    let beforeUser = true;
    for (const other of this.rotation) {
      const items = this.waiting.get(other)!;
      if (other === user) {
        before.push(...items.slice(0, index));
        beforeUser = false;
        continue;
      }
      before.push(...items.slice(0, beforeUser ? index + 1 : index));
    }
    return before;
  }
}
