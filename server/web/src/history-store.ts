/**
 * This browser's history of the documents it notarized or verified, in IndexedDB. File names are
 * kept here only: the service never receives them (it is sent digests, or uploads under a neutral
 * name). One entry per document, keyed by its SHA-256.
 */
import type { DocumentView, Verdict } from "./api";

export type HistoryStatus = "pending" | "anchored" | "revoked" | "unknown" | "invalid-receipt" | "receipt-superseded";

export interface HistoryEntry {
  sha256: string;
  /** The names this browser saw the document under, the latest first. */
  fileNames: string[];
  /** When this browser first notarized it (ms). */
  notarizedAt?: number;
  /** When this browser last verified it (ms). */
  verifiedAt?: number;
  /** The latest of the two: the history is listed newest first by it. */
  lastAt: number;
  status: HistoryStatus;
  /** The anchoring block's time (Unix seconds), its block and the registrar, once anchored. */
  anchoredAt?: number;
  blockNumber?: number;
  registrar?: string;
  organisation?: string;
  revokedAt?: number;
  revocationReason?: number;
}

/** What happened to a document here: notarized or verified (under a name, if a file), or a fresher status. */
export interface HistoryChange {
  fileName?: string;
  notarized?: boolean;
  verified?: boolean;
  document?: DocumentView;
  verdict?: Verdict;
}

const DATABASE = "docproof";
const STORE = "documents";
const MAX_NAMES = 5;

let opening: Promise<IDBDatabase> | undefined;
const changes = new EventTarget();

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error("IndexedDB failed"));
  });
}

function database(): Promise<IDBDatabase> {
  opening ??= new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "sha256" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error("IndexedDB cannot be opened"));
  });
  return opening;
}

/** `entry` with what `change` says, at `now`. */
function merged(entry: HistoryEntry | undefined, sha256: string, change: HistoryChange, now: number): HistoryEntry {
  const next: HistoryEntry = entry ?? { sha256, fileNames: [], lastAt: now, status: "unknown" };
  if (change.fileName !== undefined) {
    next.fileNames = [change.fileName, ...next.fileNames.filter((name) => name !== change.fileName)].slice(
      0,
      MAX_NAMES,
    );
  }
  if (change.notarized) next.notarizedAt ??= now;
  if (change.verified) next.verifiedAt = now;
  if (change.notarized || change.verified) next.lastAt = now;
  const view = change.document;
  if (view !== undefined) {
    next.status = view.status;
    next.anchoredAt = view.receipt?.timestamp;
    next.blockNumber = view.receipt?.blockNumber;
    next.registrar = view.anchoredBy?.address ?? view.receipt?.registrar;
    next.organisation = view.anchoredBy?.name;
    next.revokedAt = view.revocation?.revokedAt;
    next.revocationReason = view.revocation?.reason;
  }
  const verdict = change.verdict;
  // A document this browser notarized is still pending while the verdict says unknown: keep following it.
  if (verdict !== undefined && !(verdict.status === "unknown" && entry?.status === "pending")) {
    next.status = verdict.status;
    next.anchoredAt = verdict.anchoredAt;
    next.blockNumber = verdict.blockNumber;
    next.registrar = verdict.registrar;
    next.organisation = verdict.anchoredBy?.name;
    next.revokedAt = verdict.revokedAt;
    next.revocationReason = verdict.revocationReason;
  }
  return next;
}

/**
 * Records `change` for `sha256` (one read-modify-write transaction) and tells the listeners, unless
 * it changed nothing (a poll that found the document as it was).
 */
export async function remember(sha256: string, change: HistoryChange): Promise<void> {
  const db = await database();
  const transaction = db.transaction(STORE, "readwrite");
  const store = transaction.objectStore(STORE);
  const entry = (await done(store.get(sha256))) as HistoryEntry | undefined;
  const before = JSON.stringify(entry);
  const after = merged(entry, sha256, change, Date.now());
  if (JSON.stringify(after) === before) return;
  store.put(after);
  await new Promise<void>((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error ?? new Error("IndexedDB failed"));
    transaction.onabort = () => reject(transaction.error ?? new Error("IndexedDB transaction aborted"));
  });
  changes.dispatchEvent(new Event("change"));
}

/** Records `change`, never failing the work that called it: a browser without storage keeps no history. */
export function rememberQuietly(sha256: string, change: HistoryChange): void {
  remember(sha256, change).catch(() => undefined);
}

/** Every entry, newest first. */
export async function historyEntries(): Promise<HistoryEntry[]> {
  const db = await database();
  const entries = (await done(db.transaction(STORE).objectStore(STORE).getAll())) as HistoryEntry[];
  return entries.sort((a, b) => b.lastAt - a.lastAt);
}

/** Forgets every entry. */
export async function forgetHistory(): Promise<void> {
  const db = await database();
  await done(db.transaction(STORE, "readwrite").objectStore(STORE).clear());
  changes.dispatchEvent(new Event("change"));
}

/** Told after every change this page makes. */
export function onHistoryChange(listener: () => void): void {
  changes.addEventListener("change", listener);
}
