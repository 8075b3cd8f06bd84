/** The Verify view: a file (hashed here), a digest, and optionally a receipt, in; a verdict out. */
import { EMPTY_CONTENT_REFUSAL } from "../../api/empty-content";
import { isDocproofError } from "../../errors";
import { parseSha256 } from "../../proof/digest";
import { ApiError, verifyDigest, type Verdict } from "./api";
import { byId, el, facts, onFilesDropped } from "./dom";
import { bytes, chainTime, copyableCode, localTimeText, mono, organisationText, revocationReason } from "./format";
import { sha256OfFile } from "./hashing";
import { rememberQuietly } from "./history-store";
import type { BrowserVerification } from "./in-browser";

/** What the verdict panel shows: the service's verdict, one reached in this browser, or a failure to reach one. */
type Outcome =
  | { kind: "verdict"; verdict: Verdict }
  | { kind: "browser"; result: BrowserVerification }
  | { kind: "receipt-invalid" | "error"; message: string };

const BROWSER_HEADINGS: Record<BrowserVerification["status"], [string, string]> = {
  anchored: ["✓ ", "Anchored: authentic"],
  revoked: ["⚠ ", "Revoked"],
  unknown: ["? ", "Unknown: not notarized, or modified"],
  "invalid-receipt": ["✗ ", "Receipt invalid"],
};

/** A verdict reached in this browser: the headline, what held or failed, and every check by name. */
function renderBrowserOutcome(panel: HTMLElement, result: BrowserVerification) {
  const { verdict } = result;
  panel.dataset.verdict = result.status;
  panel.dataset.checkedIn = "browser";
  const [mark, title] = BROWSER_HEADINGS[result.status];
  const checks = el("ol", { class: "checks", "aria-label": "Checks" });
  for (const check of result.checks) {
    checks.append(
      el(
        "li",
        { "data-check": check.name, "data-passed": String(check.passed) },
        el("span", { "aria-hidden": "true" }, check.passed ? "✔ " : "✘ "),
        el("code", {}, check.name),
        `: ${check.message}`,
      ),
    );
  }
  panel.replaceChildren(
    el("h2", {}, el("span", { "aria-hidden": "true" }, mark), title, " (checked in this browser)"),
    el("p", { class: "summary" }, result.summary),
    facts([
      ["SHA-256", mono(verdict.sha256)],
      ["Anchored", result.status === "unknown" ? undefined : chainTime(verdict.anchoredAt)],
      ["Registrar", mono(verdict.registrar)],
      ["Block", mono(verdict.blockNumber)],
      ["Block hash", mono(verdict.blockHash)],
      ["Transaction", mono(verdict.txHash)],
      ["Registry", `${verdict.registry} on chain ${verdict.chainId}`],
      ["Trust anchor", verdict.trustAnchor.description],
    ]),
    checks,
  );
}

