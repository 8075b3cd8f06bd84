import type { RegistryEvents } from "../chain/registry";
import { CodedError } from "../errors";
import type { Logger } from "../logger";
import type { Clock } from "./ports";

/** The service clock disagrees with the chain's latest block time: no time-stamp is issued. */
export class ChainClockError extends CodedError<"clock-disagrees"> {}

/** One comparison of the service clock with a block the service saw arrive. */
export interface ClockComparison {
  block: { number: number; hash: string; timestamp: number };
  /**
   * How far the chain's time is ahead of the service clock, in ms (negative: behind), beyond what
   * the observation allows for; 0 when the block's second overlaps the time it was made in.
   */
  offsetMs: number;
  /** How far ahead a burst of blocks may have pushed the chain's time (see ChainClock). */
  burstLeadMs: number;
  agrees: boolean;
  /** Service time of the comparison, ms. */
  atMs: number;
}

export interface ChainClockPorts {
  chain: Pick<RegistryEvents, "headNumber" | "blockAt">;
  log: Logger;
  now?: Clock;
}

export interface ChainClockOptions {
  /** The accuracy the TSA states: the largest disagreement it tolerates. */
  accuracyMs: number;
  /** How often the chain's head is read. */
  intervalMs: number;
}

/**
 * The TSA's clock, checked against the chain. A block time is the clock of whoever made the block,
 * so the chain is a second opinion on the time; but only a block seen arriving says what time it
 * is now. So the head is read every `intervalMs`, and when it has moved since the last read, the
 * new head was made between the two reads: its second must not start after the second read, nor
 * end before the first, by more than the accuracy. A disagreement stops `now()` (the TSA refuses
 * with `systemFailure`) until a later new head agrees. A chain that makes no block (a development
 * chain mining only on transactions) gives no new evidence: the clock is trusted as the last
 * comparison left it, and compared again at the next block, such as the anchoring of the TSA's
 * own imprints.
 * A node that stamps each block at least a second after its parent (Hardhat's) runs ahead of the
 * time during a burst of blocks. So a new block a second after its parent may be ahead by a
 * second more than its parent could be (what remained of its lead, as time wore it off); a block
 * further from its parent than that was stamped by a clock, and gets no allowance.
 */
export class ChainClock {
  private readonly clock: Clock;
  private last: { number: number; hash: string; timestamp: number; askedAtMs: number } | undefined;
  private burstLeadMs = 0;
  private comparison: ClockComparison | undefined;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<unknown> | undefined;
  private running = false;

  constructor(
    private readonly ports: ChainClockPorts,
    private readonly options: ChainClockOptions,
  ) {
    if (!(options.accuracyMs > 0)) throw new RangeError("the accuracy must be positive");
    this.clock = ports.now ?? Date.now;
  }

  /** The time to state in a token; throws ChainClockError while the last new block disagreed. */
  now(): Date {
    const comparison = this.comparison;
    if (comparison !== undefined && !comparison.agrees) {
      throw new ChainClockError("clock-disagrees", this.describe(comparison));
    }
    return new Date(this.clock());
  }

  /** The latest comparison, if a block has been seen arriving. */
  get latest(): ClockComparison | undefined {
    return this.comparison;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.round;
  }

  /** Reads the head; compares the clock with it when it is new. Throws what the chain port throws. */
  async checkOnce(): Promise<ClockComparison | undefined> {
    const { chain } = this.ports;
    const askedAtMs = this.clock();
    const head = await chain.blockAt(await chain.headNumber());
    if (head === undefined) return undefined;
    const previous = this.last;
    this.last = { number: head.number, hash: head.hash, timestamp: head.timestamp, askedAtMs };
    if (previous === undefined || head.hash === previous.hash || head.number < previous.number) return undefined;
    // What bumps may have added: the first new block a second after the previous head (carrying
    // what was left of an earlier lead), and every later one a second after its parent.
    const blocks = Math.max(1, head.number - previous.number);
    const first = blocks > 1 ? ((await chain.blockAt(previous.number + 1)) ?? head) : head;
    const carried =
      first.timestamp - previous.timestamp <= 1
        ? Math.max(0, this.burstLeadMs - (askedAtMs - previous.askedAtMs)) + 1000
        : 0;
    this.burstLeadMs = head.timestamp - first.timestamp <= blocks - 1 ? carried + (blocks - 1) * 1000 : 0;
    // The head was made after the previous read was sent and before this one was answered; its time
    // is whole seconds, so it was made within [timestamp, timestamp + 1 s).
    const answeredAtMs = this.clock();
    const ahead = head.timestamp * 1000 - answeredAtMs;
    const behind = previous.askedAtMs - (head.timestamp + 1) * 1000;
    const offsetMs = ahead > 0 ? ahead : behind > 0 ? -behind : 0;
    const { accuracyMs } = this.options;
    const comparison: ClockComparison = {
      block: { number: head.number, hash: head.hash, timestamp: head.timestamp },
      offsetMs,
      burstLeadMs: this.burstLeadMs,
      agrees: offsetMs >= 0 ? offsetMs <= accuracyMs + this.burstLeadMs : -offsetMs <= accuracyMs,
      atMs: answeredAtMs,
    };
    const before = this.comparison;
    this.comparison = comparison;
    const fields = {
      blockNumber: head.number,
      blockTime: new Date(head.timestamp * 1000).toISOString(),
      offsetMs,
      accuracyMs: this.options.accuracyMs,
    };
    if (!comparison.agrees && before?.agrees !== false) {
      this.ports.log.error(fields, `${this.describe(comparison)}: time-stamping is refused until they agree`);
    } else if (comparison.agrees && before?.agrees === false) {
      this.ports.log.warn(fields, "the service clock agrees with the chain's block time again: time-stamping resumes");
    }
    return comparison;
  }

  private describe(comparison: ClockComparison): string {
    const seconds = (Math.abs(comparison.offsetMs) / 1000).toFixed(1);
    const direction = comparison.offsetMs > 0 ? "ahead of" : "behind";
    return (
      `block ${comparison.block.number}'s time is ${seconds} s ${direction} the service clock, ` +
      `more than the accuracy of ${this.options.accuracyMs} ms`
    );
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.round = this.checkOnce()
        .catch((error: unknown) => {
          // An unreachable chain says nothing about the clock: the last comparison stands.
          this.ports.log.debug({ error }, "the chain's head could not be read for the clock check");
        })
        .finally(() => {
          this.round = undefined;
          if (this.running) this.schedule(this.options.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
