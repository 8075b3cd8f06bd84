import { toBytes32, type Sha256Hex } from "../proof/digest";
import { buildBatch, type MerkleBatch } from "../proof/merkle";
import { buildReceipt, type ReceiptV1 } from "../proof/receipt";
import type { BatchRecord, DocumentRecord } from "../store/document-store";
import { BoundedCache } from "./bounded-cache";

/** Batch trees kept built: rebuilding a 12,000-document tree takes a noticeable slice of the event loop. */
const TREE_CACHE_SIZE = 64;
/** Receipts of the most recently asked documents (about 1 KB each). */
const RECEIPT_CACHE_SIZE = 20_000;

/** An anchored batch, as the receipts of its members need it. */
export type AnchoredBatchRecord = BatchRecord &
  Required<Pick<BatchRecord, "txHash" | "blockNumber" | "timestamp" | "registrar">>;

export function isAnchored(batch: BatchRecord | undefined): batch is AnchoredBatchRecord {
  return batch?.state === "anchored";
}

/**
 * The receipts of documents anchored here, built from the store's record of their batch. A
 * receipt never changes once its batch is anchored, so receipts and trees are cached.
 */
export class ReceiptBook {
  private readonly trees = new BoundedCache<number, MerkleBatch>(TREE_CACHE_SIZE);
  private readonly receipts = new BoundedCache<string, ReceiptV1>(RECEIPT_CACHE_SIZE);

  constructor(
    private readonly members: (batchId: number) => readonly Sha256Hex[],
    private readonly registry: { readonly chainId: number; readonly address: string },
  ) {}

  /** The receipt of `record`, a member of the anchored `batch`. */
  receiptOf(record: DocumentRecord, batch: AnchoredBatchRecord): ReceiptV1 {
    return this.receipts.getOrCreate(`${batch.id}:${record.sha256}`, () =>
      buildReceipt(record.sha256, this.tree(batch).proofOf(toBytes32(record.sha256)), {
        merkleRoot: batch.root,
        leafCount: batch.leafCount,
        chainId: this.registry.chainId,
        registry: this.registry.address,
        txHash: batch.txHash,
        blockNumber: batch.blockNumber,
        timestamp: batch.timestamp,
        registrar: batch.registrar,
      }),
    );
  }

  private tree(batch: BatchRecord): MerkleBatch {
    return this.trees.getOrCreate(batch.id, () => buildBatch(this.members(batch.id).map(toBytes32)));
  }
}
