/**
 * Revocation from a document's card: the registrar picks a reason by name (docs/revocation-reasons.md),
 * confirms, and the service revokes on chain with its key. Revocation is final, so it takes two steps.
 */
import { listedRevocationReasons } from "../../proof/revocation-reasons";
import { ApiError, documentStatus, revokeDocument, type DocumentView, type ServiceInfo } from "./api";
import type { ApiKeyField } from "./api-key";
import { el } from "./dom";

let nextId = 1;

/** True when this service's registrar can revoke the document: anchored by it, and not yet revoked. */
export function revocableHere(
  status: string,
  registrar: string | undefined,
  info: ServiceInfo | undefined,
): info is ServiceInfo {
  return (
    status === "anchored" &&
    registrar !== undefined &&
    info !== undefined &&
    registrar.toLowerCase() === info.registrar.toLowerCase()
  );
}

export interface RevocationTarget {
  sha256: string;
  /** How the card names the document: its file name, or its digest. */
  label: string;
}

/**
 * A "Revoke…" button that opens the choice of a reason, then a confirmation; `onRevoked` gets the
 * document as the service answers it once the chain shows it revoked.
 */
export function revokeControl(
  target: RevocationTarget,
  apiKey: ApiKeyField,
  onRevoked: (view: DocumentView) => void,
): HTMLElement {
  const box = el("div", { class: "revoke" });
  const id = nextId++;

  const idle = () => {
    const open = el("button", { type: "button", class: "button danger" }, "Revoke…");
    open.addEventListener("click", choose);
    box.replaceChildren(open);
  };

  const choose = () => {
    if (apiKey.requiredByService && apiKey.value() === undefined) {
      apiKey.reveal("Revoking needs this service's API key: enter it here, then revoke again.");
      return;
    }
    const select = el(
      "select",
      { id: `revoke-reason-${id}`, "aria-describedby": `revoke-help-${id}` },
      el("option", { value: "" }, "Choose a reason…"),
      ...listedRevocationReasons().map((reason) =>
        el("option", { value: reason.name }, `${reason.name}: ${reason.meaning}`),
      ),
    );
    const problem = el("p", { class: "error-text", role: "alert" });
    const cancel = el("button", { type: "button", class: "button" }, "Cancel");
    cancel.addEventListener("click", idle);
    const form = el(
      "form",
      { class: "revoke-form" },
      el("label", { for: select.id }, "Why is it revoked?"),
      select,
      el(
        "p",
        { class: "help", id: `revoke-help-${id}` },
        "The reason is recorded on the chain with the revocation, for everyone who verifies the document.",
      ),
      problem,
      el("div", { class: "actions" }, el("button", { type: "submit", class: "button danger" }, "Continue…"), cancel),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (select.value === "") {
        problem.textContent = "Choose a reason first.";
        select.focus();
        return;
      }
      confirm(select.value);
    });
    box.replaceChildren(form);
    select.focus();
  };

  const confirm = (reason: string) => {
    const question = el(
      "p",
      { class: "revoke-question", tabindex: "-1", id: `revoke-question-${id}` },
      el("strong", {}, `Revoke ${target.label} for good?`),
      ` Reason: ${reason}. The registry records the revocation permanently: from now on every verification of this document says it is revoked. This cannot be undone.`,
    );
    const yes = el("button", { type: "button", class: "button danger" }, "Revoke for good");
    const back = el("button", { type: "button", class: "button" }, "Cancel");
    const status = el("p", { class: "help", role: "status" });
    back.addEventListener("click", idle);
    yes.addEventListener("click", () => {
      yes.disabled = true;
      back.disabled = true;
      status.textContent = "Revoking: waiting for the chain…";
      revokeDocument(target.sha256, reason, apiKey.value()).then(
        (view) => {
          box.replaceChildren(el("p", { class: "help", role: "status" }, `Revoked (reason: ${reason}).`));
          onRevoked(view);
        },
        (error: unknown) => {
          if (error instanceof ApiError && error.code === "unauthorized") {
            apiKey.reveal("The service refused the key: enter a valid one, then revoke again.");
          }
          // Revoked meanwhile (by the admin, or from another tab): show it as it now stands.
          if (error instanceof ApiError && error.code === "already-revoked") {
            documentStatus(target.sha256).then(onRevoked, () => undefined);
          }
          const message = error instanceof Error ? error.message : String(error);
          const retry = el("button", { type: "button", class: "button" }, "Back");
          retry.addEventListener("click", idle);
          box.replaceChildren(
            el("p", { class: "error-text", role: "alert" }, `Not revoked: ${message}`),
            el("div", { class: "actions" }, retry),
          );
        },
      );
    });
    box.replaceChildren(
      el(
        "div",
        { class: "revoke-confirm", role: "group", "aria-labelledby": question.id },
        question,
        el("div", { class: "actions" }, yes, back),
        status,
      ),
    );
    question.focus();
  };

  idle();
  return box;
}
