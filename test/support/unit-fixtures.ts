/**
 * Small pieces the use-case tests share: a real store in a throwaway folder, digests, a logger whose
 * lines the test reads, and a way to let pending callbacks run.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger, type Logger } from "../../server/logger";
import type { Sha256Hex } from "../../server/proof/digest";
import { DocumentStore } from "../../server/store/document-store";

/** A random SHA-256 digest in the API's form, standing in for a document. */
export function randomSha(): Sha256Hex {
  return randomBytes(32).toString("hex") as Sha256Hex;
}

export function randomShas(count: number): Sha256Hex[] {
  return Array.from({ length: count }, randomSha);
}

/** A fresh folder under the system's temporary directory; `remove()` deletes it and everything in it. */
export function tempDir(prefix = "docproof-unit-"): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A real SQLite store in its own temporary folder; `dispose()` closes it and deletes the folder. */
export function tempStore(): { store: DocumentStore; dir: string; dispose(): void } {
  const { dir, remove } = tempDir();
  const store = DocumentStore.open(dir);
  return {
    store,
    dir,
    dispose() {
      try {
        store.close();
      } catch {
        // Already closed by the test.
      }
      remove();
    },
  };
}

export interface LogEntry {
  level: string;
  message: string;
  [field: string]: unknown;
}

/** The service's logger, writing to a list the test reads. */
export function capturedLogger(): { log: Logger; entries(): LogEntry[] } {
  const lines: string[] = [];
  return {
    log: createLogger({ destination: (line) => lines.push(line), level: "debug" }),
    entries: () => lines.map((line) => JSON.parse(line) as LogEntry),
  };
}

/** Lets every callback already due (promise reactions, immediates) run before the test goes on. */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** The rejection of `promise`, or a failure if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: Error & { code?: string }) => error,
  );
}
