/**
 * A map that holds at most `capacity` worth of entries and forgets the least recently set ones
 * first. An entry weighs 1 unless `weigh` says otherwise: a batch tree weighs its leaves, since a
 * tree of 12,000 leaves holds some 6 MB and one of a single leaf almost nothing. An entry heavier
 * than the whole capacity is still kept, alone, until the next one comes. The service's caches
 * (trees, verdicts, block evidence, cosignatures) are all of this kind, each with its own capacity.
 */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, { value: V; weight: number }>();
  private total = 0;

  constructor(
    readonly capacity: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {}

  get(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  set(key: K, value: V): void {
    this.delete(key);
    const weight = this.weigh(value);
    for (const [oldest, entry] of this.entries) {
      if (this.total + weight <= this.capacity) break;
      this.entries.delete(oldest);
      this.total -= entry.weight;
    }
    this.entries.set(key, { value, weight });
    this.total += weight;
  }

  delete(key: K): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.total -= entry.weight;
  }

  /** The cached value, or `create()`'s, which is then kept. */
  getOrCreate(key: K, create: () => V): V {
    const cached = this.entries.get(key);
    if (cached !== undefined) return cached.value;
    const value = create();
    this.set(key, value);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The weight of what is held now. */
  get weight(): number {
    return this.total;
  }
}
