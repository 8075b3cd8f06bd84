import { DocproofError } from "../errors";
import type { Hex32, Sha256Hex } from "../proof/digest";
import type { DocumentRecord } from "../store/document-store";
import type { DocumentAnchoring as IndexedDocumentAnchoring } from "../store/registry-index";
import type { DocumentQueue } from "./ports";
import { isAnchored, type DocumentAnchoring } from "./receipt-book";

/** The index of the whole registry, as lookups by document need it (RegistryIndexStore implements it). */
export interface RegistryIndexLookup {
  anchoringsOf(sha256: Sha256Hex): IndexedDocumentAnchoring[];
  members(root: Hex32): Sha256Hex[];
  /** True when a rollback of the chain removed an anchoring of `root`. */
  wasSuperseded(root: Hex32): boolean;
}

/** What is known of a document here: this service's own record, and the anchoring that stands for it. */
export interface DocumentStanding {
  record?: DocumentRecord;
  anchoring?: DocumentAnchoring;
  /**
   * The index's anchorings of the document, when they were read to find the one that stands: as
   * current as the index's cursor until the caller next awaits.
   */
  indexed?: IndexedDocumentAnchoring[];
}

/**
 * Finds a document's anchoring: this service's own batch when it anchored the document, else the
 * registry index (any member's anchoring). Of several anchorings, the earliest that is not revoked
 * stands; if all are revoked, the earliest.
 */
export class DocumentAnchorings {
  constructor(
    private readonly queue: Pick<DocumentQueue, "document"> & { members(batchId: number): Sha256Hex[] },
    private readonly index: RegistryIndexLookup,
  ) {}

  standing(sha256: Sha256Hex): DocumentStanding {
    const record = this.queue.document(sha256);
    const batch = record?.batch;
    if (record !== undefined && isAnchored(batch)) {
      return {
        record,
        anchoring: {
          root: batch.root,
          leafCount: batch.leafCount,
          txHash: batch.txHash,
          blockNumber: batch.blockNumber,
          timestamp: batch.timestamp,
          registrar: batch.registrar,
          revocation: record.revocation,
          members: () => this.queue.members(batch.id),
        },
      };
    }
    if (batch !== undefined && this.index.wasSuperseded(batch.root)) {
      throw new DocproofError(
        "chain-rolled-back",
        `The chain was rolled back below document ${sha256}'s anchoring; it is being anchored again, with a new receipt.`,
      );
    }
    const indexed = this.index.anchoringsOf(sha256);
    const chosen = indexed.find((a) => a.revocation === undefined) ?? indexed[0];
    if (chosen === undefined) return { record, indexed };
    return {
      record,
      indexed,
      anchoring: {
        root: chosen.root,
        leafCount: chosen.leafCount,
        txHash: chosen.txHash,
        blockNumber: chosen.blockNumber,
        timestamp: chosen.timestamp,
        registrar: chosen.registrar,
        revocation:
          chosen.revocation === undefined
            ? undefined
            : {
                revokedAt: chosen.revocation.revokedAt,
                reason: chosen.revocation.reason,
                revokedBy: chosen.revocation.revokedBy,
                txHash: chosen.revocation.txHash,
              },
        members: () => this.index.members(chosen.root),
      },
    };
  }
}
