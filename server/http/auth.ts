import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import type { Request, RequestHandler } from "express";
import { DocproofError } from "../errors";
import type { Logger } from "../logger";

/** Shortest plaintext key accepted, in `API_KEYS` or in the keys file. */
export const MIN_API_KEY_LENGTH = 16;

const HASHED_LINE = /^sha256:([0-9a-f]{64})$/;

/** SHA-256 of a key: how keys are compared, rate-limited and written to a keys file, never the key. */
export const fingerprint = (key: string): Buffer => createHash("sha256").update(key, "utf8").digest();

/**
 * Parses a keys file: one key per line, either the key itself (at least 16 characters) or
 * `sha256:<64 lowercase hex>` of it, so the file need not hold the keys. Blank lines and lines
 * starting with `#` are ignored. Throws naming the first bad line (by number, never its content).
 */
export function parseApiKeysFile(text: string, file: string): Buffer[] {
  const keys: Buffer[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const hashed = HASHED_LINE.exec(line);
    if (hashed !== null) keys.push(Buffer.from(hashed[1], "hex"));
    else if (line.length >= MIN_API_KEY_LENGTH && !/\s/.test(line)) keys.push(fingerprint(line));
    else {
      throw new Error(
        `${file} line ${index + 1}: expected a key of at least ${MIN_API_KEY_LENGTH} characters without spaces, ` +
          "or sha256:<64 lowercase hex>.",
      );
    }
  });
  return keys;
}

/** Reads and parses a keys file; throws naming the file (never a key) when it cannot be read or parsed. */
export function readApiKeysFile(file: string): Buffer[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`API_KEYS_FILE ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}).`);
  }
  return parseApiKeysFile(text, file);
}

export interface ApiKeysOptions {
  /** Keys fixed for the life of the process (`API_KEYS`). */
  keys?: readonly string[];
  /** A keys file (`API_KEYS_FILE`), re-read when it changes, so that removing a line revokes a key. */
  file?: string;
  /** How often, at most, the file's metadata is checked for a change. */
  recheckMs?: number;
  log?: Logger;
}

/**
 * The API keys that may notarize and revoke. Keys are held and compared as SHA-256 fingerprints.
 * The file is checked (size, modification time, inode) at most every `recheckMs` when a key is
 * presented, and re-read when any of them changed. A file that disappears or no longer parses
 * leaves no file key valid (fail closed) until it is fixed; `API_KEYS` keys stay valid.
 */
export class ApiKeys {
  private readonly fixed: Buffer[];
  private fileKeys: Buffer[] = [];
  private fileStamp = "";
  private checkedAt = -Infinity;
  private readonly recheckMs: number;

  constructor(private readonly options: ApiKeysOptions = {}) {
    this.fixed = (options.keys ?? []).map(fingerprint);
    this.recheckMs = options.recheckMs ?? 1_000;
    if (options.file !== undefined) {
      // At start-up a missing or bad file is a configuration error, not a silent lock-out.
      this.fileStamp = this.stamp(options.file) ?? "";
      this.fileKeys = readApiKeysFile(options.file);
      this.checkedAt = Date.now();
    }
  }

  /** True when keys are required at all: `API_KEYS` or a keys file is configured (even an empty one). */
  get enforced(): boolean {
    return this.fixed.length > 0 || this.options.file !== undefined;
  }

  /** The fingerprint of `presented` if it is a valid key now, else undefined. */
  match(presented: string): Buffer | undefined {
    this.refresh();
    const candidate = fingerprint(presented);
    let found = false;
    // Compare with every key, so the time taken does not say which one matched.
    for (const key of [...this.fixed, ...this.fileKeys]) if (timingSafeEqual(key, candidate)) found = true;
    return found ? candidate : undefined;
  }

  private stamp(file: string): string | undefined {
    try {
      const stat = statSync(file);
      return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      return undefined;
    }
  }

  private refresh(): void {
    const file = this.options.file;
    if (file === undefined || Date.now() - this.checkedAt < this.recheckMs) return;
    this.checkedAt = Date.now();
    const stamp = this.stamp(file);
    if (stamp === this.fileStamp) return;
    this.fileStamp = stamp ?? "";
    try {
      this.fileKeys = readApiKeysFile(file);
      this.options.log?.info({ file, keys: this.fileKeys.length }, "API keys file reloaded");
    } catch (error) {
      this.fileKeys = [];
      this.options.log?.error(
        {
          file,
          error: (error as Error).message,
        },
        "API keys file is unusable: no key from it is accepted until it is fixed",
      );
    }
  }
}

const BEARER = /^Bearer ([^\s]+)$/;

/** The fingerprint of the request's valid API key, if it presents one. */
export function presentedKey(keys: ApiKeys, req: Request): Buffer | undefined {
  const match = BEARER.exec(req.get("authorization") ?? "");
  return match === null ? undefined : keys.match(match[1]);
}

/**
 * Requires `Authorization: Bearer <key>` with a valid key; with no keys configured, lets every
 * request through (the service then listens on loopback only; see server/config.ts). The key is
 * never echoed, in the answer or in a log line.
 */
export function requireApiKey(keys: ApiKeys): RequestHandler {
  return (req, _res, next) => {
    if (!keys.enforced) return next();
    if (!BEARER.test(req.get("authorization") ?? "")) {
      return next(new DocproofError("unauthorized", "Send an API key as 'Authorization: Bearer <key>'."));
    }
    if (presentedKey(keys, req) === undefined) {
      return next(new DocproofError("unauthorized", "The API key is not valid, or was revoked."));
    }
    next();
  };
}
