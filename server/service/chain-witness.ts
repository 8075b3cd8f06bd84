import type { WitnessLookup, WitnessView } from "../api/wire";
import type { RegistryEvents } from "../chain/registry";
import { DocproofError } from "../errors";
import type { TimeStampClient } from "../timestamp/time-stamp-query";
import { witnessImprint, type ChainWitnessRecord } from "../timestamp/witness-imprint";

/**
 * The chain witnessed by an outside authority: every so often, an outside TSA time-stamps the
 * hash of the latest final block, so that a verifier who trusts that TSA and not the consortium
 * knows the chain, and every anchoring in it, existed by the token's genTime.
 */

/** A final block: one that the chain will not reorganise away (per the service's confirmations). */
export interface FinalBlock {
  number: bigint;
  /** 0x-prefixed 32-byte block hash. */
  hash: string;
}

export interface FinalBlockSource {
  latestFinalBlock(): Promise<FinalBlock | undefined>;
}

export interface WitnessStore {
  /** The most recently saved witness still on the chain, to avoid stamping the same block twice. */
  latestWitness(): Promise<ChainWitnessRecord | undefined>;
  saveWitness(record: ChainWitnessRecord): Promise<void>;
}

/** Timers, injected so that tests drive the loop by hand. */
export interface WitnessTimer {
  now(): Date;
  /** Calls `callback` once after `delayMs`; the returned function cancels it. */
  schedule(callback: () => void, delayMs: number): () => void;
}

export const systemTimer: WitnessTimer = {
  now: () => new Date(),
  schedule(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    // The witness never keeps a process alive on its own.
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/**
 * The latest final block of a chain read through the registry's follower port: the head less
 * `confirmations - 1` blocks, as the index and the anchorer count them.
 */
export function finalBlocks(
  chain: Pick<RegistryEvents, "headNumber" | "blockAt">,
  confirmations: number,
): FinalBlockSource {
  return {
    async latestFinalBlock() {
      const final = (await chain.headNumber()) - confirmations + 1;
      if (final < 0) return undefined;
      const block = await chain.blockAt(final);
      return block === undefined ? undefined : { number: BigInt(block.number), hash: block.hash };
    },
  };
}

/** A witness as the API shows it beside an anchoring: "this block existed no later than genTime, by authority". */
export function witnessView(record: ChainWitnessRecord): WitnessView {
  return {
    authority: record.authority,
    genTime: record.genTime.toISOString(),
    blockNumber: Number(record.blockNumber),
    blockHash: record.blockHash,
    token: Buffer.from(record.reply).toString("base64"),
  };
}

/** Finds, for an anchoring's block, the first witness at that block or after it. */
export function witnessLookup(witnesses: {
  firstCovering(blockNumber: number): ChainWitnessRecord | undefined;
}): WitnessLookup {
  // The store hands out the same record for a block until its witnesses change: its view (the
  // token in base64, a few KB) is made once, not for every verdict.
  const views = new WeakMap<ChainWitnessRecord, WitnessView>();
  return (blockNumber) => {
    const record = witnesses.firstCovering(blockNumber);
    if (record === undefined) return undefined;
    let view = views.get(record);
    if (view === undefined) views.set(record, (view = witnessView(record)));
    return view;
  };
}

export interface ChainWitnessOptions {
  blocks: FinalBlockSource;
  tsa: TimeStampClient;
  store: WitnessStore;
  intervalMs: number;
  timer?: WitnessTimer;
  /** A failed round (chain, TSA or store); the next round tries again. */
  onError?: (error: unknown) => void;
  onWitnessed?: (record: ChainWitnessRecord) => void;
}

/**
 * Runs `witnessOnce` every `intervalMs` (after the previous round ends) between start and stop;
 * `witnessNow` runs a round on demand. Rounds never overlap, so a block is stamped once.
 */
export class ChainWitness {
  private readonly timer: WitnessTimer;
  private cancelNext: (() => void) | undefined;
  private round: Promise<void> | undefined;
  private running = false;
  /** The round under way (scheduled or on demand): the next one waits for it. */
  private latest: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ChainWitnessOptions) {
    if (!(options.intervalMs > 0)) throw new RangeError("the witness interval must be positive");
    this.timer = options.timer ?? systemTimer;
  }

  /** The outside TSA's URL. */
  get authority(): string {
    return this.options.tsa.authority;
  }

  /** Starts with a round now. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.next(0);
  }

  /** Stops scheduling and waits for a round in progress. */
  async stop(): Promise<void> {
    this.running = false;
    this.cancelNext?.();
    this.cancelNext = undefined;
    await this.round;
  }

  /**
   * One round: stamps the latest final block unless it is the one witnessed last. Returns the
   * new record, or undefined when there was nothing new. Throws what the ports throw.
   */
  witnessOnce(): Promise<ChainWitnessRecord | undefined> {
    const round = this.latest.then(
      () => this.stampLatest(),
      () => this.stampLatest(),
    );
    this.latest = round.catch(() => undefined);
    return round;
  }

  /**
   * A round on demand: the witness of the latest final block, stamped now unless it already was
   * (`created` false). Throws `chain-unavailable` while the chain has no final block.
   */
  async witnessNow(): Promise<{ record: ChainWitnessRecord; created: boolean }> {
    const record = await this.witnessOnce();
    if (record !== undefined) return { record, created: true };
    const latest = await this.options.store.latestWitness();
    if (latest === undefined)
      throw new DocproofError("chain-unavailable", "The chain has no final block to witness yet.");
    return { record: latest, created: false };
  }

  private async stampLatest(): Promise<ChainWitnessRecord | undefined> {
    const { blocks, tsa, store } = this.options;
    const block = await blocks.latestFinalBlock();
    if (block === undefined) return undefined;
    const last = await store.latestWitness();
    if (last !== undefined && last.blockHash.toLowerCase() === block.hash.toLowerCase()) return undefined;
    const sha256 = witnessImprint(block.hash);
    const stamp = await tsa.timeStamp(sha256);
    const record: ChainWitnessRecord = {
      blockNumber: block.number,
      blockHash: block.hash,
      sha256,
      authority: tsa.authority,
      genTime: stamp.info.genTime,
      serial: stamp.info.serial,
      reply: stamp.reply,
      witnessedAt: this.timer.now(),
    };
    await store.saveWitness(record);
    this.options.onWitnessed?.(record);
    return record;
  }

  private next(delayMs: number): void {
    this.cancelNext = this.timer.schedule(() => {
      this.cancelNext = undefined;
      this.round = this.witnessOnce()
        .then(
          () => undefined,
          (error: unknown) => {
            try {
              this.options.onError?.(error);
            } catch {
              // A failing error reporter must not stop the witness.
            }
          },
        )
        .finally(() => {
          this.round = undefined;
          if (this.running) this.next(this.options.intervalMs);
        });
    }, delayMs);
  }
}
