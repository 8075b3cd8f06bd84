import type { ChainCheck } from "../chain/chain-guard";
import { ChainHead } from "../chain/chain-head";
import type { RegistryView } from "../chain/registry";
import { isDocproofError } from "../errors";
import { toBytes32, type Hex32, type Sha256Hex } from "../proof/digest";
import { nodeAnchor, verifyReceiptOffline, type BlockHashLookup } from "../proof/offline-verification";
import { receiptV1Of, type AnyReceipt, type ReceiptV2 } from "../proof/receipt-v2";
import { verifyClaim, verifyReceipt, type RegistryReader, type Verdict } from "../proof/verification";
import { BoundedCache } from "./bounded-cache";
import type { DocumentAnchoring as IndexedDocumentAnchoring, SupersededAnchoring } from "../store/registry-index";
import type { DocumentAnchorings } from "./document-anchorings";
import type { DocumentAnchoring, ReceiptBook } from "./receipt-book";

/** Verdicts kept for the most recently verified documents. */
const VERDICT_CACHE_SIZE = 20_000;
/** Answers to "did this transaction anchor this root", per chain head: one per batch, not per member. */
const ANCHORING_TX_CACHE_SIZE = 64;

export interface VerifierPorts {
  anchorings: Pick<DocumentAnchorings, "standing">;
  /** Anchorings a rollback of the chain removed (RegistryIndexStore). */
  superseded: { superseded(root: Hex32, txHash: Hex32): SupersededAnchoring | undefined };
  /** The index of the whole registry (RegistryIndexStore): verdicts without a call to the node. */
  index: {
    cursor(): { number: number; hash: string } | undefined;
    anchoringsOf(sha256: Sha256Hex): IndexedDocumentAnchoring[];
  };
  receipts: ReceiptBook;
  registry: Pick<RegistryView, "singleAnchoringOf" | "latestBlockHash" | "chainId" | "address">;
  guard: ChainCheck;
  /** The hash the service's node holds for a block: the trust anchor of a version 2 receipt's evidence. */
  blockHashAt?: BlockHashLookup;
}

/** Verification against the chain: with the caller's receipt, or with what this service recorded. */
export class Verifier {
  /** Verdicts for documents anchored here, valid while the chain's head is the block they were read at. */
  private readonly verdicts = new BoundedCache<Sha256Hex, { head: string; verdict: Verdict }>(VERDICT_CACHE_SIZE);
  private readonly anchoringTx = new BoundedCache<string, Promise<boolean>>(ANCHORING_TX_CACHE_SIZE);
  private readonly head: ChainHead;

  constructor(private readonly ports: VerifierPorts) {
    this.head = new ChainHead(() => ports.registry.latestBlockHash());
  }

