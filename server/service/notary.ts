import { isoFromUnixSeconds, type DocumentView, type WitnessLookup } from "../api/wire";
import { NO_DURABILITY, type ChainDurability } from "../chain/chain-durability";
import type { ChainCheck } from "../chain/chain-guard";
import type { RegistryView, RegistryWriter } from "../chain/registry";
import { DocproofError } from "../errors";
import { toBytes32, type Hex32, type Sha256Hex } from "../proof/digest";
import type { ReceiptV1 } from "../proof/receipt";
import type { OnChainStatus } from "../proof/verification";
import type { ServiceMetrics } from "./metrics";
import type { Clock, DocumentQueue, RevocationLedger } from "./ports";
import type { RegistrarDirectory } from "./directory";
import type { DocumentAnchorings, DocumentStanding } from "./document-anchorings";
import type { ReceiptBook } from "./receipt-book";

interface PendingAccept {
  sha256: Sha256Hex;
  acceptedAtMs: number;
  resolve: (created: boolean) => void;
  reject: (error: unknown) => void;
}

export interface NotaryPorts {
  queue: DocumentQueue & RevocationLedger;
  receipts: ReceiptBook;
  anchorings: DocumentAnchorings;
  directory: Pick<RegistrarDirectory, "organisationOf">;
  registry: RegistryView;
  writer: RegistryWriter;
  guard: ChainCheck;
  metrics: ServiceMetrics;
  /** Told after new documents are committed (a full batch may go at once). */
  onAccepted: () => void;
  /** Saves the chain node's state (the local chain); a revocation is recorded only after it. */
  durability?: ChainDurability;
  now?: Clock;
  /** The first outside TSA token over an anchoring's block, shown beside it. */
  witnessOf?: WitnessLookup;
  /** Whether a registrar holds the role, as far as the index has followed (RegistryIndexStore). */
  roles?: { holdsRole(registrar: string): boolean | undefined };
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
    this.refuseIfRoleRevoked();
    const created = await new Promise<boolean>((resolve, reject) => {
      if (this.accepting.length === 0) setImmediate(() => this.commitAccepted());
      this.accepting.push({ sha256, acceptedAtMs: this.now(), resolve, reject });
    });
    return { created, document: this.document(sha256) };
  }

  /**
   * Queues many digests at once (idempotent per digest), committed in one durable write before it
   * answers; `created` counts the new ones.
   */
  async submitMany(digests: readonly Sha256Hex[]): Promise<{ created: number; documents: DocumentView[] }> {
    this.ports.guard.refuseIfWrongChain();
    this.refuseIfRoleRevoked();
    const acceptedAtMs = this.now();
    const created = this.ports.queue.acceptMany(digests.map((sha256) => ({ sha256, acceptedAtMs })));
    const count = created.filter(Boolean).length;
    if (count > 0) {
      this.ports.metrics.accepted.inc(count);
      this.ports.onAccepted();
    }
    // A digest new here is pending in this service's queue: its view needs no lookup.
    const acceptedAt = new Date(acceptedAtMs).toISOString();
    return {
      created: count,
      documents: digests.map((sha256, i) =>
        created[i] ? { sha256, status: "pending", acceptedAt } : this.document(sha256),
      ),
    };
  }

  /**
   * A document accepted while the registry's admin has revoked this service's role would wait for
   * good: say so instead. Verification, receipts and the documents already anchored are unaffected.
   */
  private refuseIfRoleRevoked(): void {
    const { roles, writer, registry } = this.ports;
    if (roles?.holdsRole(writer.registrar) !== false) return;
    throw new DocproofError(
      "registrar-inactive",
      `This service's registrar ${writer.registrar} no longer holds the registrar role of registry ` +
        `${registry.address}, so it cannot anchor documents. Verification still works; the registry's admin ` +
        "can grant the role again.",
    );
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
    return this.view(sha256, this.known(sha256));
  }

  receipt(sha256: Sha256Hex): ReceiptV1 {
    const { anchoring } = this.known(sha256);
    if (anchoring === undefined) {
      throw new DocproofError("not-anchored", `Document ${sha256} is not anchored yet; its receipt will follow.`);
    }
    return this.ports.receipts.receiptOf(sha256, anchoring);
  }

  /**
   * Revokes an anchored document on chain, as this service's registrar: one this service anchored,
   * or (after a reindex, say) one the index shows anchored by this registrar.
   */
  async revoke(sha256: Sha256Hex, reason: number): Promise<DocumentView> {
    const { record, anchoring } = this.known(sha256);
    if (anchoring === undefined) {
      throw new DocproofError("not-anchored", `Document ${sha256} is not anchored yet, so it cannot be revoked.`);
    }
    const alreadyRevoked = () =>
      new DocproofError("already-revoked", `Document ${sha256} is already revoked; revocation is final.`);
    if (anchoring.revocation !== undefined) throw alreadyRevoked();
    const { guard, registry, writer } = this.ports;
    if (anchoring.registrar.toLowerCase() !== writer.registrar.toLowerCase()) {
      throw new DocproofError(
        "revocation-forbidden",
        `Document ${sha256} was anchored by registrar ${anchoring.registrar}; only it or the registry's admin can revoke it.`,
      );
    }
    await guard.checkNow();
    const receipt = this.ports.receipts.receiptOf(sha256, anchoring);
    const digest = toBytes32(sha256);
    const root = receipt.merkleRoot;
    const onChain = () => registry.verify(digest, root, receipt.proof);
    const recordFrom = (status: OnChainStatus, txHash?: Hex32) =>
      this.recordRevocationFrom(sha256, root, status, record !== undefined, txHash);
    // Revoked elsewhere (by an admin, say): the chain is the authority, and the record follows it.
    if (await recordFrom(await onChain())) throw alreadyRevoked();
    let txHash: Hex32;
    try {
      ({ txHash } = await writer.revoke(root, digest, receipt.proof, reason));
    } catch (error) {
      // A revocation that lost a race with another one reverts: the chain says which.
      if (await recordFrom(await onChain())) throw alreadyRevoked();
      throw error;
    }
    await (this.ports.durability ?? NO_DURABILITY).flush();
    const revoked = await onChain();
    if (!(await recordFrom(revoked, txHash))) {
      throw new Error(`Transaction ${txHash} was mined but the chain does not show ${sha256} revoked.`);
    }
    // A document known from the index gets its revocation there once the block is final: answer the chain's now.
    return this.view(sha256, {
      record,
      anchoring: {
        ...anchoring,
        revocation: {
          revokedAt: revoked.revokedAt!,
          reason: revoked.revocationReason!,
          revokedBy: revoked.revokedBy!,
          txHash,
        },
      },
    });
  }

  /**
   * Records the revocation the chain reports for `sha256` (in this service's own record, when it has
   * one), if it reports one; answers whether it did. The revoking transaction is `txHash` when this
   * service sent it; otherwise it is found by its event.
   */
  private async recordRevocationFrom(
    sha256: Sha256Hex,
    root: Hex32,
    onChain: OnChainStatus,
    ownRecord: boolean,
    txHash?: Hex32,
  ): Promise<boolean> {
    if (onChain.status !== "revoked") return false;
    if (!ownRecord) return true;
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

  /** The document as known here (own record and/or the registry index); not-found if neither has it. */
  private known(sha256: Sha256Hex): DocumentStanding {
    const standing = this.ports.anchorings.standing(sha256);
    if (standing.record === undefined && standing.anchoring === undefined) {
      throw new DocproofError(
        "not-found",
        `No document with sha256 ${sha256} was submitted here or anchored on the registry.`,
      );
    }
    return standing;
  }

  private view(sha256: Sha256Hex, { record, anchoring }: DocumentStanding): DocumentView {
    const view: DocumentView = { sha256, status: "pending" };
    if (record !== undefined) view.acceptedAt = new Date(record.acceptedAtMs).toISOString();
    if (anchoring !== undefined) {
      view.status = anchoring.revocation === undefined ? "anchored" : "revoked";
      const receipt = this.ports.receipts.receiptOf(sha256, anchoring);
      view.anchoredAtIso = isoFromUnixSeconds(receipt.timestamp);
      view.receipt = receipt;
      const organisation = this.ports.directory.organisationOf(anchoring.registrar);
      view.anchoredBy = { address: anchoring.registrar, ...(organisation === undefined ? {} : organisation) };
      if (anchoring.revocation !== undefined) {
        const { revokedAt, reason, revokedBy, txHash } = anchoring.revocation;
        view.revocation = { revokedAt, revokedAtIso: isoFromUnixSeconds(revokedAt), reason, revokedBy, txHash };
      }
      const witness = this.ports.witnessOf?.(anchoring.blockNumber);
      if (witness !== undefined) view.witnessedBy = witness;
    }
    return view;
  }
}
