import Database from "better-sqlite3";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { DocproofError } from "../errors";
import { DocumentListStore } from "./document-list";
import { migrate } from "./migrations";
import { RegistryIndexStore, type IndexUpdate } from "./registry-index";
import { SqliteConnection } from "./sqlite";
import { ChainWitnessStore, TimeStampStore } from "./time-stamp-store";
import { WebhookStore } from "./webhook-store";

export { isStorageFailure } from "./sqlite";
import type { Sha256Hex, Hex32 } from "../proof/digest";

export type BatchState = "prepared" | "sent" | "anchored";

export interface BatchRecord {
  id: number;
  root: Hex32;
  leafCount: number;
  state: BatchState;
  txHash?: Hex32;
  blockNumber?: number;
  timestamp?: number;
  registrar?: string;
  createdAtMs: number;
  anchoredAtMs?: number;
}

export interface RevocationRecord {
  revokedAt: number;
  reason: number;
  revokedBy: string;
  txHash: Hex32;
}

export interface DocumentRecord {
  sha256: Sha256Hex;
  acceptedAtMs: number;
  batch?: BatchRecord;
  revocation?: RevocationRecord;
}

export interface ChainIdentity {
  chainId: number;
  registry: string;
  genesisHash: string;
}

interface BatchRow {
  id: number;
  root: string;
  leaf_count: number;
  state: BatchState;
  tx_hash: string | null;
  block_number: number | null;
  timestamp: number | null;
  registrar: string | null;
  created_at_ms: number;
  anchored_at_ms: number | null;
}

interface DocumentRow {
  sha256: string;
  accepted_at_ms: number;
  batch_id: number | null;
  revoked_at: number | null;
  revocation_reason: number | null;
  revoked_by: string | null;
  revocation_tx: string | null;
}

function toBatch(row: BatchRow): BatchRecord {
  return {
    id: row.id,
    root: row.root as Hex32,
    leafCount: row.leaf_count,
    state: row.state,
    txHash: (row.tx_hash ?? undefined) as Hex32 | undefined,
    blockNumber: row.block_number ?? undefined,
    timestamp: row.timestamp ?? undefined,
    registrar: row.registrar ?? undefined,
    createdAtMs: row.created_at_ms,
    anchoredAtMs: row.anchored_at_ms ?? undefined,
  };
}

const DATABASE_FILE = "docproof.sqlite";

/**
 * The durable queue and record of documents and batches (SQLite, WAL). Every write that an HTTP
 * answer depends on is committed before the answer is sent. Failures of the disk become
 * `store-unavailable`; a failed write leaves nothing half-done (each is one transaction).
 */
export class DocumentStore {
  private readonly sql: SqliteConnection;
  /** The index of every anchoring and revocation on the registry, by every registrar. */
  readonly index: RegistryIndexStore;
  /** The list of documents, newest first: the index and this service's documents not in it yet. */
  readonly listing: DocumentListStore;
  /** The TSA's serial numbers and issued tokens. */
  readonly timeStamps: TimeStampStore;
  /** Outside TSA tokens over the chain's blocks. */
  readonly witnesses: ChainWitnessStore;
  /** Notification registrations and the outbox, written in the same transactions as the facts. */
  readonly webhooks: WebhookStore;

  private constructor(db: Database.Database) {
    this.sql = new SqliteConnection(db);
    this.index = new RegistryIndexStore(this.sql);
    this.listing = new DocumentListStore(this.sql);
    this.timeStamps = new TimeStampStore(this.sql);
    this.witnesses = new ChainWitnessStore(this.sql);
    this.webhooks = new WebhookStore(this.sql);
  }

  /**
   * The index as its follower writes it: each update applied in one transaction with what it means
   * here (a revocation of a document submitted here recorded in its own record, and its event).
   */
  get followedIndex(): Pick<RegistryIndexStore, "cursor" | "apply" | "knownBlocks" | "rollBackTo"> {
    const { index } = this;
    return {
      cursor: () => index.cursor(),
      apply: (update: IndexUpdate) =>
        this.sql.guard("write the index", () =>
          this.sql.db.transaction(() => {
            index.apply(update);
            this.webhooks.recordIndexRevocations(update.revocations, Date.now());
          })(),
        ),
      knownBlocks: (atMost, limit) => index.knownBlocks(atMost, limit),
      rollBackTo: (block, nowMs) => index.rollBackTo(block, nowMs),
    };
  }

