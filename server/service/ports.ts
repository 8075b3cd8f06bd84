/**
 * What the use cases need from the store, as small interfaces: DocumentStore (store/) implements
 * them against SQLite, and unit tests can hand in anything that keeps the same promises. The
 * chain's ports live beside their adapters in chain/ (RegistryView, RegistryWriter, ChainCheck),
 * because the CLI uses them too.
 */
import type { Hex32, Sha256Hex } from "../proof/digest";
import type { BatchRecord, DocumentRecord, RevocationRecord } from "../store/document-store";

/** The durable queue of accepted documents and what became of each. */
export interface DocumentQueue {
  /** Commits the digests in one durable write; answers, for each, whether it was new. */
  acceptMany(documents: readonly { sha256: Sha256Hex; acceptedAtMs: number }[]): boolean[];
  document(sha256: Sha256Hex): DocumentRecord | undefined;
  countUnbatched(): number;
}

/** The batches: prepared before their transaction is sent, marked sent and anchored after. */
export interface BatchLedger {
  /** The oldest digests not yet in a batch. */
  unbatched(limit: number): Sha256Hex[];
  countUnbatched(): number;
  /** Records a batch and assigns its members to it, in one transaction. */
  prepareBatch(root: Hex32, members: readonly Sha256Hex[], nowMs: number): BatchRecord;
  /** The members of a batch, in digest order. */
  members(batchId: number): Sha256Hex[];
  acceptedTimes(batchId: number): number[];
  /** Batches prepared or sent but not yet known to be anchored: the work of a restart. */
  unfinishedBatches(): BatchRecord[];
  markSent(batchId: number, txHash: Hex32): void;
  markAnchored(
    batchId: number,
    facts: { txHash: Hex32; blockNumber: number; blockHash: string; timestamp: number; registrar: string },
    nowMs: number,
  ): void;
  /** Batches anchored above `block` back to prepared, after the chain was rolled back below them. */
  reopenAnchoredAbove(block: number, nowMs: number): BatchRecord[];
}

export interface RevocationLedger {
  markRevoked(sha256: Sha256Hex, revocation: RevocationRecord): void;
}

/** Whether a write can be committed now (health). */
export interface StoreProbe {
  checkWritable(): void;
}

/** Milliseconds since the epoch; injected so tests control time. */
export type Clock = () => number;
