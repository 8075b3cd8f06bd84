import type { Sha256Hex } from "../proof/digest";
import type { SerialSource } from "../timestamp/serial-source";
import type { ChainWitnessRecord } from "../timestamp/witness-imprint";
import type { SqliteConnection } from "./sqlite";

/** A token this service's TSA issued, as kept: its reply is what the client received. */
export interface IssuedTimeStamp {
  serial: bigint;
  sha256: Sha256Hex;
  genTime: Date;
  /** The DER TimeStampResp sent to the client. */
  reply: Uint8Array;
}

/** Serial numbers reserved by one durable write; a restart skips what was reserved and not used. */
const SERIAL_BLOCK = 1_000;
const SERIAL_RESERVED_KEY = "tsaSerialReservedTo";

interface TimeStampRow {
  serial: number;
  sha256: string;
  gen_time_ms: number;
  reply: Buffer;
}

/**
 * The TSA's serial numbers and the tokens it issued. Serials are reserved a block at a time and
 * never below the current time in microseconds: unique and increasing for the TSA's key even when
 * the store is deleted and made again (a new development chain) or restored from an older copy,
 * as long as the clock runs forward faster than serials are reserved (a thousand a millisecond).
 */
export class TimeStampStore implements SerialSource {
  private nextSerial = 0;
  private reservedTo = 0;

  constructor(
    private readonly sql: SqliteConnection,
    private readonly now: () => number = Date.now,
  ) {}

  /** The next serial number; reserves a new block (one durable write) when the last is used up. */
  next(): bigint {
    if (this.nextSerial >= this.reservedTo) this.reserve();
    return BigInt(this.nextSerial++);
  }

  private reserve(): void {
    this.sql.guard("reserve time-stamp serial numbers", () =>
      this.sql.db.transaction(() => {
        const row = this.sql.statement("SELECT value FROM meta WHERE key = ?").get(SERIAL_RESERVED_KEY) as
          { value: string } | undefined;
        const from = Math.max(row === undefined ? 1 : Number(row.value), this.now() * 1000);
        const to = from + SERIAL_BLOCK;
        if (!Number.isSafeInteger(to)) throw new RangeError(`time-stamp serial ${to} is beyond 2^53`);
        this.sql
          .statement(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          )
          .run(SERIAL_RESERVED_KEY, String(to));
        this.nextSerial = from;
        this.reservedTo = to;
      })(),
    );
  }

  /** Keeps issued tokens, in one transaction (one durable write). */
  saveMany(tokens: readonly IssuedTimeStamp[]): void {
    this.sql.guard("keep the time-stamps", () => {
      const insert = this.sql.statement(
        "INSERT INTO time_stamps (serial, sha256, gen_time_ms, reply) VALUES (?, ?, ?, ?)",
      );
      this.sql.db.transaction(() => {
        for (const token of tokens) {
          insert.run(Number(token.serial), token.sha256, token.genTime.getTime(), Buffer.from(token.reply));
        }
      })();
    });
  }

  /** The tokens issued for `sha256`, oldest first. */
  timeStampsOf(sha256: Sha256Hex): IssuedTimeStamp[] {
    const rows = this.sql.guard(
      "read the time-stamps",
      () =>
        this.sql
          .statement("SELECT * FROM time_stamps WHERE sha256 = ? ORDER BY gen_time_ms, serial")
          .all(sha256) as TimeStampRow[],
    );
    return rows.map((row) => ({
      serial: BigInt(row.serial),
      sha256: row.sha256 as Sha256Hex,
      genTime: new Date(row.gen_time_ms),
      reply: new Uint8Array(row.reply),
    }));
  }

  count(): number {
    return this.sql.guard(
      "count the time-stamps",
      () => (this.sql.statement("SELECT count(*) AS n FROM time_stamps").get() as { n: number }).n,
    );
  }
}

