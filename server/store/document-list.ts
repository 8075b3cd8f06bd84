import type { Hex32, Sha256Hex } from "../proof/digest";
import type { SqliteConnection } from "./sqlite";

/**
 * Where an entry stands in the list. The list has two parts, each newest first: this service's
 * documents that the index did not hold (by acceptance), then the index of the whole registry (by
 * anchoring time). A position is the last entry a page returned; the next page starts after it.
 */
export type ListPosition =
  | { part: "queue"; acceptedAtMs: number; sha256: Sha256Hex }
  | { part: "index"; timestamp: number; blockNumber: number; root: Hex32; sha256: Sha256Hex };

/**
 * What the list was when its first page was read: the index's cursor (the index is complete up to
 * that block) and the last document this service had accepted (by row id, which only grows). Later
 * pages list against the same snapshot, so documents accepted and anchorings indexed meanwhile
 * appear in none of them, and a document anchored meanwhile stays in the part it was in: no entry
 * is repeated or skipped. Its status is read afresh.
 */
export interface ListSnapshot {
  /** The index's cursor, -1 before its first step. */
  indexedTo: number;
  /** The row id of the newest document accepted, 0 when there is none. */
  lastDocument: number;
}

export type ListedStatus = "pending" | "anchored" | "revoked";

export interface ListFilter {
  /** Only this registrar's anchorings (EIP-55, as the index holds addresses). */
  registrar?: string;
  status?: ListedStatus;
  /** Entries at or after this time (ms): anchoring time, or acceptance time while pending. */
  fromMs?: number;
  /** Entries before this time (ms). */
  toMs?: number;
  /** Whether this service's own queue is listed (not when another registrar is asked for). */
  includeQueue: boolean;
}

/** One entry: a document in an anchoring, or one of this service's documents still pending. */
export interface ListedDocument {
  position: ListPosition;
  sha256: Sha256Hex;
  status: ListedStatus;
  /** When this service accepted it, for documents of its own queue. */
  acceptedAtMs?: number;
  anchoring?: {
    root: Hex32;
    registrar: string;
    txHash: Hex32;
    blockNumber: number;
    timestamp: number;
    leafCount: number;
  };
  revocation?: { revokedAt: number; reason: number; revokedBy: string; txHash: Hex32 };
}

interface QueueRow {
  sha256: string;
  accepted_at_ms: number;
  revoked_at: number | null;
  revocation_reason: number | null;
  revoked_by: string | null;
  revocation_tx: string | null;
  state: string | null;
  root: string | null;
  registrar: string | null;
  tx_hash: string | null;
  block_number: number | null;
  timestamp: number | null;
  leaf_count: number | null;
}

interface IndexRow {
  sha256: string;
  root: string;
  registrar: string;
  tx_hash: string;
  block_number: number;
  timestamp: number;
  leaf_count: number;
  revoked_at: number | null;
  reason: number | null;
  revoked_by: string | null;
  revocation_tx: string | null;
  own_revoked_at: number | null;
  own_reason: number | null;
  own_revoked_by: string | null;
  own_revocation_tx: string | null;
}

/** Every document of every anchoring. */
const ALL_MEMBERS = "anchorings a JOIN anchoring_members m ON m.root = a.root";
/**
 * The revoked ones only, found from the revocations (few) rather than by reading every member:
 * those the index read, and those this service sent that it has not read yet.
 */
const REVOKED_MEMBERS = `(SELECT root, sha256 FROM chain_revocations
     UNION SELECT b.root, d.sha256 FROM documents d JOIN batches b ON b.id = d.batch_id
           WHERE d.revoked_at IS NOT NULL) x
   JOIN anchorings a ON a.root = x.root
   JOIN anchoring_members m ON m.root = x.root AND m.sha256 = x.sha256`;

/** Anchoring times are whole seconds: the first second at or after `ms`. */
const secondsFrom = (ms: number) => Math.ceil(ms / 1000);

/**
 * The list of documents: the registry index (every member's anchorings, each document in them,
 * revoked or not) and this service's documents that the index does not hold yet (pending, or
 * anchored above the index's cursor). Reads only; pages by position, never by offset.
 */
