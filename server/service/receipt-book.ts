import { toBytes32, type Hex32, type Sha256Hex } from "../proof/digest";
import { buildBatch, type MerkleBatch } from "../proof/merkle";
import { buildReceipt, type ReceiptV1 } from "../proof/receipt";
import type { BatchRecord, RevocationRecord } from "../store/document-store";
import { BoundedCache } from "./bounded-cache";

/**
 * Leaves of the batch trees kept built (about 190 bytes of heap each, so at most some 12 MB):
 * rebuilding a 3,900-document tree takes about 20 ms of the event loop. Counted in leaves, so that
 * a chain of large batches cannot make the cache hold hundreds of MB; a tree counts as at least
 * TREE_MIN_WEIGHT leaves, so that small ones, cheap to rebuild, are kept 64 at most.
 */
export const TREE_CACHE_LEAVES = 65_536;
const TREE_MIN_WEIGHT = TREE_CACHE_LEAVES / 64;

/** An anchored batch, as the receipts of its members need it. */
export type AnchoredBatchRecord = BatchRecord &
  Required<Pick<BatchRecord, "txHash" | "blockNumber" | "timestamp" | "registrar">>;

export function isAnchored(batch: BatchRecord | undefined): batch is AnchoredBatchRecord {
  return batch?.state === "anchored";
}

/**
 * One anchoring of a document, wherever it is known from: this service's own batch, or the index of
 * the whole registry (another member's anchoring, or this one's after a reindex). Receipts are built
 * from these facts alone, so a document's receipt is the same byte for byte whichever service of the
 * consortium serves it.
 */
export interface DocumentAnchoring {
  root: Hex32;
  leafCount: number;
  txHash: Hex32;
  blockNumber: number;
  /** The anchoring block's time, Unix seconds. */
  timestamp: number;
  registrar: string;
  revocation?: RevocationRecord;
  /** Every member of the anchoring's batch, in digest order. */
  members(): readonly Sha256Hex[];
}

/**
 * The receipts of anchored documents, built from their batches' trees, which are cached. Receipts
 * themselves are not: one takes about 8 µs to build from a cached tree, and a cache of them
 * kept each for thousands of requests, so every one was promoted to the old generation before it
 * died (in the soak, a cache of 4,096 grew the live heap by 7 MiB while it filled).
 */
export class ReceiptBook {
  private readonly trees = new BoundedCache<Hex32, MerkleBatch>(TREE_CACHE_LEAVES, (tree) =>
    Math.max(tree.digests.length, TREE_MIN_WEIGHT),
  );

  constructor(private readonly registry: { readonly chainId: number; readonly address: string }) {}

  receiptOf(sha256: Sha256Hex, anchoring: DocumentAnchoring): ReceiptV1 {
    return buildReceipt(sha256, this.tree(anchoring).proofOf(toBytes32(sha256)), {
      merkleRoot: anchoring.root,
      leafCount: anchoring.leafCount,
      chainId: this.registry.chainId,
      registry: this.registry.address,
      txHash: anchoring.txHash,
      blockNumber: anchoring.blockNumber,
      timestamp: anchoring.timestamp,
      registrar: anchoring.registrar,
    });
  }

  private tree(anchoring: DocumentAnchoring): MerkleBatch {
    return this.trees.getOrCreate(anchoring.root, () => buildBatch(anchoring.members().map(toBytes32)));
  }
}
