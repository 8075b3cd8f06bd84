import type { Hex32, Sha256Hex } from "../proof/digest";
import type { SqliteConnection } from "./sqlite";

/** An anchoring on the registry, by any registrar, as the index holds it. */
export interface IndexedAnchoring {
  root: Hex32;
  registrar: string;
  txHash: Hex32;
  blockNumber: number;
  /** The anchoring block's time, Unix seconds. */
  timestamp: number;
  leafCount: number;
}

export interface IndexedRevocation {
  root: Hex32;
  sha256: Sha256Hex;
  revokedBy: string;
  reason: number;
  txHash: Hex32;
  blockNumber: number;
  revokedAt: number;
}

/** An anchoring of one document, with its revocation if it was revoked. */
export interface DocumentAnchoring extends IndexedAnchoring {
  revocation?: IndexedRevocation;
}

/** What one step of following the chain found, written in one transaction. */
export interface IndexUpdate {
  anchorings: (IndexedAnchoring & { members: readonly Sha256Hex[] })[];
  revocations: IndexedRevocation[];
  organisations: { registrar: string; name: string; uri: string; blockNumber: number; logIndex: number }[];
  roles: { registrar: string; granted: boolean; blockNumber: number; logIndex: number }[];
  /** Hashes of the blocks the update read (those with events, and the last one). */
  blocks: { number: number; hash: string }[];
  /** The last block the update covers: the index is complete up to it. */
  cursor: { number: number; hash: string };
}

/** A member organisation as the registry's directory and anchorings describe it. */
export interface RegistrarEntry {
  address: string;
  name?: string;
  uri?: string;
  /** Holds the registrar role now (as far as the index has followed). */
  active: boolean;
  anchorings: number;
  documents: number;
  lastAnchoring?: { root: Hex32; txHash: Hex32; blockNumber: number; timestamp: number };
}

/** An anchoring a rollback of the chain removed, kept so its receipts answer as superseded, not forged. */
export interface SupersededAnchoring {
  root: Hex32;
  txHash: Hex32;
  blockNumber: number;
  timestamp: number;
}

interface AnchoringRow {
  root: string;
  registrar: string;
  tx_hash: string;
  block_number: number;
  timestamp: number;
  leaf_count: number;
}

interface RevocationRow {
  root: string;
  sha256: string;
  revoked_by: string;
  reason: number;
  tx_hash: string;
  block_number: number;
  revoked_at: number;
}

/** Registrars whose organisation is kept in memory at most. */
const MAX_KEPT_ORGANISATIONS = 1_024;

/** A revocation's columns beside its anchoring's (null when the member is not revoked). */
interface RevocationColumns {
  revoked_by: string | null;
  reason: number | null;
  revocation_tx_hash: string | null;
  revocation_block_number: number | null;
  revoked_at: number | null;
}

const toAnchoring = (row: AnchoringRow): IndexedAnchoring => ({
  root: row.root as Hex32,
  registrar: row.registrar,
  txHash: row.tx_hash as Hex32,
  blockNumber: row.block_number,
  timestamp: row.timestamp,
  leafCount: row.leaf_count,
});

const toRevocation = (row: RevocationRow): IndexedRevocation => ({
  root: row.root as Hex32,
  sha256: row.sha256 as Sha256Hex,
  revokedBy: row.revoked_by,
  reason: row.reason,
  txHash: row.tx_hash as Hex32,
  blockNumber: row.block_number,
  revokedAt: row.revoked_at,
});

/**
 * The index of the whole registry, kept current by the service's follower (RegistryIndexer): every
 * anchoring with its members, every revocation, the directory of organisations and the registrar
 * roles, up to a cursor at the last final block. Also the hashes of the blocks the service relied
 * on, so a chain rolled back under it is noticed.
 */
export class RegistryIndexStore {
  /**
   * The cursor as last committed (null: none yet), read on every verdict from the index. Only this
   * store writes it; a value read inside a transaction, which may still roll back, is not kept.
   */
  private committedCursor: { number: number; hash: string } | null | undefined;
  /**
   * Organisations as last committed, by lower-case registrar (null: not named): every verdict
   * names its registrar's. Emptied whenever the index moves, which is when they can change.
   */
  private readonly committedOrganisations = new Map<string, { name: string; uri: string } | null>();

  constructor(private readonly sql: SqliteConnection) {}