export class DocumentListStore {
  constructor(private readonly sql: SqliteConnection) {}

  /** The list as it is now, for a first page. */
  snapshot(): ListSnapshot {
    return this.sql.guard("list the documents", () => {
      const cursor = this.sql.statement("SELECT value FROM meta WHERE key = 'indexBlock'").get() as
        { value: string } | undefined;
      const last = this.sql.statement("SELECT max(rowid) AS id FROM documents").get() as { id: number | null };
      return { indexedTo: cursor === undefined ? -1 : Number(cursor.value), lastDocument: last.id ?? 0 };
    });
  }

  /**
   * Up to `limit` entries of the list as it was at `snapshot` that pass `filter`, after `after`
   * (from the newest when undefined).
   */
  page(filter: ListFilter, limit: number, snapshot: ListSnapshot, after?: ListPosition): ListedDocument[] {
    return this.sql.guard("list the documents", () => {
      const listed: ListedDocument[] = [];
      if (filter.includeQueue && after?.part !== "index") {
        listed.push(...this.queuePage(filter, limit, snapshot, after));
      }
      if (listed.length < limit) {
        const fromIndex = after?.part === "index" ? after : undefined;
        listed.push(...this.indexPage(filter, limit - listed.length, snapshot, fromIndex));
      }
      return listed;
    });
  }

  /**
   * This service's documents the index did not hold at the snapshot: not in a batch, in a batch not
   * anchored, or anchored above the index's cursor. A few at most, in normal running: they are found
   * through the queue's and the batches' indexes.
   */
  private queuePage(
    filter: ListFilter,
    limit: number,
    snapshot: ListSnapshot,
    after?: Extract<ListPosition, { part: "queue" }>,
  ): ListedDocument[] {
    const time = "coalesce(CASE WHEN b.state = 'anchored' THEN b.timestamp * 1000 END, d.accepted_at_ms)";
    const conditions: string[] = [];
    const params: (string | number)[] = [];
    if (after !== undefined) {
      conditions.push("(d.accepted_at_ms, d.sha256) < (?, ?)");
      params.push(after.acceptedAtMs, after.sha256);
    }
    if (filter.status === "pending") conditions.push("(b.state IS NULL OR b.state != 'anchored')");
    if (filter.status === "anchored") conditions.push("b.state = 'anchored' AND d.revoked_at IS NULL");
    if (filter.status === "revoked") conditions.push("b.state = 'anchored' AND d.revoked_at IS NOT NULL");
    if (filter.fromMs !== undefined) {
      conditions.push(`${time} >= ?`);
      params.push(filter.fromMs);
    }
    if (filter.toMs !== undefined) {
      conditions.push(`${time} < ?`);
      params.push(filter.toMs);
    }
    const rows = this.sql
      .statement(
        `SELECT d.sha256, d.accepted_at_ms, d.revoked_at, d.revocation_reason, d.revoked_by, d.revocation_tx,
                b.state, b.root, b.registrar, b.tx_hash, b.block_number, b.timestamp, b.leaf_count
         FROM documents d LEFT JOIN batches b ON b.id = d.batch_id
         WHERE d.rowid <= ?
           AND (d.batch_id IS NULL OR d.batch_id IN (
                  SELECT id FROM batches WHERE state IN ('prepared', 'sent')
                  UNION ALL SELECT id FROM batches WHERE state = 'anchored' AND block_number > ?))
           ${conditions.map((c) => `AND ${c}`).join(" ")}
         ORDER BY d.accepted_at_ms DESC, d.sha256 DESC
         LIMIT ?`,
      )
      .all(snapshot.lastDocument, snapshot.indexedTo, ...params, limit) as QueueRow[];
    return rows.map((row): ListedDocument => {
      const sha256 = row.sha256 as Sha256Hex;
      const anchored = row.state === "anchored";
      const revoked = anchored && row.revoked_at !== null;
      return {
        position: { part: "queue", acceptedAtMs: row.accepted_at_ms, sha256 },
        sha256,
        status: revoked ? "revoked" : anchored ? "anchored" : "pending",
        acceptedAtMs: row.accepted_at_ms,
        ...(anchored
          ? {
              anchoring: {
                root: row.root as Hex32,
                registrar: row.registrar!,
                txHash: row.tx_hash as Hex32,
                blockNumber: row.block_number!,
                timestamp: row.timestamp!,
                leafCount: row.leaf_count!,
              },
            }
          : {}),
        ...(revoked
          ? {
              revocation: {
                revokedAt: row.revoked_at!,
                reason: row.revocation_reason ?? 0,
                revokedBy: row.revoked_by ?? "",
                txHash: (row.revocation_tx ?? "") as Hex32,
              },
            }
          : {}),
      };
    });
  }

