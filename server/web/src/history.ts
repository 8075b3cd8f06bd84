/**
 * The History view: what this browser notarized or verified (from IndexedDB; file names never
 * leave it), searchable by name or digest, with pending documents followed until they settle; and,
 * for operators, the service's own list of documents (GET /api/v1/documents), filtered and paged.
 */
import {
  ApiError,
  documentStatus,
  listDocuments,
  registrars,
  type ListedDocument,
  type ListFilters,
  type ServiceInfo,
} from "./api";
import type { ApiKeyField } from "./api-key";
import { byId, el, facts } from "./dom";
import {
  browserTime,
  chainTime,
  copyableCode,
  isoTime,
  organisationText,
  revocationReason,
  shortCode,
  shortHex,
} from "./format";
import {
  forgetHistory,
  historyEntries,
  onHistoryChange,
  remember,
  rememberQuietly,
  type HistoryEntry,
  type HistoryStatus,
} from "./history-store";
import { revocableHere, revokeControl } from "./revocation";

/** How often pending documents are asked after, while the view is open. */
const POLL_MS = 2_000;

const STATUS_LABELS: Record<HistoryStatus, string> = {
  pending: "Pending",
  anchored: "Anchored",
  revoked: "Revoked",
  unknown: "Unknown",
  "invalid-receipt": "Receipt invalid",
  "receipt-superseded": "Receipt superseded",
};

export interface HistoryContext {
  info: () => ServiceInfo | undefined;
  apiKey: ApiKeyField;
}

/** A search as typed: lower case, without a 0x prefix for digests. */
function normalised(query: string): string {
  const text = query.trim().toLowerCase();
  return /^0x[0-9a-f]+$/.test(text) ? text.slice(2) : text;
}

function matches(entry: HistoryEntry, query: string): boolean {
  return (
    query === "" || entry.sha256.includes(query) || entry.fileNames.some((name) => name.toLowerCase().includes(query))
  );
}

function badge(status: string): HTMLElement {
  return el(
    "span",
    { class: "badge", "data-status": status },
    (STATUS_LABELS as Record<string, string>)[status] ?? status,
  );
}

/** The card of one document of this browser's history. */
function historyCard(entry: HistoryEntry, context: HistoryContext): HTMLLIElement {
  const [name, ...otherNames] = entry.fileNames;
  const title = name ?? `Document ${shortHex(entry.sha256)}`;
  const anchored = entry.status === "anchored" || entry.status === "revoked";
  const registrar = entry.registrar && { address: entry.registrar, name: entry.organisation };
  const revoke =
    revocableHere(entry.status, entry.registrar, context.info()) &&
    revokeControl({ sha256: entry.sha256, label: title }, context.apiKey, (view) =>
      rememberQuietly(view.sha256, { document: view }),
    );
  return el(
    "li",
    { class: "result history-entry", "data-status": entry.status, "data-sha256": entry.sha256 },
    el("div", { class: "result-head" }, el("h3", { class: "result-name" }, title), badge(entry.status)),
    facts([
      ["Also named", otherNames.length > 0 && otherNames.join(", ")],
      ["SHA-256", copyableCode(entry.sha256, "SHA-256")],
      ["Notarized here", browserTime(entry.notarizedAt)],
      ["Verified here", browserTime(entry.verifiedAt)],
      ["Anchored", chainTime(entry.anchoredAt)],
      ["Anchored by", organisationText(registrar || undefined)],
      ["Revoked", chainTime(entry.revokedAt)],
      ["Reason", revocationReason(entry.revocationReason)],
    ]),
    el(
      "div",
      { class: "actions" },
      el("a", { class: "button", href: `#verify=${entry.sha256}` }, "Verify"),
      anchored && el("a", { class: "button", href: `#certificate=${entry.sha256}` }, "Certificate"),
    ),
    revoke || "",
  );
}