  /** The last block the index is complete up to, or undefined before the first step. */
  cursor(): { number: number; hash: string } | undefined {
    if (this.committedCursor !== undefined) return this.committedCursor ?? undefined;
    const cursor = this.readCursor();
    if (!this.sql.db.inTransaction) this.committedCursor = cursor ?? null;
    return cursor;
  }

  private readCursor(): { number: number; hash: string } | undefined {
    const rows = this.sql.guard(
      "read the index cursor",
      () =>
        this.sql.statement("SELECT key, value FROM meta WHERE key IN ('indexBlock', 'indexBlockHash')").all() as {
          key: string;
          value: string;
        }[],
    );
    const meta = Object.fromEntries(rows.map((row) => [row.key, row.value]));
    return meta.indexBlock === undefined ? undefined : { number: Number(meta.indexBlock), hash: meta.indexBlockHash };
  }

  apply(update: IndexUpdate): void {
    const { sql } = this;
    sql.guard("write the index", () =>
      sql.db.transaction(() => {
        const anchoring = sql.statement(
          `INSERT INTO anchorings (root, registrar, tx_hash, block_number, timestamp, leaf_count)
           VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (root) DO NOTHING`,
        );
        // An anchoring's members go to SQLite as one JSON array: a batch holds thousands.
        // ("WHERE true" tells SQLite's parser the ON CONFLICT is not a join's.)
        const members = sql.statement(
          `INSERT INTO anchoring_members (sha256, root) SELECT value, ? FROM json_each(?) WHERE true
           ON CONFLICT DO NOTHING`,
        );
        for (const a of update.anchorings) {
          anchoring.run(a.root, a.registrar, a.txHash, a.blockNumber, a.timestamp, a.leafCount);
          if (a.members.length > 0) members.run(a.root, JSON.stringify(a.members));
        }
        const revocation = sql.statement(
          `INSERT INTO chain_revocations (root, sha256, revoked_by, reason, tx_hash, block_number, revoked_at)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        );
        for (const r of update.revocations) {
          revocation.run(r.root, r.sha256, r.revokedBy, r.reason, r.txHash, r.blockNumber, r.revokedAt);
        }
        const organisation = sql.statement(
          `INSERT INTO organisations (registrar, block_number, log_index, name, uri) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT DO NOTHING`,
        );
        for (const o of update.organisations) organisation.run(o.registrar, o.blockNumber, o.logIndex, o.name, o.uri);
        const role = sql.statement(
          `INSERT INTO registrar_roles (registrar, block_number, log_index, granted) VALUES (?, ?, ?, ?)
           ON CONFLICT DO NOTHING`,
        );
        for (const r of update.roles) role.run(r.registrar, r.blockNumber, r.logIndex, r.granted ? 1 : 0);
        const block = sql.statement(
          "INSERT INTO known_blocks (number, hash) VALUES (?, ?) ON CONFLICT (number) DO UPDATE SET hash = excluded.hash",
        );
        for (const b of [...update.blocks, update.cursor]) block.run(b.number, b.hash);
        this.setCursor(update.cursor);
      })(),
    );
  }

  private setCursor(cursor: { number: number; hash: string }): void {
    this.committedCursor = undefined;
    this.committedOrganisations.clear();
    const upsert = this.sql.statement(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
    upsert.run("indexBlock", String(cursor.number));
    upsert.run("indexBlockHash", cursor.hash);
  }

  /** Every anchoring of `sha256`, oldest first, each with its revocation if any. */
  anchoringsOf(sha256: Sha256Hex): DocumentAnchoring[] {
    return this.sql.guard("read the index", () => {
      // With its revocation, if any, in the same statement: every verification by digest reads this.
      const rows = this.sql
        .statement(
          `SELECT a.*, r.revoked_by, r.reason, r.tx_hash AS revocation_tx_hash,
                  r.block_number AS revocation_block_number, r.revoked_at
           FROM anchoring_members m JOIN anchorings a ON a.root = m.root
           LEFT JOIN chain_revocations r ON r.root = m.root AND r.sha256 = m.sha256
           WHERE m.sha256 = ? ORDER BY a.block_number, a.root`,
        )
        .all(sha256) as (AnchoringRow & RevocationColumns)[];
      return rows.map((row) =>
        row.revoked_at === null
          ? toAnchoring(row)
          : {
              ...toAnchoring(row),
              revocation: toRevocation({
                root: row.root,
                sha256,
                revoked_by: row.revoked_by!,
                reason: row.reason!,
                tx_hash: row.revocation_tx_hash!,
                block_number: row.revocation_block_number!,
                revoked_at: row.revoked_at,
              }),
            },
      );
    });
  }

  anchoring(root: Hex32): IndexedAnchoring | undefined {
    const row = this.sql.guard(
      "read the index",
      () => this.sql.statement("SELECT * FROM anchorings WHERE root = ?").get(root) as AnchoringRow | undefined,
    );
    return row === undefined ? undefined : toAnchoring(row);
  }

  /** The members of an indexed anchoring, in digest order. */
  members(root: Hex32): Sha256Hex[] {
    return this.sql.guard("read the index", () =>
      (
        this.sql.statement("SELECT sha256 FROM anchoring_members WHERE root = ? ORDER BY sha256").all(root) as {
          sha256: string;
        }[]
      ).map((row) => row.sha256 as Sha256Hex),
    );
  }

  /** The organisation's current name and URI, by the latest OrganisationRecorded event. */
  organisationOf(registrar: string): { name: string; uri: string } | undefined {
    const key = registrar.toLowerCase();
    const known = this.committedOrganisations.get(key);
    if (known !== undefined) return known ?? undefined;
    const organisation = this.sql.guard(
      "read the directory",
      () =>
        this.sql
          .statement(
            `SELECT name, uri FROM organisations WHERE registrar = ? COLLATE NOCASE
             ORDER BY block_number DESC, log_index DESC LIMIT 1`,
          )
          .get(registrar) as { name: string; uri: string } | undefined,
    );
    // A value read inside a transaction, which may still roll back, is not kept; nor are more
    // registrars than a consortium has.
    if (!this.sql.db.inTransaction && this.committedOrganisations.size < MAX_KEPT_ORGANISATIONS) {
      this.committedOrganisations.set(key, organisation ?? null);
    }
    return organisation;
  }

  /** Whether `registrar` holds the registrar role as far as the index has followed; undefined when no grant or revocation of it was seen. */
  holdsRole(registrar: string): boolean | undefined {
    return this.sql.guard("read the registrar role", () => {
      const role = this.sql
        .statement(
          `SELECT granted FROM registrar_roles WHERE registrar = ? COLLATE NOCASE
           ORDER BY block_number DESC, log_index DESC LIMIT 1`,
        )
        .get(registrar) as { granted: number } | undefined;
      return role === undefined ? undefined : role.granted === 1;
    });
  }

  /** The directory: every registrar named, granted the role, or seen anchoring, with its activity. */
  registrars(): RegistrarEntry[] {
    return this.sql.guard("read the directory", () => {
      const addresses = (
        this.sql
          .statement(
            `SELECT registrar FROM organisations UNION SELECT registrar FROM registrar_roles
             UNION SELECT registrar FROM anchorings`,
          )
          .all() as { registrar: string }[]
      ).map((row) => row.registrar);
      const distinct = [...new Map(addresses.map((a) => [a.toLowerCase(), a])).values()];
      return distinct
        .map((address): RegistrarEntry => {
          const organisation = this.organisationOf(address);
          const counts = this.sql
            .statement(
              "SELECT count(*) AS n, coalesce(sum(leaf_count), 0) AS docs FROM anchorings WHERE registrar = ? COLLATE NOCASE",
            )
            .get(address) as { n: number; docs: number };
          const last = this.sql
            .statement(
              `SELECT * FROM anchorings WHERE registrar = ? COLLATE NOCASE
               ORDER BY block_number DESC, root DESC LIMIT 1`,
            )
            .get(address) as AnchoringRow | undefined;
          return {
            address,
            ...(organisation === undefined ? {} : { name: organisation.name, uri: organisation.uri }),
            active: this.holdsRole(address) === true,
            anchorings: counts.n,
            documents: counts.docs,
            ...(last === undefined
              ? {}
              : {
                  lastAnchoring: {
                    root: last.root as Hex32,
                    txHash: last.tx_hash as Hex32,
                    blockNumber: last.block_number,
                    timestamp: last.timestamp,
                  },
                }),
          };
        })
        .sort((a, b) => (a.name ?? a.address).localeCompare(b.name ?? b.address));
    });
  }

  /** Remembers the hash of a block the service relied on (an own anchoring's block, say). */
  rememberBlock(number: number, hash: string): void {
    this.sql.guard("remember the block", () =>
      this.sql
        .statement(
          "INSERT INTO known_blocks (number, hash) VALUES (?, ?) ON CONFLICT (number) DO UPDATE SET hash = excluded.hash",
        )
        .run(number, hash),
    );
  }

  /** Known blocks at or below `atMost`, newest first: where a rollback's depth is looked for. */
  knownBlocks(atMost: number, limit: number): { number: number; hash: string }[] {
    return this.sql.guard(
      "read the known blocks",
      () =>
        this.sql
          .statement("SELECT number, hash FROM known_blocks WHERE number <= ? ORDER BY number DESC LIMIT ?")
          .all(atMost, limit) as { number: number; hash: string }[],
    );
  }

  /**
   * Forgets everything above `block` (a rollback of the chain to it): anchorings (kept as
   * superseded, so their receipts answer as such), revocations, directory and role changes, known
   * blocks. The cursor moves back to `block`. Returns the anchorings removed.
   */
  rollBackTo(block: { number: number; hash: string }, nowMs: number): SupersededAnchoring[] {
    const { sql } = this;
    this.committedOrganisations.clear();
    return sql.guard("roll back the index", () =>
      sql.db.transaction(() => {
        const removed = (
          sql.statement("SELECT * FROM anchorings WHERE block_number > ?").all(block.number) as AnchoringRow[]
        ).map(toAnchoring);
        const keep = sql.statement(
          `INSERT INTO superseded_anchorings (root, tx_hash, block_number, timestamp, detected_at_ms)
           VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        );
        for (const a of removed) keep.run(a.root, a.txHash, a.blockNumber, a.timestamp, nowMs);
        sql.statement("DELETE FROM anchorings WHERE block_number > ?").run(block.number);
        sql.statement("DELETE FROM chain_revocations WHERE block_number > ?").run(block.number);
        sql.statement("DELETE FROM organisations WHERE block_number > ?").run(block.number);
        sql.statement("DELETE FROM registrar_roles WHERE block_number > ?").run(block.number);
        sql.statement("DELETE FROM known_blocks WHERE number > ?").run(block.number);
        const cursor = this.cursor();
        if (cursor !== undefined && cursor.number > block.number) this.setCursor(block);
        return removed.map(({ root, txHash, blockNumber, timestamp }) => ({ root, txHash, blockNumber, timestamp }));
      })(),
    );
  }