  async verify(sha256: Sha256Hex, receipt?: AnyReceipt): Promise<Verdict> {
    const { guard, anchorings } = this.ports;
    if (receipt !== undefined) {
      const verdict =
        receipt.version === 2
          ? await this.verifyWithEvidence(sha256, receipt)
          : await verifyReceipt(sha256, receipt, guard.checkedReader());
      // A receipt the chain contradicts may name an anchoring a rollback removed: say so, not "invalid".
      const removed =
        verdict.status === "invalid-receipt"
          ? this.ports.superseded.superseded(receipt.merkleRoot, receipt.txHash)
          : undefined;
      return removed === undefined ? verdict : this.supersededVerdict(sha256, receipt, removed);
    }
    await guard.checkRecent();
    // From here to the verdict from the index nothing awaits: the index's cursor and the anchorings
    // read with the standing one are of the same moment.
    const { record, anchoring, indexed } = anchorings.standing(sha256);
    if (anchoring !== undefined) {
      const fromIndex = this.fromIndex(sha256, anchoring, indexed);
      if (fromIndex !== undefined) return fromIndex;
      // What the chain says of an anchoring changes only with a new block (or a reorganisation):
      // a verdict stands while the head is the one known before the chain was asked for it.
      const cached = this.verdicts.get(sha256);
      const head = cached === undefined ? await this.head.known() : await this.head.latest();
      if (cached?.head === head) return cached.verdict;
      const claim = this.ports.receipts.receiptOf(sha256, anchoring);
      const verdict = await verifyClaim(sha256, claim, this.readerAt(head));
      this.verdicts.set(sha256, { head, verdict });
      return verdict;
    }

    // Not anchored through this service: a single anchoring by anyone is still on chain.
    const single = await this.ports.registry.singleAnchoringOf(toBytes32(sha256));
    if (single !== undefined) return verifyClaim(sha256, single, guard.checkedReader());
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
   * The verdict the index of the whole registry gives, with no call to the node: the index holds
   * every anchoring and revocation up to its cursor, a final block, and the verdict names that block.
   * Undefined when the index does not hold this anchoring (yet). `alreadyRead`: the index's
   * anchorings of the document, read since the caller last awaited.
   */
  private fromIndex(
    sha256: Sha256Hex,
    anchoring: DocumentAnchoring,
    alreadyRead?: IndexedDocumentAnchoring[],
  ): Verdict | undefined {
    const { index, registry } = this.ports;
    const cursor = index.cursor();
    if (cursor === undefined || cursor.number < anchoring.blockNumber) return undefined;
    const indexed = (alreadyRead ?? index.anchoringsOf(sha256)).find(
      (a) => a.root === anchoring.root && a.txHash === anchoring.txHash && a.blockNumber === anchoring.blockNumber,
    );
    // A revocation this service made and the index has not reached yet: the node knows better.
    if (indexed === undefined || (anchoring.revocation !== undefined && indexed.revocation === undefined)) {
      return undefined;
    }
    const base: Verdict = {
      valid: true,
      status: "anchored",
      sha256,
      merkleRoot: anchoring.root,
      chainId: registry.chainId,
      registry: registry.address,
      anchoredAt: indexed.timestamp,
      blockNumber: indexed.blockNumber,
      txHash: indexed.txHash,
      registrar: indexed.registrar,
      checkedAt: { blockNumber: cursor.number, blockHash: cursor.hash },
    };
    const revocation = indexed.revocation;
    if (revocation === undefined) return base;
    return {
      ...base,
      valid: false,
      status: "revoked",
      revokedAt: revocation.revokedAt,
      revokedBy: revocation.revokedBy,
      revocationReason: revocation.reason,
      reason: "The registrar or an admin revoked this document.",
    };
  }

  /**
   * A receipt whose anchoring a rollback removed: said plainly, with the anchoring that stands now
   * (once the document is anchored again), never as a forgery.
   */
  private supersededVerdict(sha256: Sha256Hex, receipt: AnyReceipt, removed: SupersededAnchoring): Verdict {
    let anchoring: DocumentAnchoring | undefined;
    try {
      anchoring = this.ports.anchorings.standing(sha256).anchoring;
    } catch (error) {
      // Still being anchored again: the receipt is superseded all the same.
      if (!isDocproofError(error, "chain-rolled-back")) throw error;
    }
    // The same transaction may be mined again after a rollback, in another block: compare the block too.
    const now =
      anchoring === undefined || (anchoring.txHash === removed.txHash && anchoring.blockNumber === removed.blockNumber)
        ? undefined
        : anchoring;
    return {
      valid: false,
      status: "receipt-superseded",
      sha256,
      merkleRoot: receipt.merkleRoot,
      chainId: receipt.chainId,
      registry: receipt.registry,
      blockNumber: removed.blockNumber,
      txHash: removed.txHash,
      reason:
        `A rollback of the chain removed block ${removed.blockNumber}, where this receipt's anchoring was. The ` +
        (now === undefined
          ? "document is being anchored again: fetch its new receipt in a moment."
          : `document was anchored again in block ${now.blockNumber}: fetch its new receipt.`),
      ...(now === undefined
        ? {}
        : { supersededBy: { txHash: now.txHash, blockNumber: now.blockNumber, anchoredAt: now.timestamp } }),
    };
  }

  /**
   * A version 2 receipt: its version 1 fields against the registry (revocation included), as any
   * receipt, then its evidence, with this service's node vouching for the block hash. Evidence that
   * does not hold makes the receipt invalid, whatever the registry says.
   */
  private async verifyWithEvidence(sha256: Sha256Hex, receipt: ReceiptV2): Promise<Verdict> {
    const verdict = await verifyReceipt(sha256, receiptV1Of(receipt), this.ports.guard.checkedReader());
    const blockHashAt = this.ports.blockHashAt;
    if (verdict.status === "unknown" || verdict.status === "invalid-receipt" || blockHashAt === undefined) {
      return verdict;
    }
    const { checks } = await verifyReceiptOffline(sha256, receipt, nodeAnchor("of this service", blockHashAt));
    const failed = checks.filter((check) => !check.passed);
    if (failed.length === 0) return verdict;
    return {
      valid: false,
      status: "invalid-receipt",
      sha256,
      merkleRoot: receipt.merkleRoot,
      chainId: verdict.chainId,
      registry: verdict.registry,
      reason: `The receipt's evidence does not hold: ${failed.map((check) => `${check.name}: ${check.message}`).join(" ")}`,
    };
  }

  /**
   * The registry as read at `head`: which transaction anchored a root is the same for every member
   * of a batch, so it is asked once per batch and head rather than once per document.
   */
  private readerAt(head: string): RegistryReader {
    const registry = this.ports.guard.checkedReader();
    return {
      chainId: registry.chainId,
      address: registry.address,
      verify: (digest, root, proof) => registry.verify(digest, root, proof),
      transactionAnchored: (txHash: Hex32, root: Hex32) => {
        const key = `${head}:${txHash}:${root}`;
        return this.anchoringTx.getOrCreate(key, () => {
          const answer = registry.transactionAnchored(txHash, root);
          answer.catch(() => this.anchoringTx.delete(key));
          return answer;
        });
      },
    };
  }
}
