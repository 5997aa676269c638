/** A Map-ordered LRU bounded by a total cost (entries, bytes…). */
export class LruCache<K, V> {
  private readonly entries = new Map<K, { value: V; cost: number }>();
  private total = 0;

  constructor(
    private readonly capacity: number,
    private readonly costOf: (value: V) => number = () => 1,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get totalCost(): number {
    return this.total;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Values costing more than the whole capacity are not kept. */
  set(key: K, value: V): void {
    this.delete(key);
    const cost = this.costOf(value);
    if (cost > this.capacity) return;
    this.entries.set(key, { value, cost });
    this.total += cost;
    for (const [oldest, entry] of this.entries) {
      if (this.total <= this.capacity) break;
      this.entries.delete(oldest);
      this.total -= entry.cost;
    }
  }

  delete(key: K): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.total -= entry.cost;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}
