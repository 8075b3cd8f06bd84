import { DocproofError } from "../errors";
import type { ChainGuard } from "../chain/chain-guard";
import { ChainHead } from "../chain/chain-head";
import type { RegistryClient } from "../chain/registry-client";
import type { TxSender } from "../chain/tx-sender";
import { toBytes32, type Sha256Hex } from "../proof/digest";
import { buildBatch, type Hex32, type MerkleBatch } from "../proof/merkle";
import { buildReceipt, type ReceiptV1 } from "../proof/receipt";
import { verifyClaim, verifyReceipt, type RegistryReader, type Verdict } from "../proof/verification";
import type { BatchRecord, DocumentRecord, DocumentStore } from "../store/document-store";
import type { BatchAnchorer } from "./batch-anchorer";
import type { ServiceMetrics } from "./metrics";

export type DocumentStatus = "pending" | "anchored" | "revoked";

export interface DocumentView {
  sha256: Sha256Hex;
  status: DocumentStatus;
  acceptedAt: string;
  receipt?: ReceiptV1;
  revocation?: { revokedAt: number; reason: number; revokedBy: string; txHash: Hex32 };
}

const TREE_CACHE_SIZE = 64;
/** Receipts and verdicts kept for the most recently asked documents (about 1 KB each). */
const DOCUMENT_CACHE_SIZE = 20_000;

interface PendingAccept {
  sha256: Sha256Hex;
  acceptedAtMs: number;
  resolve: (created: boolean) => void;
  reject: (error: unknown) => void;
}

/** Notarization and verification: the service's use cases, independent of HTTP. */
export class Notary {
  private readonly trees = new Map<number, MerkleBatch>();
  /** Receipts of anchored documents never change: keyed by batch and digest. */
  private readonly receipts = new Map<string, ReceiptV1>();
  /** Verdicts for documents anchored here, valid while the chain's head is the block they were read at. */
  private readonly verdicts = new Map<Sha256Hex, { head: string; verdict: Verdict }>();
  private readonly head: ChainHead;
  private readonly anchoredBy = new Map<string, Promise<boolean>>();
  private accepting: PendingAccept[] = [];

  constructor(
    private readonly store: DocumentStore,
    private readonly registry: RegistryClient,
    private readonly sender: TxSender,
    private readonly guard: ChainGuard,
    private readonly anchorer: BatchAnchorer,
    private readonly metrics: ServiceMetrics,
    private readonly now: () => number = Date.now,
  ) {
    this.head = new ChainHead(() => registry.latestBlockHash());
  }

  /**
   * Queues a digest (idempotent) and answers its current view once it is committed; `created` when
   * it was new. Digests submitted in the same turn of the event loop are committed together: one
   * durable write for all of them instead of one each.
   */
  async submit(sha256: Sha256Hex): Promise<{ created: boolean; document: DocumentView }> {
    // The queue is durable, so documents are accepted while the chain is unreachable; not while the
    // node is known to be another chain, whose return nobody can promise.
    this.guard.assertNotMismatched();
    const created = await new Promise<boolean>((resolve, reject) => {
      if (this.accepting.length === 0) setImmediate(() => this.commitAccepted());
      this.accepting.push({ sha256, acceptedAtMs: this.now(), resolve, reject });
    });
    return { created, document: this.view(this.store.document(sha256)!) };
  }

  private commitAccepted(): void {
    const pending = this.accepting;
    this.accepting = [];
    let created: boolean[];
    try {
      created = this.store.acceptMany(pending);
    } catch (error) {
      for (const accept of pending) accept.reject(error);
      return;
    }
    const count = created.filter(Boolean).length;
    if (count > 0) {
      this.metrics.accepted.inc(count);
      this.anchorer.notifyAccepted();
    }
    pending.forEach((accept, i) => accept.resolve(created[i]));
  }

  document(sha256: Sha256Hex): DocumentView {
    const record = this.store.document(sha256);
    if (record === undefined)
      throw new DocproofError("not-found", `No document with sha256 ${sha256} was submitted here.`);
    return this.view(record);
  }

  receipt(sha256: Sha256Hex): ReceiptV1 {
    const view = this.document(sha256);
    if (view.receipt === undefined) {
      throw new DocproofError("not-anchored", `Document ${sha256} is not anchored yet; its receipt will follow.`);
    }
    return view.receipt;
  }

  /** Verifies against the chain, with the caller's receipt, or else with what this service recorded. */
  async verify(sha256: Sha256Hex, receipt?: ReceiptV1): Promise<Verdict> {
    const chain = this.guard.reader();
    if (receipt !== undefined) return verifyReceipt(sha256, receipt, chain);
    const record = this.store.document(sha256);
    if (record?.batch?.state === "anchored") {
      await this.guard.ensure();
      // What the chain says of an anchoring changes only with a new block (or a reorganisation):
      // a verdict stands while the head is the one known before the chain was asked for it.
      const cached = this.verdicts.get(sha256);
      const head = cached === undefined ? await this.head.known() : await this.head.latest();
      if (cached?.head === head) return cached.verdict;
      const verdict = await verifyClaim(sha256, this.receiptOf(record, record.batch), this.readerAt(head));
      remember(this.verdicts, sha256, { head, verdict }, DOCUMENT_CACHE_SIZE);
      return verdict;
    }

    // Not anchored through this service: a single anchoring by anyone is still on chain.
    await this.guard.ensure();
    const single = await this.registry.singleAnchoringOf(toBytes32(sha256));
    if (single !== undefined) return verifyClaim(sha256, single, chain);
    return {
      valid: false,
      status: "unknown",
      sha256,
      reason:
        record === undefined
          ? "No anchoring of this document is known: it was never notarized, or it was modified."
          : "The document is queued and not anchored yet.",
    };
  }

