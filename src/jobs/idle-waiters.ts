/** The promises behind JobQueue.onIdle(), for every queue: resolved once nothing waits or runs, or at close. */
export class IdleWaiters {
  private waiters: Array<() => void> = [];

  constructor(private readonly isIdle: () => boolean) {}

  wait(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Call after anything that may have emptied the queue. */
  settle(): void {
    if (this.isIdle()) this.releaseAll();
  }

  releaseAll(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