  /** Opens (creating and migrating) the store at `dataDir/docproof.sqlite`. */
  static open(dataDir: string): DocumentStore {
    try {
      mkdirSync(dataDir, { recursive: true });
      const db = new Database(path.join(dataDir, DATABASE_FILE));
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.pragma("foreign_keys = ON");
      db.pragma("busy_timeout = 5000");
      migrate(db);
      return new DocumentStore(db);
    } catch (error) {
      throw new DocproofError("store-unavailable", `Cannot open the store in ${dataDir}.`, { cause: error });
    }
  }

  close(): void {
    this.sql.db.close();
  }

  /** Deletes the store in `dataDir` (closed), with its write-ahead log: for throwaway development chains only. */
  static delete(dataDir: string): void {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(path.join(dataDir, `${DATABASE_FILE}${suffix}`), { force: true });
  }

  /** The chain this store belongs to, if recorded. */
  chainIdentity(): ChainIdentity | undefined {
    const rows = this.sql.guard(
      "read the chain",
      () =>
        this.sql.statement("SELECT key, value FROM meta WHERE key IN ('chainId', 'registry', 'genesisHash')").all() as {
          key: string;
          value: string;
        }[],
    );
    const meta = Object.fromEntries(rows.map((row) => [row.key, row.value]));
    if (meta.chainId === undefined) return undefined;
    return { chainId: Number(meta.chainId), registry: meta.registry, genesisHash: meta.genesisHash };
  }

  recordChainIdentity(identity: ChainIdentity): void {
    this.sql.guard("record the chain", () => {
      const upsert = this.sql.statement(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      );
      this.sql.db.transaction(() => {
        upsert.run("chainId", String(identity.chainId));
        upsert.run("registry", identity.registry);
        upsert.run("genesisHash", identity.genesisHash);
      })();
    });
  }

  /**
   * Queues several digests in one transaction (one durable write); answers, for each, whether it was
   * new. A digest repeated in the list is new the first time only.
   */
  acceptMany(documents: readonly { sha256: Sha256Hex; acceptedAtMs: number }[]): boolean[] {
    return this.sql.guard("accept the documents", () => {
      // The list goes to SQLite as one JSON array of [digest, time] pairs: one statement for a list
      // of 10,000, not one call from JavaScript each. It answers the digests it inserted.
      const inserted = this.sql
        .statement(
          `INSERT INTO documents (sha256, accepted_at_ms) SELECT value ->> 0, value ->> 1 FROM json_each(?) WHERE true
           ON CONFLICT (sha256) DO NOTHING RETURNING sha256`,
        )
        .all(JSON.stringify(documents.map((d) => [d.sha256, d.acceptedAtMs]))) as { sha256: string }[];
      const created = new Set(inserted.map((row) => row.sha256));
      // A digest repeated in the list is new the first time only.
      return documents.map((d) => created.delete(d.sha256));
    });
  }

  document(sha256: Sha256Hex): DocumentRecord | undefined {
    return this.sql.guard("read the document", () => {
      // One statement for both: every verification by digest reads them.
      const row = this.sql
        .statement(
          `SELECT d.sha256, d.accepted_at_ms, d.batch_id, d.revoked_at, d.revocation_reason, d.revoked_by,
                  d.revocation_tx, b.id, b.root, b.leaf_count, b.state, b.tx_hash, b.block_number, b.timestamp,
                  b.registrar, b.created_at_ms, b.anchored_at_ms
           FROM documents d LEFT JOIN batches b ON b.id = d.batch_id WHERE d.sha256 = ?`,
        )
        .get(sha256) as (DocumentRow & Partial<BatchRow>) | undefined;
      if (row === undefined) return undefined;
      const batch = row.batch_id === null ? undefined : toBatch(row as BatchRow);
      const revocation =
        row.revoked_at === null
          ? undefined
          : {
              revokedAt: row.revoked_at,
              reason: row.revocation_reason ?? 0,
              revokedBy: row.revoked_by ?? "",
              txHash: (row.revocation_tx ?? "") as Hex32,
            };
      return { sha256: row.sha256 as Sha256Hex, acceptedAtMs: row.accepted_at_ms, batch, revocation };
    });
  }