  /** Records an anchoring of this service's that a rollback removed before the index held it. */
  supersede(anchoring: SupersededAnchoring, nowMs: number): void {
    this.sql.guard("record the superseded anchoring", () =>
      this.sql
        .statement(
          `INSERT INTO superseded_anchorings (root, tx_hash, block_number, timestamp, detected_at_ms)
           VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        )
        .run(anchoring.root, anchoring.txHash, anchoring.blockNumber, anchoring.timestamp, nowMs),
    );
  }

  /** True when a rollback of the chain removed an anchoring of `root`. */
  wasSuperseded(root: Hex32): boolean {
    return this.sql.guard(
      "read the superseded anchorings",
      () => this.sql.statement("SELECT 1 FROM superseded_anchorings WHERE root = ? LIMIT 1").get(root) !== undefined,
    );
  }

  /** The anchoring a rollback removed, for a receipt that names it. */
  superseded(root: Hex32, txHash: Hex32): SupersededAnchoring | undefined {
    const row = this.sql.guard(
      "read the superseded anchorings",
      () =>
        this.sql.statement("SELECT * FROM superseded_anchorings WHERE root = ? AND tx_hash = ?").get(root, txHash) as
          { root: string; tx_hash: string; block_number: number; timestamp: number } | undefined,
    );
    return row === undefined
      ? undefined
      : {
          root: row.root as Hex32,
          txHash: row.tx_hash as Hex32,
          blockNumber: row.block_number,
          timestamp: row.timestamp,
        };
  }

  counts(): { anchorings: number; documents: number; revocations: number } {
    const one = (query: string) =>
      this.sql.guard("count the index", () => (this.sql.statement(query).get() as { n: number }).n);
    return {
      anchorings: one("SELECT count(*) AS n FROM anchorings"),
      documents: one("SELECT count(*) AS n FROM anchoring_members"),
      revocations: one("SELECT count(*) AS n FROM chain_revocations"),
    };
  }
}
