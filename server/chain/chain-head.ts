/**
 * The chain's latest block hash, read at most once at a time: callers that arrive while a read is
 * under way share the next read, so every caller gets a head read after it asked, and a burst of
 * callers costs one or two requests to the node rather than one each.
 */
export class ChainHead {
  private inFlight: Promise<string> | undefined;
  private queued: Promise<string> | undefined;
  private lastRead: string | undefined;

  constructor(private readonly readHead: () => Promise<string>) {}

  latest(): Promise<string> {
    if (this.inFlight === undefined) return this.read();
    // The read under way may have been sent before this call: wait for the next one.
    this.queued ??= this.inFlight.then(
      () => this.next(),
      () => this.next(),
    );
    return this.queued;
  }

  /**
   * A head that was already the head before this call: chain state read from now on is at least as
   * new. The last head read, or a fresh one if there was none.
   */
  async known(): Promise<string> {
    return this.lastRead ?? this.latest();
  }

  private next(): Promise<string> {
    this.queued = undefined;
    return this.read();
  }

  private read(): Promise<string> {
    const read: Promise<string> = this.readHead()
      .then((hash) => (this.lastRead = hash))
      .finally(() => {
        if (this.inFlight === read) this.inFlight = undefined;
      });
    this.inFlight = read;
    return read;
  }
}
