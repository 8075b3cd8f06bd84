/**
 * The chain's latest block hash, read at most once at a time: callers that arrive while a read is
 * under way share the next read, so every caller gets a head read after it asked, and a burst of
 * callers costs one or two requests to the node rather than one each.
 */
export class ChainHead {
  private inFlight: Promise<string> | undefined;
  private queued: Promise<string> | undefined;

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

  private next(): Promise<string> {
    this.queued = undefined;
    return this.read();
  }

  private read(): Promise<string> {
    const read: Promise<string> = this.readHead().finally(() => {
      if (this.inFlight === read) this.inFlight = undefined;
    });
    this.inFlight = read;
    return read;
  }
}