interface WitnessRow {
  block_number: number;
  block_hash: string;
  sha256: string;
  authority: string;
  gen_time_ms: number;
  serial: string;
  reply: Buffer;
  witnessed_at_ms: number;
}

const toWitness = (row: WitnessRow): ChainWitnessRecord => ({
  blockNumber: BigInt(row.block_number),
  blockHash: row.block_hash,
  sha256: row.sha256 as Sha256Hex,
  authority: row.authority,
  genTime: new Date(row.gen_time_ms),
  serial: BigInt(row.serial),
  reply: new Uint8Array(row.reply),
  witnessedAt: new Date(row.witnessed_at_ms),
});

/** Blocks whose covering witness is kept in memory at most. */
const MAX_KEPT_COVERINGS = 1_024;

/**
 * Outside TSA tokens over the chain's final blocks. A witness of a block that a rollback removed
 * is kept, marked superseded: it no longer covers anything on the chain.
 */
export class ChainWitnessStore {
  /**
   * The first witness covering each block asked for, as last committed (null: none). Every verdict
   * of an anchoring asks for its block's; a batch's documents share one. Emptied whenever a witness
   * is saved or superseded, the only changes that move an answer.
   */
  private readonly coverings = new Map<number, ChainWitnessRecord | null>();

  constructor(private readonly sql: SqliteConnection) {}

  async latestWitness(): Promise<ChainWitnessRecord | undefined> {
    const row = this.sql.guard(
      "read the witnesses",
      () =>
        this.sql
          .statement("SELECT * FROM chain_witnesses WHERE superseded_at_ms IS NULL ORDER BY block_number DESC, id DESC")
          .get() as WitnessRow | undefined,
    );
    return row === undefined ? undefined : toWitness(row);
  }

  async saveWitness(record: ChainWitnessRecord): Promise<void> {
    this.coverings.clear();
    this.sql.guard("keep the witness", () => {
      this.sql
        .statement(
          `INSERT INTO chain_witnesses
             (block_number, block_hash, sha256, authority, gen_time_ms, serial, reply, witnessed_at_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          Number(record.blockNumber),
          record.blockHash,
          record.sha256,
          record.authority,
          record.genTime.getTime(),
          record.serial.toString(),
          Buffer.from(record.reply),
          record.witnessedAt.getTime(),
        );
    });
  }

  /**
   * The first witness (lowest block, then earliest token) at `blockNumber` or after it, still on the
   * chain. The record may be shared with other callers: it is not to be changed.
   */
  firstCovering(blockNumber: number): ChainWitnessRecord | undefined {
    const known = this.coverings.get(blockNumber);
    if (known !== undefined) return known ?? undefined;
    const row = this.sql.guard(
      "read the witnesses",
      () =>
        this.sql
          .statement(
            `SELECT * FROM chain_witnesses WHERE block_number >= ? AND superseded_at_ms IS NULL
             ORDER BY block_number, gen_time_ms, id LIMIT 1`,
          )
          .get(blockNumber) as WitnessRow | undefined,
    );
    const record = row === undefined ? undefined : toWitness(row);
    // A value read inside a transaction, which may still roll back, is not kept. A chain that keeps
    // growing keeps asking for new blocks: the map starts over rather than grow.
    if (!this.sql.db.inTransaction) {
      if (this.coverings.size >= MAX_KEPT_COVERINGS) this.coverings.clear();
      this.coverings.set(blockNumber, record ?? null);
    }
    return record;
  }

  /** After the chain was rolled back to `block`: the witnesses of the blocks above it cover nothing any more. */
  supersedeAbove(block: number, nowMs: number): number {
    this.coverings.clear();
    return this.sql.guard(
      "supersede the witnesses",
      () =>
        this.sql
          .statement(
            "UPDATE chain_witnesses SET superseded_at_ms = ? WHERE block_number > ? AND superseded_at_ms IS NULL",
          )
          .run(nowMs, block).changes,
    );
  }
}
