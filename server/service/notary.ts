import type { DocumentView } from "../api/wire";
import { NO_DURABILITY, type ChainDurability } from "../chain/chain-durability";
import type { ChainCheck } from "../chain/chain-guard";
import type { RegistryView, RegistryWriter } from "../chain/registry";
import { DocproofError } from "../errors";
import { toBytes32, type Sha256Hex } from "../proof/digest";
import type { ReceiptV1 } from "../proof/receipt";
import type { DocumentRecord } from "../store/document-store";
import type { ServiceMetrics } from "./metrics";
import type { Clock, DocumentQueue, RevocationLedger } from "./ports";
import { isAnchored, type ReceiptBook } from "./receipt-book";

interface PendingAccept {
  sha256: Sha256Hex;
  acceptedAtMs: number;
  resolve: (created: boolean) => void;
  reject: (error: unknown) => void;
}

export interface NotaryPorts {
  queue: DocumentQueue & RevocationLedger;
  receipts: ReceiptBook;
  registry: RegistryView;
  writer: RegistryWriter;
  guard: ChainCheck;
  metrics: ServiceMetrics;
  /** Told after new documents are committed (a full batch may go at once). */
  onAccepted: () => void;
  /** Saves the chain node's state (the local chain); a revocation is recorded only after it. */
  durability?: ChainDurability;
  now?: Clock;
}

/** Notarization: documents accepted into the durable queue, their status and receipts, revocation. */
export class Notary {
  private accepting: PendingAccept[] = [];
  private readonly now: Clock;

  constructor(private readonly ports: NotaryPorts) {
    this.now = ports.now ?? Date.now;
  }

  /**
   * Queues a digest (idempotent) and answers its current view once it is committed; `created` when
   * it was new. Digests submitted in the same turn of the event loop are committed together: one
   * durable write for all of them instead of one each.
   */
  async submit(sha256: Sha256Hex): Promise<{ created: boolean; document: DocumentView }> {
    // The queue is durable, so documents are accepted while the chain is unreachable; not while the
    // node is known to be another chain, whose return nobody can promise.
    this.ports.guard.refuseIfWrongChain();
    const created = await new Promise<boolean>((resolve, reject) => {
      if (this.accepting.length === 0) setImmediate(() => this.commitAccepted());
      this.accepting.push({ sha256, acceptedAtMs: this.now(), resolve, reject });
    });
    return { created, document: this.view(this.ports.queue.document(sha256)!) };
  }

  private commitAccepted(): void {
    const pending = this.accepting;
    this.accepting = [];
    let created: boolean[];
    try {
      created = this.ports.queue.acceptMany(pending);
    } catch (error) {
      for (const accept of pending) accept.reject(error);
      return;
    }
    const count = created.filter(Boolean).length;
    if (count > 0) {
      this.ports.metrics.accepted.inc(count);
      this.ports.onAccepted();
    }
    pending.forEach((accept, i) => accept.resolve(created[i]));
  }

  document(sha256: Sha256Hex): DocumentView {
    return this.view(this.record(sha256));
  }

  receipt(sha256: Sha256Hex): ReceiptV1 {
    const record = this.record(sha256);
    if (!isAnchored(record.batch)) {
      throw new DocproofError("not-anchored", `Document ${sha256} is not anchored yet; its receipt will follow.`);
    }
    return this.ports.receipts.receiptOf(record, record.batch);
  }

  /** Revokes an anchored document on chain, as this service's registrar. */
  async revoke(sha256: Sha256Hex, reason: number): Promise<DocumentView> {
    const record = this.record(sha256);
    if (!isAnchored(record.batch)) {
      throw new DocproofError("not-anchored", `Document ${sha256} is not anchored yet, so it cannot be revoked.`);
    }
    const alreadyRevoked = () =>
      new DocproofError("already-revoked", `Document ${sha256} is already revoked; revocation is final.`);
    if (record.revocation !== undefined) throw alreadyRevoked();
    const { guard, registry, writer } = this.ports;
    await guard.checkNow();
    const receipt = this.ports.receipts.receiptOf(record, record.batch);
    const digest = toBytes32(sha256);
    // Revoked elsewhere (by an admin, say): the chain is the authority.
    if ((await registry.verify(digest, receipt.merkleRoot, receipt.proof)).status === "revoked") throw alreadyRevoked();
    const { txHash, blockNumber } = await writer.revoke(receipt.merkleRoot, digest, receipt.proof, reason);
    await (this.ports.durability ?? NO_DURABILITY).flush();
    const revocation = await registry.verify(digest, receipt.merkleRoot, receipt.proof);
    this.ports.queue.markRevoked(sha256, {
      revokedAt: revocation.revokedAt ?? (await registry.blockTimestamp(blockNumber)),
      reason,
      revokedBy: writer.registrar,
      txHash,
    });
    return this.document(sha256);
  }

  private record(sha256: Sha256Hex): DocumentRecord {
    const record = this.ports.queue.document(sha256);
    if (record === undefined) {
      throw new DocproofError("not-found", `No document with sha256 ${sha256} was submitted here.`);
    }
    return record;
  }

  private view(record: DocumentRecord): DocumentView {
    const view: DocumentView = {
      sha256: record.sha256,
      status: "pending",
      acceptedAt: new Date(record.acceptedAtMs).toISOString(),
    };
    if (isAnchored(record.batch)) {
      view.status = record.revocation === undefined ? "anchored" : "revoked";
      view.receipt = this.ports.receipts.receiptOf(record, record.batch);
      if (record.revocation !== undefined) view.revocation = record.revocation;
    }
    return view;
  }
}
