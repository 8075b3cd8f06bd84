/** The Notarize view: files in, one result card each, followed from pending to anchored. */
import { EMPTY_CONTENT_REFUSAL } from "../../api/empty-content";
import { ApiError, documentStatus, submitDigest, uploadDocument, type DocumentView, type ServiceInfo } from "./api";
import type { ApiKeyField } from "./api-key";
import { byId, el, facts, onFilesDropped } from "./dom";
import {
  bytes,
  certificatePdfLink,
  chainTime,
  copyableCode,
  isoTime,
  mono,
  organisationText,
  receiptLink,
  revocationReason,
} from "./format";
import { sha256OfFile } from "./hashing";
import { rememberQuietly } from "./history-store";
import { revocableHere, revokeControl } from "./revocation";

type Mode = "hash" | "upload";

const POLL_FIRST_MS = 500;
const POLL_MAX_MS = 5_000;

/** What the cards need from the page: the service's facts (its registrar) and the API key. */
export interface NotarizeContext {
  info: () => ServiceInfo | undefined;
  apiKey: ApiKeyField;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One file's card in the results list. */
class ResultCard {
  readonly element: HTMLLIElement;
  private readonly badge: HTMLSpanElement;
  private readonly progress: HTMLProgressElement;
  private readonly progressLabel: HTMLParagraphElement;
  private readonly body: HTMLDivElement;

  constructor(
    readonly file: File,
    private readonly context: NotarizeContext,
  ) {
    this.badge = el("span", { class: "badge" });
    this.progress = el("progress", { max: "1", value: "0", "aria-label": `Progress for ${file.name}` });
    this.progressLabel = el("p", { class: "progress-label" });
    this.body = el("div");
    this.element = el(
      "li",
      { class: "result" },
      el("div", { class: "result-head" }, el("h3", { class: "result-name" }, file.name), this.badge),
      this.progress,
      this.progressLabel,
      this.body,
    );
  }

  phase(status: string, label: string) {
    this.element.dataset.status = status;
    this.badge.dataset.status = status;
    this.badge.textContent = label;
  }

  showProgress(verb: string, done: number, total: number) {
    this.progress.hidden = false;
    this.progress.value = total === 0 ? 1 : done / total;
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    this.progressLabel.textContent = `${verb} ${bytes(done)} of ${bytes(total)} (${percent}%)`;
  }

  show(view: DocumentView) {
    rememberQuietly(view.sha256, { document: view });
    this.progress.hidden = true;
    this.progressLabel.textContent = "";
    const labels = { pending: "Pending: waiting for the chain", anchored: "Anchored", revoked: "Revoked" };
    this.phase(view.status, labels[view.status]);
    const receipt = view.receipt;
    const details = facts([
      ["SHA-256", copyableCode(view.sha256, "SHA-256")],
      ["Accepted", isoTime(view.acceptedAt)],
      ["Anchored", chainTime(receipt?.timestamp)],
      ["Block", mono(receipt?.blockNumber)],
      ["Transaction", copyableCode(receipt?.txHash, "transaction hash")],
      ["Anchored by", organisationText(view.anchoredBy, receipt?.registrar)],
      [
        "Batch",
        receipt && `${receipt.leafCount} document${receipt.leafCount === 1 ? "" : "s"}, root ${receipt.merkleRoot}`,
      ],
      ["Revoked", chainTime(view.revocation?.revokedAt)],
      ["Reason", revocationReason(view.revocation?.reason)],
    ]);
    const actions =
      receipt &&
      el(
        "div",
        { class: "actions" },
        receiptLink(receipt, `${this.file.name}.receipt.json`),
        certificatePdfLink(view.sha256, this.file.name),
        el(
          "a",
          {
            class: "button",
            href: `/api/v1/documents/${view.sha256}/receipt?version=2`,
            // Saved as <sha256>.receipt.json, the service's name for it, which `docproof verify` finds beside the file.
            download: "",
            title:
              "The version 2 receipt: with the chain data to check it with no node (about 5 kB, more for large batches)",
          },
          "Receipt for offline checks",
        ),
        el(
          "a",
          { class: "button", href: `#certificate=${view.sha256}`, target: "_blank", rel: "noopener" },
          "Certificate",
        ),
        el("a", { class: "button", href: `#verify=${view.sha256}` }, "Verify"),
      );
    const registrar = view.anchoredBy?.address ?? receipt?.registrar;
    const revoke =
      revocableHere(view.status, registrar, this.context.info()) &&
      revokeControl({ sha256: view.sha256, label: this.file.name }, this.context.apiKey, (revoked) =>
        this.show(revoked),
      );
    this.body.replaceChildren(details, actions || "", revoke || "");
  }

  fail(message: string) {
    this.progress.hidden = true;
    this.progressLabel.textContent = "";
    this.phase("failed", "Failed");
    this.body.append(el("p", { class: "error-text", role: "alert" }, message));
  }
}

/** Polls the document until it leaves "pending", backing off; brief network losses are retried. */
async function followUntilSettled(card: ResultCard, view: DocumentView): Promise<void> {
  let delay = POLL_FIRST_MS;
  while (view.status === "pending") {
    await sleep(delay);
    delay = Math.min(delay * 1.5, POLL_MAX_MS);
    try {
      view = await documentStatus(view.sha256);
      card.show(view);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === "network")) throw error;
    }
  }
}

async function notarize(card: ResultCard, mode: Mode, apiKey: string | undefined, onUnauthorized: () => void) {
  const accepted = (view: DocumentView) =>
    rememberQuietly(view.sha256, { fileName: card.file.name, notarized: true, document: view });
  try {
    // The service refuses empty documents on every path; saying so here spares the round trip.
    if (card.file.size === 0) return card.fail(EMPTY_CONTENT_REFUSAL);
    let view: DocumentView;
    if (mode === "hash") {
      card.phase("hashing", "Hashing in this browser");
      const sha256 = await sha256OfFile(card.file, (done, total) => card.showProgress("Hashed", done, total));
      card.phase("submitting", "Sending the fingerprint");
      view = await submitDigest(sha256, apiKey);
    } else {
      card.phase("uploading", "Uploading");
      view = await uploadDocument(card.file, apiKey, (sent, total) => card.showProgress("Uploaded", sent, total));
    }
    accepted(view);
    card.show(view);
    await followUntilSettled(card, view);
  } catch (error) {
    if (error instanceof ApiError && (error.code === "unauthorized" || error.status === 401)) onUnauthorized();
    card.fail(error instanceof Error ? error.message : String(error));
  }
}

export function setUpNotarize(context: NotarizeContext) {
  const drop = byId("notarize-drop");
  const input = byId<HTMLInputElement>("notarize-files");
  const results = byId<HTMLOListElement>("notarize-results");
  const revealKey = () => context.apiKey.reveal();

  const start = (files: readonly File[]) => {
    const mode = (document.querySelector<HTMLInputElement>('input[name="mode"]:checked')?.value ?? "hash") as Mode;
    const apiKey = context.apiKey.value();
    for (const file of files) {
      const card = new ResultCard(file, context);
      results.prepend(card.element);
      void notarize(card, mode, apiKey, revealKey);
    }
  };

  input.addEventListener("change", () => {
    start(Array.from(input.files ?? []));
    input.value = "";
  });
  onFilesDropped(drop, start);
}
