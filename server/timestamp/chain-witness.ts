import { createHash } from "node:crypto";
import type { Sha256Hex } from "../proof/digest";
import type { TimeStampClient } from "./time-stamp-query";

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

/** One witnessed block, as the store keeps it. */
export interface ChainWitnessRecord {
  blockNumber: bigint;
  blockHash: string;
  /** The imprint the TSA stamped: witnessImprint(blockHash). */
  sha256: Sha256Hex;
  /** The TSA's URL. */
  authority: string;
  genTime: Date;
  serial: bigint;
  /** The DER TimeStampResp as received: `openssl ts -verify -in` takes it as it is. */
  reply: Uint8Array;
  witnessedAt: Date;
}

export interface WitnessStore {
  /** The most recently saved witness, to avoid stamping the same block twice. */
  latestWitness(): Promise<Pick<ChainWitnessRecord, "blockNumber" | "blockHash"> | undefined>;
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
 * The SHA-256 the TSA stamps for a block: of the 32 raw bytes of its hash.
 * NOTE: RFC 3161 imprints are digests of data; a block hash is Keccak-256, so it is the data
 * here. `openssl ts -verify -data <32-byte file>` checks such a token; so does
 * `-digest $(printf %s <hash without 0x> | xxd -r -p | sha256sum | cut -c1-64)`.
 */
export function witnessImprint(blockHash: string): Sha256Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(blockHash)) throw new RangeError(`not a block hash: ${blockHash}`);
  return createHash("sha256")
    .update(Buffer.from(blockHash.slice(2), "hex"))
    .digest("hex") as Sha256Hex;
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

/** Runs `witnessOnce` every `intervalMs` (after the previous round ends) between start and stop. */
export class ChainWitness {
  private readonly timer: WitnessTimer;
  private cancelNext: (() => void) | undefined;
  private round: Promise<void> | undefined;
  private running = false;

  constructor(private readonly options: ChainWitnessOptions) {
    if (!(options.intervalMs > 0)) throw new RangeError("the witness interval must be positive");
    this.timer = options.timer ?? systemTimer;
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
  async witnessOnce(): Promise<ChainWitnessRecord | undefined> {
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
