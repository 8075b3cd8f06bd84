import type Database from "better-sqlite3";
import { DocproofError } from "../errors";

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

/**
 * One SQLite connection as the stores share it: statements prepared once, and failures of the disk
 * turned into `store-unavailable` in one place.
 */
export class SqliteConnection {
  /** Prepared once, reused: preparing costs more than running most of these queries. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `action`, turning a failure of the disk into `store-unavailable` naming `what` failed. */
  guard<T>(what: string, action: () => T): T {
    try {
      return action();
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
      const reason = (error as { code: string }).code;
      throw new DocproofError("store-unavailable", `The store could not ${what} (${reason}).`, { cause: error });
    }
  }
}
