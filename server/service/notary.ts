import { isoFromUnixSeconds, type DocumentView } from "../api/wire";
import { NO_DURABILITY, type ChainDurability } from "../chain/chain-durability";
import type { ChainCheck } from "../chain/chain-guard";
import type { RegistryView, RegistryWriter } from "../chain/registry";
import { DocproofError } from "../errors";
import { toBytes32, type Hex32, type Sha256Hex } from "../proof/digest";
import type { ReceiptV1 } from "../proof/receipt";
import type { OnChainStatus } from "../proof/verification";
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
    const onChain = () => registry.verify(digest, receipt.merkleRoot, receipt.proof);
    // Revoked elsewhere (by an admin, say): the chain is the authority, and the record follows it.
    const root = receipt.merkleRoot;
    if (await this.recordRevocationFrom(sha256, root, await onChain())) throw alreadyRevoked();
    let txHash: Hex32;
    try {
      ({ txHash } = await writer.revoke(receipt.merkleRoot, digest, receipt.proof, reason));
    } catch (error) {
      // A revocation that lost a race with another one reverts: the chain says which.
      if (await this.recordRevocationFrom(sha256, root, await onChain())) throw alreadyRevoked();
      throw error;
    }
    await (this.ports.durability ?? NO_DURABILITY).flush();
    if (!(await this.recordRevocationFrom(sha256, root, await onChain(), txHash))) {
      throw new Error(`Transaction ${txHash} was mined but the chain does not show ${sha256} revoked.`);
    }
    return this.document(sha256);
  }

  /**
   * Records the revocation the chain reports for `sha256`, if it reports one; answers whether it did.
   * The revoking transaction is `txHash` when this service sent it; otherwise it is not known here.
   */
  private async recordRevocationFrom(
    sha256: Sha256Hex,
    root: Hex32,
    onChain: OnChainStatus,
    txHash?: Hex32,
  ): Promise<boolean> {
    if (onChain.status !== "revoked") return false;
    const revokedIn = txHash ?? (await this.ports.registry.revocationOf(root, toBytes32(sha256)))?.txHash;
    if (revokedIn === undefined) throw new Error(`The chain shows ${sha256} revoked but no revocation event.`);
    this.ports.queue.markRevoked(sha256, {
      revokedAt: onChain.revokedAt!,
      reason: onChain.revocationReason!,
      revokedBy: onChain.revokedBy!,
      txHash: revokedIn,
    });
    return true;
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
      const receipt = this.ports.receipts.receiptOf(record, record.batch);
      view.anchoredAtIso = isoFromUnixSeconds(receipt.timestamp);
      view.receipt = receipt;
      if (record.revocation !== undefined) {
        const { revokedAt, reason, revokedBy, txHash } = record.revocation;
        view.revocation = { revokedAt, revokedAtIso: isoFromUnixSeconds(revokedAt), reason, revokedBy, txHash };
      }
    }
    return view;
  }
}
