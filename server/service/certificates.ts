import type { DocumentView } from "../api/wire";
import { isCertificateError } from "../certificate/certificate-error";
import { renderCertificatePdf, type CertifiedStatus } from "../certificate/certificate-pdf";
import type { CertificateFonts } from "../certificate/dejavu-fonts";
import { DocproofError } from "../errors";
import type { Sha256Hex } from "../proof/digest";
import type { Clock } from "./ports";

export interface CertificateRequest {
  sha256: Sha256Hex;
  /** IANA time zone for the second statement of the times; default UTC. */
  timeZone?: string;
  /** The document's name as the reader gave it: untrusted text, printed as such. */
  documentName?: string;
  /** Where the page is served (`https://notary.example/`): the QR code opens `<page>#verify=<sha256>`; none without it. */
  pageUrl?: string;
}

export interface CertificatePorts {
  /** The document as the service answers it (Notary.document): its receipt, organisation and revocation. */
  documents: { document(sha256: Sha256Hex): DocumentView };
  /** Read once at start-up. */
  fonts: CertificateFonts;
  now?: Clock;
}

/** The link a certificate's QR code carries: the page's verification of the document. */
export function verifyUrlOf(pageUrl: string, sha256: Sha256Hex): string {
  return new URL(`#verify=${sha256}`, pageUrl).href;
}

/**
 * The certificate of notarization as a PDF, for any document the service answers for (its own or
 * another member's): what the receipt proves in words, the organisation the registry's directory
 * names, revocation with its reason, the receipt attached, and a QR code to the page's verification.
 */
export class CertificateIssuer {
  private readonly now: Clock;

  constructor(private readonly ports: CertificatePorts) {
    this.now = ports.now ?? Date.now;
  }

  /** Throws `not-found`, `not-anchored`, or `invalid-request` for input the certificate cannot take. */
  async issue(request: CertificateRequest): Promise<{ pdf: Uint8Array; status: DocumentView["status"] }> {
    const view = this.ports.documents.document(request.sha256);
    if (view.receipt === undefined) {
      throw new DocproofError(
        "not-anchored",
        `Document ${request.sha256} is not anchored yet; its certificate will follow its receipt.`,
      );
    }
    const status: CertifiedStatus =
      view.revocation === undefined
        ? { state: "anchored" }
        : { state: "revoked", reason: view.revocation.reason, revokedAt: view.revocation.revokedAt };
    try {
      const pdf = await renderCertificatePdf(
        {
          receipt: view.receipt,
          status,
          documentName: request.documentName,
          organisation: view.anchoredBy === undefined ? undefined : { ...view.anchoredBy },
          timeZone: request.timeZone,
          verifyUrl: request.pageUrl === undefined ? undefined : verifyUrlOf(request.pageUrl, request.sha256),
        },
        { fonts: this.ports.fonts, now: () => new Date(this.now()) },
      );
      return { pdf, status: view.status };
    } catch (error) {
      if (isCertificateError(error)) throw new DocproofError("invalid-request", error.message, { cause: error });
      throw error;
    }
  }
}
