import type { ChainCheck } from "../chain/chain-guard";
import type { Logger } from "../logger";
import type { Hex32, Sha256Hex } from "../proof/digest";
import type { Checkpoint, ReceiptLink } from "../proof/history-accumulator";
import type { ReceiptV1 } from "../proof/receipt";
import type { Evidence, ReceiptV2, WitnessCosignature } from "../proof/receipt-v2";
import { DocproofError } from "../errors";
import { BoundedCache } from "./bounded-cache";
import type { Clock } from "./ports";

/** Evidence of the anchorings most recently asked for: up to ~1.6 MB each for the largest batches. */
const EVIDENCE_CACHE_SIZE = 64;
/** Blocks whose cosignatures are kept. */
const COSIGNATURE_CACHE_SIZE = 4_096;
/** How long a block whose witnesses did not all answer waits before they are asked again. */
const WITNESS_RETRY_MS = 30_000;

/** The chain data behind a version 1 receipt (server/chain/evidence-builder.ts, `buildReceiptV2`). */
export interface EvidenceSource {
  receiptV2Of(receipt: ReceiptV1): Promise<ReceiptV2>;
}

/** The block-hash history the service keeps (server/chain/block-history.ts). */
export interface BlockHistory {
  /** Extends the history to the final head; answers the head reached. */
  catchUp(): Promise<number | undefined>;
  checkpoint(): Checkpoint | undefined;
  linkFor(blockNumber: number, blockHash: Hex32): Promise<ReceiptLink | undefined>;
}

/** This member's and its peers' cosignatures of a block (server/chain/witness-peers.ts). */
export interface BlockCosigners {
  cosign(
    blockNumber: number,
    blockHash: Hex32,
  ): Promise<{ cosignatures: WitnessCosignature[]; failures: { peer: string; problem: string }[] }>;
}

export interface OfflineReceiptsPorts {
  /** The version 1 receipt of any document the service knows (its own or indexed): the Notary. */
  receipts: { receipt(sha256: Sha256Hex): ReceiptV1 };
  evidence: EvidenceSource;
  history?: BlockHistory;
  cosigners?: BlockCosigners;
  /** Nothing is read from a node that is another chain than the service's (a reset, a replaced node). */
  guard?: Pick<ChainCheck, "checkRecent">;
  log: Logger;
  now?: Clock;
}

export interface OfflineReceiptsOptions {
  /** How often the history is extended to the final head. */
  intervalMs: number;
}

type BlockEvidence = Pick<Evidence, "block" | "transaction" | "receipt">;

interface BlockCosignatures {
  cosignatures: WitnessCosignature[];
  complete: boolean;
  atMs: number;
}

/**
 * Receipts that need no trusted node: the version 1 receipt with the chain data that proves it
 * (built once per anchoring, since a final block never changes), a link to the checkpoint the
 * service publishes, and the cosignatures of the consortium's witnesses.
 */
export class OfflineReceipts {
  private readonly evidence = new BoundedCache<string, Promise<BlockEvidence>>(EVIDENCE_CACHE_SIZE);
  private readonly cosignatures = new BoundedCache<string, BlockCosignatures>(COSIGNATURE_CACHE_SIZE);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private scheduled = false;
  private lastFailureMs = Number.NEGATIVE_INFINITY;
  private readonly now: Clock;

  constructor(
    private readonly ports: OfflineReceiptsPorts,
    private readonly options: OfflineReceiptsOptions,
  ) {
    this.now = ports.now ?? Date.now;
  }

  /** The version 2 receipt of an anchored document; `not-anchored` or `not-found` as the version 1 one. */
  async receiptV2(sha256: Sha256Hex): Promise<ReceiptV2> {
    const receipt = this.ports.receipts.receipt(sha256);
    await this.ports.guard?.checkRecent();
    const evidence = await this.blockEvidence(receipt);
    const link = await this.linkOf(receipt.blockNumber, evidence.block.hash);
    const witnesses = await this.witnessesOf(receipt.blockNumber, evidence.block.hash);
    return {
      ...receipt,
      version: 2,
      evidence: {
        ...evidence,
        ...(link === undefined ? {} : { link }),
        ...(witnesses.length === 0 ? {} : { witnesses }),
      },
    };
  }

