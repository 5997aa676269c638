/**
 * An append-only log that tests can wait on. `waitFor` looks at what was already recorded and at what
 * comes later, so a test never races the thing it waits for and never needs a sleep.
 */
export interface WaitOptions {
  /** Resolve on the nth match (1 = first), counting matches already recorded. @default 1 */
  readonly nth?: number;
  /** Fail (with the log in the message) instead of hanging until the test runner's timeout. @default 10_000 */
  readonly timeoutMs?: number;
}

interface Waiter<T> {
  readonly predicate: (entry: T) => boolean;
  readonly nth: number;
  readonly resolve: (entry: T) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class Recorder<T> {
  readonly entries: T[] = [];
  private waiters: Waiter<T>[] = [];

  constructor(
    private readonly name: string,
    private readonly describe: (entry: T) => string,
  ) {}

  record(entry: T): void {
    this.entries.push(entry);
    for (const waiter of [...this.waiters]) {
      const match = this.nthMatch(waiter.predicate, waiter.nth);
      if (match !== undefined) this.settle(waiter, () => waiter.resolve(match));
    }
  }

  filter(predicate: (entry: T) => boolean): T[] {
    return this.entries.filter(predicate);
  }

  waitFor(predicate: (entry: T) => boolean, options: WaitOptions = {}): Promise<T> {
    const nth = options.nth ?? 1;
    const found = this.nthMatch(predicate, nth);
    if (found !== undefined) return Promise.resolve(found);
    // Created here so the stack points at the test that waited, not at the timer.
    const timeoutError = new Error('');
    return new Promise<T>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        timeoutError.message =
          `${this.name}: no match #${nth} after ${timeoutMs} ms for ${predicate.toString()}\n` +
          `recorded:\n${this.entries.map((e) => `  ${this.describe(e)}`).join('\n') || '  (nothing)'}`;
        this.settle(waiter, () => reject(timeoutError));
      }, timeoutMs);
      const waiter: Waiter<T> = { predicate, nth, resolve, reject, timer };
      this.waiters.push(waiter);
    });
  }

  /** Fails every pending wait; called when a fake shuts down so no test hangs. */
  rejectAll(reason: string): void {
    for (const waiter of [...this.waiters])
      this.settle(waiter, () => waiter.reject(new Error(`${this.name}: ${reason}`)));
  }

  private nthMatch(predicate: (entry: T) => boolean, nth: number): T | undefined {
    let seen = 0;
    for (const entry of this.entries) if (predicate(entry) && ++seen === nth) return entry;
    return undefined;
  }

  private settle(waiter: Waiter<T>, finish: () => void): void {
    clearTimeout(waiter.timer);
    this.waiters = this.waiters.filter((w) => w !== waiter);
    finish();
  }
}