  /**
   * The index up to the snapshot's cursor: each document of each anchoring, newest anchoring first.
   * A revocation this service sent shows at once, before the index reads its block.
   */
  private indexPage(
    filter: ListFilter,
    limit: number,
    snapshot: ListSnapshot,
    after?: Extract<ListPosition, { part: "index" }>,
  ): ListedDocument[] {
    if (filter.status === "pending") return [];
    const conditions = ["a.block_number <= ?"];
    const params: (string | number)[] = [snapshot.indexedTo];
    if (after !== undefined) {
      conditions.push("(a.timestamp, a.block_number, a.root, m.sha256) < (?, ?, ?, ?)");
      params.push(after.timestamp, after.blockNumber, after.root, after.sha256);
    }
    if (filter.registrar !== undefined) {
      conditions.push("a.registrar = ?");
      params.push(filter.registrar);
    }
    const revoked = "(r.root IS NOT NULL OR d.revoked_at IS NOT NULL)";
    if (filter.status === "anchored") conditions.push(`NOT ${revoked}`);
    if (filter.status === "revoked") conditions.push(revoked);
    if (filter.fromMs !== undefined) {
      conditions.push("a.timestamp >= ?");
      params.push(secondsFrom(filter.fromMs));
    }
    if (filter.toMs !== undefined) {
      conditions.push("a.timestamp < ?");
      params.push(secondsFrom(filter.toMs));
    }
    const rows = this.sql
      .statement(
        `SELECT m.sha256, a.root, a.registrar, a.tx_hash, a.block_number, a.timestamp, a.leaf_count,
                r.revoked_at, r.reason, r.revoked_by, r.tx_hash AS revocation_tx,
                d.revoked_at AS own_revoked_at, d.revocation_reason AS own_reason,
                d.revoked_by AS own_revoked_by, d.revocation_tx AS own_revocation_tx
         FROM ${filter.status === "revoked" ? REVOKED_MEMBERS : ALL_MEMBERS}
           LEFT JOIN chain_revocations r ON r.root = a.root AND r.sha256 = m.sha256
           LEFT JOIN documents d ON d.sha256 = m.sha256 AND d.revoked_at IS NOT NULL
             AND d.batch_id = (SELECT id FROM batches WHERE root = a.root)
         WHERE ${conditions.join(" AND ")}
         ORDER BY a.timestamp DESC, a.block_number DESC, a.root DESC, m.sha256 DESC
         LIMIT ?`,
      )
      .all(...params, limit) as IndexRow[];
    return rows.map((row): ListedDocument => {
      const sha256 = row.sha256 as Sha256Hex;
      const root = row.root as Hex32;
      const revocation =
        row.revoked_at !== null
          ? {
              revokedAt: row.revoked_at,
              reason: row.reason!,
              revokedBy: row.revoked_by!,
              txHash: row.revocation_tx as Hex32,
            }
          : row.own_revoked_at !== null
            ? {
                revokedAt: row.own_revoked_at,
                reason: row.own_reason ?? 0,
                revokedBy: row.own_revoked_by ?? "",
                txHash: (row.own_revocation_tx ?? "") as Hex32,
              }
            : undefined;
      return {
        position: { part: "index", timestamp: row.timestamp, blockNumber: row.block_number, root, sha256 },
        sha256,
        status: revocation === undefined ? "anchored" : "revoked",
        anchoring: {
          root,
          registrar: row.registrar,
          txHash: row.tx_hash as Hex32,
          blockNumber: row.block_number,
          timestamp: row.timestamp,
          leafCount: row.leaf_count,
        },
        ...(revocation === undefined ? {} : { revocation }),
      };
    });
  }
}