  /** The checkpoint the service publishes: the head of its history. */
  checkpoint(): Checkpoint {
    const checkpoint = this.ports.history?.checkpoint();
    if (checkpoint === undefined) {
      throw new DocproofError(
        "checkpoint-unavailable",
        this.ports.history === undefined
          ? "This service keeps no history of the chain's block hashes."
          : "The service has not read the chain's block hashes up to a final block yet.",
      );
    }
    return checkpoint;
  }

  start(): void {
    if (this.ports.history === undefined) return;
    this.scheduled = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.scheduled = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Extends the history to the final head now. Concurrent calls share one run. */
  catchUp(): Promise<unknown> {
    const history = this.ports.history;
    if (history === undefined) return Promise.resolve();
    const guard = this.ports.guard;
    const run = async () => {
      await guard?.checkRecent();
      return history.catchUp();
    };
    this.running ??= run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (!this.scheduled) return;
    this.timer = setTimeout(() => {
      void this.catchUp()
        .catch((error: unknown) => {
          if (this.now() - this.lastFailureMs < 60_000) return;
          this.lastFailureMs = this.now();
          this.ports.log.warn({ error }, "extending the block-hash history paused; will retry");
        })
        .finally(() => this.schedule(this.options.intervalMs));
    }, delayMs);
  }

  /** A link to the published checkpoint; a block the history has not reached yet waits for one catch-up. */
  private async linkOf(blockNumber: number, blockHash: Hex32): Promise<ReceiptLink | undefined> {
    const history = this.ports.history;
    if (history === undefined) return undefined;
    const reached = history.checkpoint()?.blockNumber ?? -1;
    if (reached < blockNumber) {
      try {
        await this.catchUp();
      } catch (error) {
        this.ports.log.warn(
          { error, blockNumber },
          "the receipt goes without a link: the history could not be extended",
        );
        return undefined;
      }
    }
    return history.linkFor(blockNumber, blockHash);
  }

  private blockEvidence(receipt: ReceiptV1): Promise<BlockEvidence> {
    // Every member of a batch shares its anchoring's block, transaction and receipt.
    const key = `${receipt.txHash}:${receipt.blockNumber}`;
    let evidence = this.evidence.get(key);
    if (evidence === undefined) {
      evidence = this.ports.evidence.receiptV2Of(receipt).then(({ evidence: { block, transaction, receipt: r } }) => ({
        block,
        transaction,
        receipt: r,
      }));
      evidence.catch(() => this.evidence.delete(key));
      this.evidence.set(key, evidence);
    }
    return evidence;
  }

  private async witnessesOf(blockNumber: number, blockHash: Hex32): Promise<WitnessCosignature[]> {
    const cosigners = this.ports.cosigners;
    if (cosigners === undefined) return [];
    const key = `${blockNumber}:${blockHash}`;
    const known = this.cosignatures.get(key);
    if (known !== undefined && (known.complete || this.now() - known.atMs < WITNESS_RETRY_MS)) {
      return known.cosignatures;
    }
    const { cosignatures, failures } = await cosigners.cosign(blockNumber, blockHash);
    // Keep what earlier rounds gathered: a witness that answered once need not answer again.
    const merged = [...(known?.cosignatures ?? [])];
    for (const cosignature of cosignatures) {
      if (!merged.some((kept) => kept.signer === cosignature.signer)) merged.push(cosignature);
    }
    if (failures.length > 0) {
      this.ports.log.warn({ blockNumber, failures }, "some witnesses did not cosign the block; asking again later");
    }
    this.cosignatures.set(key, { cosignatures: merged, complete: failures.length === 0, atMs: this.now() });
    return merged;
  }
}
