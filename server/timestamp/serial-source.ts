/**
 * Where token serial numbers come from. RFC 3161 requires them unique for the TSA, for the whole
 * life of its key, and positive integers; the store supplies them so that they survive restarts.
 * `next()` is synchronous so that a SQLite-backed source allocates without an await between
 * reserving a number and using it.
 */
export interface SerialSource {
  next(): bigint;
}

/** Counts up from `first`. Unique only for the life of the process: for tests and benchmarks. */
export class CounterSerialSource implements SerialSource {
  private nextSerial: bigint;

  constructor(first = 1n) {
    if (first < 1n) throw new RangeError("serial numbers start at 1 or above");
    this.nextSerial = first;
  }

  next(): bigint {
    return this.nextSerial++;
  }
}