function renderOutcome(panel: HTMLElement, outcome: Outcome) {
  panel.hidden = false;
  delete panel.dataset.checkedIn;
  if (outcome.kind === "browser") {
    renderBrowserOutcome(panel, outcome.result);
    return;
  }
  if (outcome.kind !== "verdict") {
    const invalid = outcome.kind === "receipt-invalid";
    panel.dataset.verdict = invalid ? "invalid-receipt" : "error";
    panel.replaceChildren(
      el("h2", {}, el("span", { "aria-hidden": "true" }, "✗ "), invalid ? "Receipt invalid" : "Could not verify"),
      el("p", {}, outcome.message),
    );
    return;
  }
  const verdict = outcome.verdict;
  panel.dataset.verdict = verdict.status;
  const anchoring = facts([
    ["SHA-256", copyableCode(verdict.sha256, "SHA-256")],
    ["Anchored", chainTime(verdict.anchoredAt)],
    ["Anchored by", organisationText(verdict.anchoredBy, verdict.registrar)],
    ["Block", mono(verdict.blockNumber)],
    ["Transaction", copyableCode(verdict.txHash, "transaction hash")],
    ["Merkle root", mono(verdict.merkleRoot)],
    ["Revoked", chainTime(verdict.revokedAt)],
    ["Revoked by", mono(verdict.revokedBy)],
    ["Reason", revocationReason(verdict.revocationReason)],
    ["Registry", verdict.registry && `${verdict.registry} on chain ${verdict.chainId}`],
  ]);
  const when = (seconds?: number) => (seconds === undefined ? "" : localTimeText(new Date(seconds * 1000)));
  switch (verdict.status) {
    case "anchored":
      panel.replaceChildren(
        el("h2", {}, el("span", { "aria-hidden": "true" }, "✓ "), "Anchored: authentic"),
        el(
          "p",
          {},
          `This exact document was registered on ${when(verdict.anchoredAt)} by ${organisationText(verdict.anchoredBy, verdict.registrar)}, in block ${verdict.blockNumber}.`,
        ),
        anchoring,
      );
      break;
    case "revoked":
      panel.replaceChildren(
        el("h2", {}, el("span", { "aria-hidden": "true" }, "⚠ "), "Revoked"),
        el(
          "p",
          {},
          `This document was registered on ${when(verdict.anchoredAt)}, then revoked on ${when(verdict.revokedAt)}` +
            ` (reason: ${revocationReason(verdict.revocationReason)}). It should no longer be relied on.`,
        ),
        anchoring,
      );
      break;
    case "invalid-receipt":
      panel.replaceChildren(
        el("h2", {}, el("span", { "aria-hidden": "true" }, "✗ "), "Receipt invalid"),
        el("p", {}, verdict.reason ?? "The chain contradicts the receipt."),
        anchoring,
      );
      break;
    case "receipt-superseded":
      panel.replaceChildren(
        el("h2", {}, el("span", { "aria-hidden": "true" }, "↻ "), "Receipt superseded: get the new one"),
        el(
          "p",
          {},
          verdict.reason ??
            "A rollback of the chain removed this receipt's anchoring; the document was anchored again.",
        ),
        anchoring,
      );
      break;
    default:
      panel.replaceChildren(
        el("h2", {}, el("span", { "aria-hidden": "true" }, "? "), "Unknown: not notarized, or modified"),
        el("p", {}, verdict.reason ?? "No anchoring of this document is known."),
        facts([["SHA-256", copyableCode(verdict.sha256, "SHA-256")]]),
      );
  }
}

async function readReceipt(file: File): Promise<unknown> {
  const text = await file.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("receipt-malformed", `${file.name} is not JSON, so it is not a Docproof receipt.`);
  }
}

