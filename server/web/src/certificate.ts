/** A printable certificate for one notarized document, with a QR code that opens its verification. */
import { ApiError, documentStatus, type ServiceInfo } from "./api";
import { el, facts } from "./dom";
import {
  certificatePdfLink,
  chainTime,
  isoTime,
  mono,
  organisationText,
  receiptLink,
  revocationReason,
} from "./format";
import { qrSvg } from "./qr";

export function verificationUrl(sha256: string): string {
  return `${location.origin}/#verify=${sha256}`;
}

export async function renderCertificate(container: HTMLElement, sha256: string, info: ServiceInfo | undefined) {
  container.replaceChildren(el("p", {}, "Loading the certificate…"));
  try {
    const view = await documentStatus(sha256);
    const receipt = view.receipt;
    if (receipt === undefined) {
      container.replaceChildren(
        el("h1", { id: "certificate-title" }, "Not anchored yet"),
        el("p", {}, "This document is queued and not anchored yet; reload this page in a few seconds."),
      );
      return;
    }
    const url = verificationUrl(sha256);
    const revoked = view.revocation;
    container.replaceChildren(
      el(
        "article",
        { class: "certificate-sheet" },
        el("h1", { id: "certificate-title" }, "Certificate of notarization"),
        el(
          "p",
          { class: "statement" },
          `The document whose SHA-256 fingerprint is given below was anchored in the Docproof registry on chain ${receipt.chainId} by ${organisationText(view.anchoredBy, receipt.registrar)}.`,
        ),
        revoked &&
          el(
            "p",
            { class: "error-text" },
            `Revoked: this notarization was revoked (reason: ${revocationReason(revoked.reason)}).`,
          ),
        facts([
          ["SHA-256", mono(sha256)],
          ["Anchored", chainTime(receipt.timestamp)],
          ["Accepted", isoTime(view.acceptedAt)],
          ["Anchored by", organisationText(view.anchoredBy, receipt.registrar)],
          ["Block", mono(receipt.blockNumber)],
          ["Transaction", mono(receipt.txHash)],
          ["Merkle root", mono(receipt.merkleRoot)],
          ["Registry", mono(receipt.registry)],
          ["Chain id", mono(receipt.chainId)],
          ["Revoked", chainTime(revoked?.revokedAt)],
          ["Service", info && `Docproof ${info.version}`],
        ]),
        el(
          "div",
          { class: "qr" },
          qrSvg(url, "QR code that opens the verification of this document"),
          el(
            "p",
            {},
            "Scan to verify, or open ",
            el("a", { href: url }, url),
            ". Anyone can also check the receipt against the chain with ",
            el("code", {}, "docproof verify --rpc"),
            ", without this service.",
          ),
        ),
        el(
          "div",
          { class: "actions no-print" },
          el("button", { type: "button", class: "button primary", id: "certificate-print" }, "Print or save as PDF"),
          receiptLink(receipt, `${sha256}.receipt.json`),
          certificatePdfLink(sha256),
        ),
      ),
    );
    container.querySelector("#certificate-print")?.addEventListener("click", () => window.print());
  } catch (error) {
    const message =
      error instanceof ApiError && error.code === "not-found"
        ? "This service has no notarization of that document."
        : error instanceof Error
          ? error.message
          : String(error);
    container.replaceChildren(el("h1", { id: "certificate-title" }, "No certificate"), el("p", {}, message));
  }
}
