import Database from "better-sqlite3";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { DocproofError } from "../errors";
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

const MIGRATIONS = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
   CREATE TABLE batches (
     id INTEGER PRIMARY KEY,
     root TEXT NOT NULL UNIQUE,
     leaf_count INTEGER NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('prepared', 'sent', 'anchored')),
     tx_hash TEXT,
     nonce INTEGER,
     block_number INTEGER,
     timestamp INTEGER,
     registrar TEXT,
     created_at_ms INTEGER NOT NULL,
     anchored_at_ms INTEGER
   ) STRICT;
   CREATE TABLE documents (
     sha256 TEXT PRIMARY KEY,
     accepted_at_ms INTEGER NOT NULL,
     batch_id INTEGER REFERENCES batches (id),
     revoked_at INTEGER,
     revocation_reason INTEGER,
     revoked_by TEXT,
     revocation_tx TEXT
   ) STRICT;
   CREATE INDEX documents_unbatched ON documents (accepted_at_ms) WHERE batch_id IS NULL;
   CREATE INDEX documents_by_batch ON documents (batch_id);`,
];

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

/** SQLite result codes (extended ones start with these) and errno codes of a disk that fails us. */
const STORAGE_FAILURES = [
  "SQLITE_FULL",
  "SQLITE_READONLY",
  "SQLITE_IOERR",
  "SQLITE_CANTOPEN",
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_CORRUPT",
  "SQLITE_NOTADB",
  "SQLITE_PROTOCOL",
  "SQLITE_NOLFS",
];
const STORAGE_ERRNOS = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EIO", "EMFILE", "ENFILE"]);

/**
 * True for failures of the disk or the database file (full, read-only, I/O error, locked), which
 * say nothing about the request and may pass: the one place they are recognised.
 */
export function isStorageFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  return (
    STORAGE_ERRNOS.has(code) || STORAGE_FAILURES.some((prefix) => code === prefix || code.startsWith(`${prefix}_`))
  );
}

const DATABASE_FILE = "docproof.sqlite";

/**
 * The durable queue and record of documents and batches (SQLite, WAL). Every write that an HTTP
 * answer depends on is committed before the answer is sent. Failures of the disk become
 * `store-unavailable`; a failed write leaves nothing half-done (each is one transaction).
 */
export class DocumentStore {
  private readonly db: Database.Database;
  /** Prepared once, reused: preparing costs more than running most of these queries. */
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(db: Database.Database) {
    this.db = db;
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
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
      const store = new DocumentStore(db);
      store.migrate();
      return store;
    } catch (error) {
      throw new DocproofError("store-unavailable", `Cannot open the store in ${dataDir}.`, { cause: error });
    }
  }

  private migrate(): void {
    const version = this.db.pragma("user_version", { simple: true }) as number;
    for (let next = version; next < MIGRATIONS.length; next++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[next]);
        this.db.pragma(`user_version = ${next + 1}`);
      })();
    }
  }

  private guard<T>(what: string, action: () => T): T {
    try {
      return action();
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
      const reason = (error as { code: string }).code;
      throw new DocproofError("store-unavailable", `The store could not ${what} (${reason}).`, { cause: error });
    }
  }

  close(): void {
    this.db.close();
  }

  /** Deletes the store in `dataDir` (closed), with its write-ahead log: for throwaway development chains only. */
  static delete(dataDir: string): void {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(path.join(dataDir, `${DATABASE_FILE}${suffix}`), { force: true });
  }

  /** The chain this store belongs to, if recorded. */
  chainIdentity(): ChainIdentity | undefined {
    const rows = this.guard(
      "read the chain",
      () =>
        this.statement("SELECT key, value FROM meta WHERE key IN ('chainId', 'registry', 'genesisHash')").all() as {
          key: string;
          value: string;
        }[],
    );
    const meta = Object.fromEntries(rows.map((row) => [row.key, row.value]));
    if (meta.chainId === undefined) return undefined;
    return { chainId: Number(meta.chainId), registry: meta.registry, genesisHash: meta.genesisHash };
  }

  recordChainIdentity(identity: ChainIdentity): void {
    this.guard("record the chain", () => {
      const upsert = this.statement(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      );
      this.db.transaction(() => {
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
    return this.guard("accept the documents", () => {
      const insert = this.statement(
        "INSERT INTO documents (sha256, accepted_at_ms) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING",
      );
      return this.db.transaction(() => documents.map((d) => insert.run(d.sha256, d.acceptedAtMs).changes === 1))();
    });
  }

  document(sha256: Sha256Hex): DocumentRecord | undefined {
    return this.guard("read the document", () => {
      const row = this.statement("SELECT * FROM documents WHERE sha256 = ?").get(sha256) as DocumentRow | undefined;
      if (row === undefined) return undefined;
      const batch =
        row.batch_id === null
          ? undefined
          : toBatch(this.statement("SELECT * FROM batches WHERE id = ?").get(row.batch_id) as BatchRow);
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
    return this.guard("read the queue", () =>
      (
        this.statement(
          "SELECT sha256 FROM documents WHERE batch_id IS NULL ORDER BY accepted_at_ms, sha256 LIMIT ?",
        ).all(limit) as { sha256: string }[]
      ).map((row) => row.sha256 as Sha256Hex),
    );
  }

  countUnbatched(): number {
    return this.guard("count the queue", () => {
      const row = this.statement("SELECT count(*) AS n FROM documents WHERE batch_id IS NULL").get() as { n: number };
      return row.n;
    });
  }

  /** Records a batch and assigns its members to it, in one transaction. */
  prepareBatch(root: Hex32, members: readonly Sha256Hex[], nowMs: number): BatchRecord {
    return this.guard("prepare the batch", () =>
      this.db.transaction(() => {
        const { lastInsertRowid } = this.statement(
          "INSERT INTO batches (root, leaf_count, state, created_at_ms) VALUES (?, ?, 'prepared', ?)",
        ).run(root, members.length, nowMs);
        const assign = this.statement("UPDATE documents SET batch_id = ? WHERE sha256 = ? AND batch_id IS NULL");
        for (const sha256 of members) {
          if (assign.run(lastInsertRowid, sha256).changes !== 1) {
            throw new Error(`document ${sha256} is not waiting for a batch`);
          }
        }
        return this.batch(Number(lastInsertRowid))!;
      })(),
    );
  }

  batch(id: number): BatchRecord | undefined {
    const row = this.guard(
      "read the batch",
      () => this.statement("SELECT * FROM batches WHERE id = ?").get(id) as BatchRow | undefined,
    );
    return row === undefined ? undefined : toBatch(row);
  }

  members(batchId: number): Sha256Hex[] {
    const rows = this.guard(
      "read the batch",
      () =>
        this.statement("SELECT sha256 FROM documents WHERE batch_id = ? ORDER BY sha256").all(batchId) as {
          sha256: string;
        }[],
    );
    return rows.map((row) => row.sha256 as Sha256Hex);
  }

  /** When each member of a batch was accepted (ms), for the time-to-anchor metric. */
  acceptedTimes(batchId: number): number[] {
    const rows = this.guard(
      "read the batch",
      () =>
        this.statement("SELECT accepted_at_ms FROM documents WHERE batch_id = ?").all(batchId) as {
          accepted_at_ms: number;
        }[],
    );
    return rows.map((row) => row.accepted_at_ms);
  }

  /** Batches prepared or sent but not yet known to be anchored: the work of a restart. */
  unfinishedBatches(): BatchRecord[] {
    const rows = this.guard(
      "read the batches",
      () => this.statement("SELECT * FROM batches WHERE state != 'anchored' ORDER BY id").all() as BatchRow[],
    );
    return rows.map(toBatch);
  }

  markSent(batchId: number, txHash: Hex32): void {
    this.guard("record the transaction", () => {
      this.statement("UPDATE batches SET state = 'sent', tx_hash = ? WHERE id = ?").run(txHash, batchId);
    });
  }

  markAnchored(
    batchId: number,
    facts: { txHash: Hex32; blockNumber: number; timestamp: number; registrar: string },
    nowMs: number,
  ): void {
    this.guard("record the anchoring", () => {
      this.statement(
        `UPDATE batches SET state = 'anchored', tx_hash = ?, block_number = ?, timestamp = ?, registrar = ?,
             anchored_at_ms = ? WHERE id = ?`,
      ).run(facts.txHash, facts.blockNumber, facts.timestamp, facts.registrar, nowMs, batchId);
    });
  }

  markRevoked(sha256: Sha256Hex, revocation: RevocationRecord): void {
    this.guard("record the revocation", () => {
      this.statement(
        "UPDATE documents SET revoked_at = ?, revocation_reason = ?, revoked_by = ?, revocation_tx = ? WHERE sha256 = ?",
      ).run(revocation.revokedAt, revocation.reason, revocation.revokedBy, revocation.txHash, sha256);
    });
  }

  /** Writes an anchored batch and its members as found on chain (reindex). */
  importAnchoredBatch(
    root: Hex32,
    members: readonly Sha256Hex[],
    facts: { txHash: Hex32; blockNumber: number; timestamp: number; registrar: string },
  ): void {
    this.guard("import the batch", () =>
      this.db.transaction(() => {
        const { lastInsertRowid } = this.statement(
          `INSERT INTO batches (root, leaf_count, state, tx_hash, block_number, timestamp, registrar, created_at_ms,
               anchored_at_ms) VALUES (?, ?, 'anchored', ?, ?, ?, ?, ?, ?)`,
        ).run(
          root,
          members.length,
          facts.txHash,
          facts.blockNumber,
          facts.timestamp,
          facts.registrar,
          facts.timestamp * 1000,
          facts.timestamp * 1000,
        );
        const insert = this.statement(
          "INSERT INTO documents (sha256, accepted_at_ms, batch_id) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
        );
        for (const sha256 of members) insert.run(sha256, facts.timestamp * 1000, lastInsertRowid);
      })(),
    );
  }

  /** Throws `store-unavailable` unless a write can be committed now. */
  checkWritable(): void {
    this.guard("write", () => {
      this.statement(
        "INSERT INTO meta (key, value) VALUES ('probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ).run(String(Date.now()));
    });
  }

  isEmpty(): boolean {
    return this.guard("count", () => this.statement("SELECT 1 FROM documents LIMIT 1").get() === undefined);
  }

  stats(): { documents: number; unbatched: number; batches: number; anchoredBatches: number } {
    const one = (sql: string) => this.guard("count", () => (this.statement(sql).get() as { n: number }).n);
    return {
      documents: one("SELECT count(*) AS n FROM documents"),
      unbatched: one("SELECT count(*) AS n FROM documents WHERE batch_id IS NULL"),
      batches: one("SELECT count(*) AS n FROM batches"),
      anchoredBatches: one("SELECT count(*) AS n FROM batches WHERE state = 'anchored'"),
    };
  }
}
