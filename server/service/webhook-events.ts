import { isoFromUnixSeconds, type OrganisationLookup, type WebhookEvent } from "../api/wire";
import type { Hex32, Sha256Hex } from "../proof/digest";
import { revocationReasonName } from "../proof/revocation-reasons";
import type { OutboxEvent } from "../store/webhook-store";
import type { ReceiptBook } from "./receipt-book";

export interface WebhookEventBodiesPorts {
  receipts: Pick<ReceiptBook, "receiptOf">;
  /** Every member of an anchoring, in digest order (for the receipt's proof). */
  membersOf: (root: Hex32) => readonly Sha256Hex[];
  organisationOf: OrganisationLookup;
}

/**
 * The JSON an event is sent as (WebhookEventSchema): the document, the receipt of the anchoring
 * the event reports, who anchored it and, for a revocation, who revoked it, when and why. Built
 * from the facts recorded with the event, so it says what happened then, not what holds later.
 */
export class WebhookEventBodies {
  constructor(private readonly ports: WebhookEventBodiesPorts) {}

  bodyOf(event: OutboxEvent): string {
    const { anchoring, revocation } = event.facts;
    const receipt = this.ports.receipts.receiptOf(event.sha256, {
      ...anchoring,
      members: () => this.ports.membersOf(anchoring.root),
    });
    const organisation = this.ports.organisationOf(anchoring.registrar);
    const body: WebhookEvent = {
      id: event.id,
      type: event.type,
      occurredAt: new Date(event.occurredAtMs).toISOString(),
      data: {
        sha256: event.sha256,
        status: revocation === undefined ? "anchored" : "revoked",
        anchoredAtIso: isoFromUnixSeconds(anchoring.timestamp),
        anchoredBy: { address: anchoring.registrar, ...organisation },
        receipt,
        ...(revocation === undefined
          ? {}
          : {
              revocation: {
                revokedAt: revocation.revokedAt,
                revokedAtIso: isoFromUnixSeconds(revocation.revokedAt),
                reason: revocation.reason,
                reasonName: revocationReasonName(revocation.reason),
                revokedBy: revocation.revokedBy,
                txHash: revocation.txHash,
              },
            }),
      },
    };
    return JSON.stringify(body);
  }
}