/** Midnight at the start of `date` (yyyy-mm-dd) in the reader's zone, as ISO 8601 in UTC. */
function localMidnight(date: string, addDays = 0): string {
  const [year, month, day] = date.split("-").map(Number);
  return new Date(year, month - 1, day + addDays).toISOString();
}

/** The service's list, for operators: filters, rows, and more pages on demand. */
function setUpServiceList(context: HistoryContext, knownNames: () => Map<string, string>) {
  const panel = byId<HTMLDetailsElement>("service-documents");
  const form = byId<HTMLFormElement>("service-filters");
  const status = byId<HTMLSelectElement>("service-status");
  const registrar = byId<HTMLSelectElement>("service-registrar");
  const from = byId<HTMLInputElement>("service-from");
  const to = byId<HTMLInputElement>("service-to");
  const rows = byId<HTMLOListElement>("service-results");
  const message = byId("service-message");
  const more = byId<HTMLButtonElement>("service-more");
  let next: string | undefined;
  let filters: ListFilters = {};
  let directoryLoaded = false;
  /** The latest load: an answer to an earlier one arrives too late to be shown. */
  let loading = 0;

  const row = (document: ListedDocument, names: Map<string, string>): HTMLLIElement => {
    const name = names.get(document.sha256);
    const when =
      document.anchoredAt === undefined
        ? el("span", {}, "Accepted ", isoTime(document.acceptedAt) ?? "")
        : el(
            "span",
            {},
            "Anchored ",
            chainTime(document.anchoredAt) ?? "",
            ` by ${organisationText(
              document.anchoredBy && { ...document.anchoredBy, address: shortHex(document.anchoredBy.address, 4) },
            )}, block ${document.blockNumber}`,
          );
    const item = el(
      "li",
      { class: "listing-row", "data-status": document.status, "data-sha256": document.sha256 },
      el(
        "div",
        { class: "listing-head" },
        badge(document.status),
        el("span", { class: "listing-name" }, name ?? "Document"),
      ),
      el("p", { class: "listing-digest" }, shortCode(document.sha256, "SHA-256")),
      el(
        "p",
        { class: "listing-meta" },
        when,
        document.revocation && ` · revoked (${revocationReason(document.revocation.reason)})`,
      ),
      el(
        "div",
        { class: "actions" },
        el("a", { class: "button", href: `#verify=${document.sha256}` }, "Verify"),
        document.anchoredAt !== undefined &&
          el("a", { class: "button", href: `#certificate=${document.sha256}` }, "Certificate"),
      ),
    );
    if (revocableHere(document.status, document.anchoredBy?.address, context.info())) {
      const label = name ?? shortHex(document.sha256);
      item.append(
        revokeControl({ sha256: document.sha256, label }, context.apiKey, (view) => {
          rememberQuietly(view.sha256, { document: view });
          item.replaceWith(row({ ...document, status: view.status, revocation: view.revocation }, names));
        }),
      );
    }
    return item;
  };

  const loadDirectory = async () => {
    if (directoryLoaded) return;
    directoryLoaded = true;
    try {
      const { registrars: members } = await registrars();
      for (const member of members) {
        registrar.append(
          el(
            "option",
            { value: member.address },
            organisationText({ ...member, address: shortHex(member.address, 4) })!,
          ),
        );
      }
    } catch {
      directoryLoaded = false;
    }
  };

  /** The first page for the form's filters (`fresh`), or the next page after those shown. */
  const load = async (fresh: boolean) => {
    if (context.apiKey.requiredByService && context.apiKey.value() === undefined) {
      message.textContent = "This service lists its documents to holders of its API key: enter the key above.";
      context.apiKey.reveal("Browsing this service's documents needs its API key.");
      return;
    }
    if (fresh) {
      filters = {
        status: (status.value || undefined) as ListFilters["status"],
        registrar: registrar.value || undefined,
        from: from.value ? localMidnight(from.value) : undefined,
        to: to.value ? localMidnight(to.value, 1) : undefined,
      };
      next = undefined;
    }
    const ticket = ++loading;
    more.disabled = true;
    message.textContent = "Loading…";
    try {
      const page = await listDocuments({ ...filters, cursor: fresh ? undefined : next }, context.apiKey.value());
      if (ticket !== loading) return;
      if (fresh) rows.replaceChildren();
      const names = knownNames();
      rows.append(...page.documents.map((document) => row(document, names)));
      next = page.next;
      more.hidden = next === undefined;
      const shown = rows.children.length;
      message.textContent =
        shown === 0
          ? "No document matches these filters."
          : `${shown} document${shown === 1 ? "" : "s"} shown${next === undefined ? "" : "; more follow"}.`;
    } catch (error) {
      if (ticket !== loading) return;
      if (error instanceof ApiError && error.code === "unauthorized") {
        context.apiKey.reveal("The service refused the key: enter a valid one.");
      }
      message.textContent = error instanceof Error ? error.message : String(error);
    } finally {
      if (ticket === loading) more.disabled = false;
    }
  };

  panel.addEventListener("toggle", () => {
    if (!panel.open) return;
    void loadDirectory();
    if (rows.children.length === 0) void load(true);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void load(true);
  });
  more.addEventListener("click", () => void load(false));
  context.apiKey.onChange(() => {
    if (panel.open) void load(true);
  });
}