  /**
   * The registry as read at `head`: which transaction anchored a root is the same for every member
   * of a batch, so it is asked once per batch and head rather than once per document.
   */
  private readerAt(head: string): RegistryReader {
    const registry = this.guard.reader();
    const anchoredBy = this.anchoredBy;
    return {
      chainId: registry.chainId,
      address: registry.address,
      verify: (digest, root, proof) => registry.verify(digest, root, proof),
      transactionAnchored: (txHash, root) => {
        const key = `${head}:${txHash}:${root}`;
        let answer = anchoredBy.get(key);
        if (answer === undefined) {
          answer = registry.transactionAnchored(txHash, root);
          answer.catch(() => anchoredBy.delete(key));
          remember(anchoredBy, key, answer, TREE_CACHE_SIZE);
        }
        return answer;
      },
    };
  }

  /** Revokes an anchored document on chain, as this service's registrar. */
  async revoke(sha256: Sha256Hex, reason: number): Promise<DocumentView> {
    const record = this.store.document(sha256);
    if (record === undefined)
      throw new DocproofError("not-found", `No document with sha256 ${sha256} was submitted here.`);
    if (record.batch?.state !== "anchored") {
      throw new DocproofError("not-anchored", `Document ${sha256} is not anchored yet, so it cannot be revoked.`);
    }
    const alreadyRevoked = () =>
      new DocproofError("already-revoked", `Document ${sha256} is already revoked; revocation is final.`);
    if (record.revocation !== undefined) throw alreadyRevoked();
    await this.guard.check();
    const receipt = this.receiptOf(record, record.batch);
    // Revoked elsewhere (by an admin, say): the chain is the authority.
    const onChain = await this.registry.verify(toBytes32(sha256), receipt.merkleRoot, receipt.proof);
    if (onChain.status === "revoked") throw alreadyRevoked();
    const contract = this.registry.connect(this.sender.wallet);
    const txReceipt = await this.sender.send(
      (nonce) => contract.revoke(receipt.merkleRoot, toBytes32(sha256), receipt.proof, reason, { nonce }),
      () => {},
    );
    const revocation = await this.registry.verify(toBytes32(sha256), receipt.merkleRoot, receipt.proof);
    this.store.markRevoked(sha256, {
      revokedAt: revocation.revokedAt ?? (await this.registry.blockTimestamp(txReceipt.blockNumber)),
      reason,
      revokedBy: this.sender.address,
      txHash: txReceipt.hash as Hex32,
    });
    return this.document(sha256);
  }

  private view(record: DocumentRecord): DocumentView {
    const view: DocumentView = {
      sha256: record.sha256,
      status: "pending",
      acceptedAt: new Date(record.acceptedAtMs).toISOString(),
    };
    if (record.batch?.state === "anchored") {
      view.status = record.revocation === undefined ? "anchored" : "revoked";
      view.receipt = this.receiptOf(record, record.batch);
      if (record.revocation !== undefined) view.revocation = record.revocation;
    }
    return view;
  }

  private receiptOf(record: DocumentRecord, batch: BatchRecord): ReceiptV1 {
    const key = `${batch.id}:${record.sha256}`;
    let receipt = this.receipts.get(key);
    if (receipt === undefined) {
      receipt = this.buildReceiptOf(record, batch);
      remember(this.receipts, key, receipt, DOCUMENT_CACHE_SIZE);
    }
    return receipt;
  }

  private buildReceiptOf(record: DocumentRecord, batch: BatchRecord): ReceiptV1 {
    return buildReceipt(record.sha256, this.tree(batch).proofOf(toBytes32(record.sha256)), {
      merkleRoot: batch.root,
      leafCount: batch.leafCount,
      chainId: this.registry.chainId,
      registry: this.registry.address,
      txHash: batch.txHash!,
      blockNumber: batch.blockNumber!,
      timestamp: batch.timestamp!,
      registrar: batch.registrar!,
    });
  }

  private tree(batch: BatchRecord): MerkleBatch {
    let tree = this.trees.get(batch.id);
    if (tree === undefined) {
      tree = buildBatch(this.store.members(batch.id).map(toBytes32));
      if (this.trees.size >= TREE_CACHE_SIZE) this.trees.delete(this.trees.keys().next().value!);
      this.trees.set(batch.id, tree);
    }
    return tree;
  }
}

/** Sets `key` in a map used as a bounded cache, dropping the oldest entry when it is full. */
function remember<K, V>(cache: Map<K, V>, key: K, value: V, capacity: number): void {
  cache.delete(key);
  if (cache.size >= capacity) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
}
