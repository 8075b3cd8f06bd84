import { createHash } from "node:crypto";
import { z } from "zod";
import { isoFromUnixSeconds, type DocumentPage, type ListedDocument } from "../api/wire";
import { DocproofError } from "../errors";
import type { Hex32, Sha256Hex } from "../proof/digest";
import type {
  ListedDocument as StoredEntry,
  ListedStatus,
  ListFilter,
  ListPosition,
  ListSnapshot,
} from "../store/document-list";
import type { RegistrarDirectory } from "./directory";

/** The list as the store reads it (DocumentListStore implements it). */
export interface DocumentListing {
  snapshot(): ListSnapshot;
  page(filter: ListFilter, limit: number, snapshot: ListSnapshot, after?: ListPosition): StoredEntry[];
}

/** What a caller asks for: filters, a page size, and the cursor of the previous page. */
export interface DocumentListRequest {
  registrar?: string;
  status?: ListedStatus;
  fromMs?: number;
  toMs?: number;
  limit: number;
  cursor?: string;
}

export interface DocumentListPorts {
  listing: DocumentListing;
  directory: Pick<RegistrarDirectory, "organisationOf">;
  /** This service's registrar: its queue is listed unless another registrar is asked for. */
  ownRegistrar: string;
}

const CURSOR_VERSION = 1;
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const CursorSchema = z.strictObject({
  v: z.literal(CURSOR_VERSION),
  f: z.string(),
  s: z.strictObject({ h: z.number().int().min(-1), r: z.number().int().nonnegative() }),
  p: z.union([
    z.strictObject({ part: z.literal("queue"), acceptedAtMs: z.number().int(), sha256: sha256Hex }),
    z.strictObject({
      part: z.literal("index"),
      timestamp: z.number().int(),
      blockNumber: z.number().int(),
      root: z.string().regex(/^0x[0-9a-f]{64}$/),
      sha256: sha256Hex,
    }),
  ]),
});

/** A short fingerprint of the filters: a cursor is only good for the filters that gave it. */
function filterKey(request: DocumentListRequest): string {
  const filters = [request.registrar?.toLowerCase(), request.status, request.fromMs, request.toMs];
  return createHash("sha256").update(JSON.stringify(filters)).digest("base64url").slice(0, 11);
}

/**
 * The cursor is opaque to clients (base64url of JSON): the position of a page's last entry, the
 * snapshot the first page was read at, and the filters. It carries no secret and grants nothing;
 * it only says where to go on.
 */
function encodeCursor(position: ListPosition, snapshot: ListSnapshot, key: string): string {
  const cursor = { v: CURSOR_VERSION, f: key, s: { h: snapshot.indexedTo, r: snapshot.lastDocument }, p: position };
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

function decodeCursor(cursor: string, key: string): { snapshot: ListSnapshot; after: ListPosition } {
  let parsed: z.infer<typeof CursorSchema> | undefined;
  try {
    parsed = CursorSchema.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    throw new DocproofError(
      "invalid-cursor",
      "The cursor is not one this list gave: pass the `next` of the previous page unchanged, or leave it out to start again.",
    );
  }
  if (parsed.f !== key) {
    throw new DocproofError(
      "invalid-cursor",
      "The cursor was given for other filters: ask again with the filters of the page that gave it, or leave it out to start again.",
    );
  }
  const p = parsed.p;
  return {
    snapshot: { indexedTo: parsed.s.h, lastDocument: parsed.s.r },
    after:
      p.part === "queue"
        ? { part: "queue", acceptedAtMs: p.acceptedAtMs, sha256: p.sha256 as Sha256Hex }
        : { ...p, root: p.root as Hex32, sha256: p.sha256 as Sha256Hex },
  };
}

/**
 * The service's list of documents, newest first: this service's own documents the index does not
 * hold yet, then every member's anchorings from the index of the whole registry. Paged by an
 * opaque cursor that keeps the first page's snapshot: documents accepted and anchorings indexed
 * while a client pages through are left for its next first page, so no page repeats or skips an
 * entry because of them.
 */
export class DocumentList {
  constructor(private readonly ports: DocumentListPorts) {}

  list(request: DocumentListRequest): DocumentPage {
    const key = filterKey(request);
    const { listing, ownRegistrar } = this.ports;
    const { snapshot, after } =
      request.cursor === undefined
        ? { snapshot: listing.snapshot(), after: undefined }
        : decodeCursor(request.cursor, key);
    const includeQueue =
      request.registrar === undefined || request.registrar.toLowerCase() === ownRegistrar.toLowerCase();
    const filter: ListFilter = {
      registrar: request.registrar,
      status: request.status,
      fromMs: request.fromMs,
      toMs: request.toMs,
      includeQueue,
    };
    // One more than asked: whether there is a next page, without a count.
    const entries = listing.page(filter, request.limit + 1, snapshot, after);
    const shown = entries.slice(0, request.limit);
    const last = shown.at(-1);
    const names = new Map<string, { name: string; uri: string } | undefined>();
    const organisationOf = (registrar: string) => {
      if (!names.has(registrar)) names.set(registrar, this.ports.directory.organisationOf(registrar));
      return names.get(registrar);
    };
    return {
      documents: shown.map((entry) => this.view(entry, organisationOf)),
      ...(entries.length > request.limit && last !== undefined
        ? { next: encodeCursor(last.position, snapshot, key) }
        : {}),
      ...(snapshot.indexedTo < 0 ? {} : { indexedTo: snapshot.indexedTo }),
    };
  }

  private view(
    entry: StoredEntry,
    organisationOf: (registrar: string) => { name: string; uri: string } | undefined,
  ): ListedDocument {
    const view: ListedDocument = { sha256: entry.sha256, status: entry.status };
    if (entry.acceptedAtMs !== undefined) view.acceptedAt = new Date(entry.acceptedAtMs).toISOString();
    const anchoring = entry.anchoring;
    if (anchoring !== undefined) {
      const organisation = organisationOf(anchoring.registrar);
      view.anchoredBy = { address: anchoring.registrar, ...(organisation === undefined ? {} : organisation) };
      view.anchoredAt = anchoring.timestamp;
      view.anchoredAtIso = isoFromUnixSeconds(anchoring.timestamp);
      view.blockNumber = anchoring.blockNumber;
      view.txHash = anchoring.txHash;
      view.merkleRoot = anchoring.root;
      view.leafCount = anchoring.leafCount;
    }
    if (entry.revocation !== undefined) {
      const { revokedAt, reason, revokedBy, txHash } = entry.revocation;
      view.revocation = { revokedAt, revokedAtIso: isoFromUnixSeconds(revokedAt), reason, revokedBy, txHash };
    }
    return view;
  }
}
