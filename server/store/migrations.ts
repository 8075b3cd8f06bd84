import type Database from "better-sqlite3";

/**
 * The schema, one step per version (SQLite's user_version). Steps are only ever added: a store
 * written by an older version is brought up to date when opened.
 */
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
  // The index of the whole registry: every anchoring and revocation by every registrar, the
  // organisations' names, and the block hashes the service relied on (to detect a rollback).
  `CREATE TABLE anchorings (
     root TEXT PRIMARY KEY,
     registrar TEXT NOT NULL,
     tx_hash TEXT NOT NULL,
     block_number INTEGER NOT NULL,
     timestamp INTEGER NOT NULL,
     leaf_count INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX anchorings_by_block ON anchorings (block_number);
   CREATE INDEX anchorings_by_registrar ON anchorings (registrar, block_number);
   CREATE TABLE anchoring_members (
     sha256 TEXT NOT NULL,
     root TEXT NOT NULL REFERENCES anchorings (root) ON DELETE CASCADE,
     PRIMARY KEY (sha256, root)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX anchoring_members_by_root ON anchoring_members (root, sha256);
   CREATE TABLE chain_revocations (
     root TEXT NOT NULL,
     sha256 TEXT NOT NULL,
     revoked_by TEXT NOT NULL,
     reason INTEGER NOT NULL,
     tx_hash TEXT NOT NULL,
     block_number INTEGER NOT NULL,
     revoked_at INTEGER NOT NULL,
     PRIMARY KEY (root, sha256)
   ) STRICT;
   CREATE INDEX chain_revocations_by_block ON chain_revocations (block_number);
   CREATE TABLE organisations (
     registrar TEXT NOT NULL,
     block_number INTEGER NOT NULL,
     log_index INTEGER NOT NULL,
     name TEXT NOT NULL,
     uri TEXT NOT NULL,
     PRIMARY KEY (registrar, block_number, log_index)
   ) STRICT;
   CREATE TABLE registrar_roles (
     registrar TEXT NOT NULL,
     block_number INTEGER NOT NULL,
     log_index INTEGER NOT NULL,
     granted INTEGER NOT NULL,
     PRIMARY KEY (registrar, block_number, log_index)
   ) STRICT;
   CREATE TABLE known_blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL) STRICT;
   CREATE TABLE superseded_anchorings (
     root TEXT NOT NULL,
     tx_hash TEXT NOT NULL,
     block_number INTEGER NOT NULL,
     timestamp INTEGER NOT NULL,
     detected_at_ms INTEGER NOT NULL,
     PRIMARY KEY (root, tx_hash)
   ) STRICT;`,
  // The list of documents, newest first: the index in anchoring-time order (by registrar, too),
  // this service's batches not yet in the index (unfinished, or anchored above its cursor), and
  // the few documents it revoked.
  `CREATE INDEX anchorings_by_time ON anchorings (timestamp, block_number, root);
   CREATE INDEX anchorings_by_registrar_time ON anchorings (registrar, timestamp, block_number, root);
   CREATE INDEX batches_by_state ON batches (state, block_number);
   CREATE INDEX documents_revoked ON documents (sha256) WHERE revoked_at IS NOT NULL;`,
  // Time-stamping: every token this service's TSA issued (its serial is the key: unique for the
  // TSA), and the tokens an outside TSA gave for the chain's final blocks.
  `CREATE TABLE time_stamps (
     serial INTEGER PRIMARY KEY CHECK (serial > 0),
     sha256 TEXT NOT NULL,
     gen_time_ms INTEGER NOT NULL,
     reply BLOB NOT NULL
   ) STRICT;
   CREATE INDEX time_stamps_by_sha256 ON time_stamps (sha256, gen_time_ms);
   CREATE TABLE chain_witnesses (
     id INTEGER PRIMARY KEY,
     block_number INTEGER NOT NULL,
     block_hash TEXT NOT NULL,
     sha256 TEXT NOT NULL,
     authority TEXT NOT NULL,
     gen_time_ms INTEGER NOT NULL,
     serial TEXT NOT NULL,
     reply BLOB NOT NULL,
     witnessed_at_ms INTEGER NOT NULL,
     superseded_at_ms INTEGER
   ) STRICT;
   CREATE INDEX chain_witnesses_by_block ON chain_witnesses (block_number, gen_time_ms);`,
  // Notifications: registrations, the durable outbox of events (written in the transaction that
  // records the fact they report), and one delivery per event and registration.
  `CREATE TABLE webhooks (
     id TEXT PRIMARY KEY,
     owner TEXT NOT NULL,
     url TEXT NOT NULL,
     events TEXT NOT NULL,
     secret TEXT NOT NULL,
     sha256 TEXT,
     created_at_ms INTEGER NOT NULL,
     deleted_at_ms INTEGER
   ) STRICT;
   CREATE INDEX webhooks_by_owner ON webhooks (owner, created_at_ms);
   CREATE TABLE webhook_events (
     id TEXT PRIMARY KEY,
     type TEXT NOT NULL,
     sha256 TEXT NOT NULL,
     facts TEXT NOT NULL,
     occurred_at_ms INTEGER NOT NULL,
     body TEXT
   ) STRICT;
   CREATE TABLE webhook_deliveries (
     id INTEGER PRIMARY KEY,
     event_id TEXT NOT NULL REFERENCES webhook_events (id),
     webhook_id TEXT NOT NULL REFERENCES webhooks (id),
     state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
     attempts INTEGER NOT NULL,
     created_at_ms INTEGER NOT NULL,
     next_attempt_at_ms INTEGER,
     last_attempt_at_ms INTEGER,
     last_status INTEGER,
     last_error TEXT,
     finished_at_ms INTEGER,
     UNIQUE (event_id, webhook_id)
   ) STRICT;
   CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at_ms) WHERE state = 'pending';
   CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, state, id);
   CREATE INDEX webhook_deliveries_by_state ON webhook_deliveries (state);`,
];

/** Brings the database up to the newest schema, one transaction per step. */
export function migrate(db: Database.Database): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  for (let next = version; next < MIGRATIONS.length; next++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[next]);
      db.pragma(`user_version = ${next + 1}`);
    })();
  }
}