  /** The oldest digests not yet in a batch. */
  unbatched(limit: number): Sha256Hex[] {
    return this.sql.guard("read the queue", () =>
      (
        this.sql
          .statement("SELECT sha256 FROM documents WHERE batch_id IS NULL ORDER BY accepted_at_ms, sha256 LIMIT ?")
          .all(limit) as { sha256: string }[]
      ).map((row) => row.sha256 as Sha256Hex),
    );
  }

  countUnbatched(): number {
    return this.sql.guard("count the queue", () => {
      const row = this.sql.statement("SELECT count(*) AS n FROM documents WHERE batch_id IS NULL").get() as {
        n: number;
      };
      return row.n;
    });
  }

  /** Records a batch and assigns its members to it, in one transaction. */
  prepareBatch(root: Hex32, members: readonly Sha256Hex[], nowMs: number): BatchRecord {
    return this.sql.guard("prepare the batch", () =>
      this.sql.db.transaction(() => {
        const { lastInsertRowid } = this.sql
          .statement("INSERT INTO batches (root, leaf_count, state, created_at_ms) VALUES (?, ?, 'prepared', ?)")
          .run(root, members.length, nowMs);
        // The members go to SQLite as one JSON array: one statement for a batch of thousands, not
        // one call from JavaScript each.
        // (`+batch_id`: each member found by its key, not every waiting document scanned.)
        const list = JSON.stringify(members);
        const { changes } = this.sql
          .statement(
            `UPDATE documents SET batch_id = ?
             WHERE sha256 IN (SELECT value FROM json_each(?)) AND +batch_id IS NULL`,
          )
          .run(lastInsertRowid, list);
        // A member listed twice, or one not waiting, leaves fewer rows changed than members.
        if (changes !== members.length) {
          const stray = this.sql
            .statement(
              `SELECT value AS sha256 FROM json_each(?)
               WHERE value NOT IN (SELECT sha256 FROM documents WHERE batch_id = ?) LIMIT 1`,
            )
            .get(list, lastInsertRowid) as { sha256: string } | undefined;
          throw new Error(
            stray === undefined
              ? "a document is listed twice in the batch"
              : `document ${stray.sha256} is not waiting for a batch`,
          );
        }
        return this.batch(Number(lastInsertRowid))!;
      })(),
    );
  }

  batch(id: number): BatchRecord | undefined {
    const row = this.sql.guard(
      "read the batch",
      () => this.sql.statement("SELECT * FROM batches WHERE id = ?").get(id) as BatchRow | undefined,
    );
    return row === undefined ? undefined : toBatch(row);
  }

  members(batchId: number): Sha256Hex[] {
    const rows = this.sql.guard(
      "read the batch",
      () =>
        this.sql.statement("SELECT sha256 FROM documents WHERE batch_id = ? ORDER BY sha256").all(batchId) as {
          sha256: string;
        }[],
    );
    return rows.map((row) => row.sha256 as Sha256Hex);
  }

  /** When each member of a batch was accepted (ms), for the time-to-anchor metric. */
  acceptedTimes(batchId: number): number[] {
    const rows = this.sql.guard(
      "read the batch",
      () =>
        this.sql.statement("SELECT accepted_at_ms FROM documents WHERE batch_id = ?").all(batchId) as {
          accepted_at_ms: number;
        }[],
    );
    return rows.map((row) => row.accepted_at_ms);
  }

  /** Batches prepared or sent but not yet known to be anchored: the work of a restart. */
  unfinishedBatches(): BatchRecord[] {
    const rows = this.sql.guard(
      "read the batches",
      () => this.sql.statement("SELECT * FROM batches WHERE state != 'anchored' ORDER BY id").all() as BatchRow[],
    );
    return rows.map(toBatch);
  }

