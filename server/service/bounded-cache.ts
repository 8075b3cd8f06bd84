/**
 * A map that holds at most `capacity` entries and forgets the least recently set one first. The
 * service's caches (trees, receipts, verdicts) are all of this kind, each with its own capacity.
 */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, value);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** The cached value, or `create()`'s, which is then kept. */
  getOrCreate(key: K, create: () => V): V {
    let value = this.entries.get(key);
    if (value === undefined) {
      value = create();
      this.set(key, value);
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