export function setUpHistory(context: HistoryContext) {
  const list = byId<HTMLOListElement>("history-results");
  const search = byId<HTMLInputElement>("history-search");
  const summary = byId("history-summary");
  const clear = byId<HTMLButtonElement>("history-clear");
  let entries: HistoryEntry[] = [];
  let open = false;
  let poller: ReturnType<typeof setTimeout> | undefined;
  let clearArmed = false;

  const render = () => {
    const query = normalised(search.value);
    const shown = entries.filter((entry) => matches(entry, query));
    list.replaceChildren(...shown.map((entry) => historyCard(entry, context)));
    clear.hidden = entries.length === 0;
    summary.textContent =
      entries.length === 0
        ? "Nothing yet: the documents you notarize or verify in this browser will be listed here."
        : query === ""
          ? `${entries.length} document${entries.length === 1 ? "" : "s"}.`
          : shown.length === 0
            ? `No document matches “${search.value.trim()}”.`
            : `${shown.length} of ${entries.length} documents match.`;
  };

  const load = async () => {
    try {
      entries = await historyEntries();
      render();
    } catch {
      summary.textContent = "This browser keeps no history here (its storage is unavailable).";
    }
  };

  /** Asks after the pending documents, one request each, then again after a pause while the view is open. */
  const poll = async () => {
    for (const entry of entries.filter((e) => e.status === "pending")) {
      try {
        await remember(entry.sha256, { document: await documentStatus(entry.sha256) });
      } catch {
        // The service or this browser's storage did not answer: asked again on the next round.
      }
    }
    clearTimeout(poller);
    if (open) poller = setTimeout(() => void poll(), POLL_MS);
  };

  search.addEventListener("input", render);
  onHistoryChange(() => {
    if (open) void load();
  });
  clear.addEventListener("click", () => {
    if (!clearArmed) {
      clearArmed = true;
      clear.textContent = "Forget them all: click again to confirm";
      setTimeout(() => {
        clearArmed = false;
        clear.textContent = "Forget this browser's history…";
      }, 5_000);
      return;
    }
    clearArmed = false;
    clear.textContent = "Forget this browser's history…";
    void forgetHistory();
  });

  setUpServiceList(context, () => {
    const names = new Map<string, string>();
    for (const entry of entries) if (entry.fileNames[0] !== undefined) names.set(entry.sha256, entry.fileNames[0]);
    return names;
  });

  return {
    show() {
      open = true;
      void load().then(() => {
        clearTimeout(poller);
        void poll();
      });
    },
    hide() {
      open = false;
      clearTimeout(poller);
    },
  };
}