  markSent(batchId: number, txHash: Hex32): void {
    this.sql.guard("record the transaction", () => {
      this.sql.statement("UPDATE batches SET state = 'sent', tx_hash = ? WHERE id = ?").run(txHash, batchId);
    });
  }

  markAnchored(
    batchId: number,
    facts: { txHash: Hex32; blockNumber: number; blockHash: string; timestamp: number; registrar: string },
    nowMs: number,
  ): void {
    this.sql.guard("record the anchoring", () =>
      this.sql.db.transaction(() => {
        this.sql
          .statement(
            `UPDATE batches SET state = 'anchored', tx_hash = ?, block_number = ?, timestamp = ?, registrar = ?,
               anchored_at_ms = ? WHERE id = ?`,
          )
          .run(facts.txHash, facts.blockNumber, facts.timestamp, facts.registrar, nowMs, batchId);
        // The anchoring's block is one the service relies on: a chain rolled back below it is noticed.
        this.index.rememberBlock(facts.blockNumber, facts.blockHash);
        this.webhooks.recordAnchored(batchId, nowMs);
      })(),
    );
  }

  /**
   * After the chain was rolled back to `block`: this service's batches anchored above it are no
   * longer on chain as recorded. They go back to the queue as prepared (the same members, so the
   * same root), to be anchored again; their old anchorings are kept as superseded. Returns them.
   */
  reopenAnchoredAbove(block: number, nowMs: number): BatchRecord[] {
    return this.sql.guard("reopen the batches", () =>
      this.sql.db.transaction(() => {
        const reopened = (
          this.sql
            .statement("SELECT * FROM batches WHERE state = 'anchored' AND block_number > ? ORDER BY id")
            .all(block) as BatchRow[]
        ).map(toBatch);
        for (const batch of reopened) {
          this.index.supersede(
            { root: batch.root, txHash: batch.txHash!, blockNumber: batch.blockNumber!, timestamp: batch.timestamp! },
            nowMs,
          );
        }
        this.sql
          .statement(
            `UPDATE batches SET state = 'prepared', tx_hash = NULL, block_number = NULL, timestamp = NULL,
               registrar = NULL, anchored_at_ms = NULL WHERE state = 'anchored' AND block_number > ?`,
          )
          .run(block);
        return reopened;
      })(),
    );
  }

  markRevoked(sha256: Sha256Hex, revocation: RevocationRecord): void {
    this.sql.guard("record the revocation", () =>
      this.sql.db.transaction(() => {
        this.sql
          .statement(
            "UPDATE documents SET revoked_at = ?, revocation_reason = ?, revoked_by = ?, revocation_tx = ? WHERE sha256 = ?",
          )
          .run(revocation.revokedAt, revocation.reason, revocation.revokedBy, revocation.txHash, sha256);
        this.webhooks.recordRevoked(sha256, revocation, Date.now());
      })(),
    );
  }

  /** Throws `store-unavailable` unless a write can be committed now. */
  checkWritable(): void {
    this.sql.guard("write", () => {
      this.sql
        .statement(
          "INSERT INTO meta (key, value) VALUES ('probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .run(String(Date.now()));
    });
  }

  isEmpty(): boolean {
    return this.sql.guard("count", () => this.sql.statement("SELECT 1 FROM documents LIMIT 1").get() === undefined);
  }

  stats(): { documents: number; unbatched: number; batches: number; anchoredBatches: number } {
    const one = (sql: string) => this.sql.guard("count", () => (this.sql.statement(sql).get() as { n: number }).n);
    return {
      documents: one("SELECT count(*) AS n FROM documents"),
      unbatched: one("SELECT count(*) AS n FROM documents WHERE batch_id IS NULL"),
      batches: one("SELECT count(*) AS n FROM batches"),
      anchoredBatches: one("SELECT count(*) AS n FROM batches WHERE state = 'anchored'"),
    };
  }
}