export function setUpVerify() {
  const form = byId<HTMLFormElement>("verify-form");
  const drop = byId("verify-drop");
  const fileInput = byId<HTMLInputElement>("verify-file");
  const fileName = byId("verify-file-name");
  const receiptInput = byId<HTMLInputElement>("verify-receipt");
  const receiptName = byId("verify-receipt-name");
  const digestInput = byId<HTMLInputElement>("verify-digest");
  const progress = byId<HTMLProgressElement>("verify-progress");
  const submit = byId<HTMLButtonElement>("verify-submit");
  const panel = byId("verdict");
  const checkpointRow = byId("verify-checkpoint-row");
  const checkpointInput = byId<HTMLInputElement>("verify-checkpoint");
  const rpcRow = byId("verify-rpc-row");
  const rpcInput = byId<HTMLInputElement>("verify-rpc");
  const mode = () =>
    (form.querySelector<HTMLInputElement>('input[name="verify-mode"]:checked')?.value ?? "service") as
      "service" | "checkpoint" | "rpc";
  const showModeFields = () => {
    checkpointRow.hidden = mode() !== "checkpoint";
    rpcRow.hidden = mode() !== "rpc";
  };
  for (const radio of form.querySelectorAll<HTMLInputElement>('input[name="verify-mode"]')) {
    radio.addEventListener("change", showModeFields);
  }
  let document: File | undefined;
  let droppedReceipt: File | undefined;

  const chooseDocument = (file: File | undefined) => {
    document = file;
    fileName.textContent = file ? `Document: ${file.name} (${bytes(file.size)})` : "";
    if (file) digestInput.value = "";
  };

  const showReceipt = (file: File | undefined) => {
    receiptName.textContent = file ? `Receipt: ${file.name}` : "No receipt chosen.";
  };

  fileInput.addEventListener("change", () => chooseDocument(fileInput.files?.[0]));
  receiptInput.addEventListener("change", () => {
    droppedReceipt = undefined;
    showReceipt(receiptInput.files?.[0]);
  });
  digestInput.addEventListener("input", () => {
    if (digestInput.value.trim() !== "") chooseDocument(undefined);
  });
  onFilesDropped(drop, (files) => {
    for (const file of files) {
      if (file.name.endsWith(".receipt.json")) droppedReceipt = file;
      else chooseDocument(file);
    }
    if (droppedReceipt) {
      fileName.textContent += ` · receipt: ${droppedReceipt.name}`;
      showReceipt(droppedReceipt);
    }
  });
  form.addEventListener("reset", () => {
    chooseDocument(undefined);
    droppedReceipt = undefined;
    showReceipt(undefined);
    panel.hidden = true;
    progress.hidden = true;
    setTimeout(showModeFields);
  });

  let inputProblem: (new (message: string) => Error) | undefined;
  const verify = async (): Promise<Outcome> => {
    try {
      let sha256: string;
      if (document) {
        if (document.size === 0) return { kind: "error", message: EMPTY_CONTENT_REFUSAL };
        progress.hidden = false;
        sha256 = await sha256OfFile(document, (done, total) => (progress.value = total === 0 ? 1 : done / total));
      } else if (digestInput.value.trim() !== "") {
        sha256 = parseSha256(digestInput.value);
      } else {
        const receiptOnly = droppedReceipt ?? receiptInput.files?.[0];
        return {
          kind: "error",
          message: receiptOnly
            ? "A receipt is checked with the document it is for, not instead of it: choose the document, or paste its SHA-256, as well."
            : "Choose a document or paste its SHA-256 first.",
        };
      }
      const receiptFile = droppedReceipt ?? receiptInput.files?.[0];
      const receipt = receiptFile ? await readReceipt(receiptFile) : undefined;
      const how = mode();
      if (how === "service") {
        const verdict = await verifyDigest(sha256, receipt);
        rememberQuietly(sha256, { fileName: document?.name, verified: true, verdict });
        return { kind: "verdict", verdict };
      }
      if (receipt === undefined) {
        return { kind: "error", message: "Checking in this browser needs the document's version 2 receipt." };
      }
      // The verification core is large: it is fetched only now (and works offline once loaded).
      const { InputProblem, receiptV2Of, verifyInBrowser } = await import("./in-browser");
      inputProblem = InputProblem;
      const receiptV2 = receiptV2Of(receipt);
      if (how === "checkpoint") {
        const checkpoint = checkpointInput.files?.[0];
        if (checkpoint === undefined) return { kind: "error", message: "Choose the checkpoint file you trust first." };
        return {
          kind: "browser",
          result: await verifyInBrowser(sha256, receiptV2, { kind: "checkpoint", checkpoint }),
        };
      }
      const url = rpcInput.value.trim();
      if (url === "") return { kind: "error", message: "Give the chain's RPC URL first." };
      return { kind: "browser", result: await verifyInBrowser(sha256, receiptV2, { kind: "rpc", url }) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (inputProblem !== undefined && error instanceof inputProblem) return { kind: "error", message };
      if (isDocproofError(error, "receipt-malformed")) return { kind: "receipt-invalid", message };
      if (error instanceof ApiError && error.code.startsWith("receipt-")) return { kind: "receipt-invalid", message };
      return { kind: "error", message };
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit.disabled = true;
    panel.hidden = false;
    panel.dataset.verdict = "working";
    panel.replaceChildren(el("p", {}, mode() === "checkpoint" ? "Checking the evidence…" : "Checking the chain…"));
    void verify()
      .then((outcome) => renderOutcome(panel, outcome))
      .finally(() => {
        submit.disabled = false;
        progress.hidden = true;
      });
  });

  return {
    /** The chain URL this service lets the page call, offered for checks in the browser. */
    offerRpcUrl(url: string | undefined) {
      if (url !== undefined && rpcInput.value === "") rpcInput.value = url;
    },
    /** Opens the view with a digest filled in and checks it at once (links and QR codes land here). */
    verifyDigest(sha256: string) {
      chooseDocument(undefined);
      digestInput.value = sha256;
      form.requestSubmit();
    },
  };
}
