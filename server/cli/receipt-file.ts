import { access, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Sha256Hex } from "../proof/digest";
import { serializeReceipt, type ReceiptV1 } from "../proof/receipt";
import type { ReceiptV2 } from "../proof/receipt-v2";
import { resolvePath, type CliContext } from "./cli-context";
import { CliError } from "./cli-error";

/** Where a document's receipt is kept: next to it. */
export function receiptPathFor(file: string): string {
  return `${file}.receipt.json`;
}

async function exists(fullPath: string): Promise<boolean> {
  return access(fullPath).then(
    () => true,
    () => false,
  );
}

/**
 * Refuses, before anything is sent, to replace receipts that exist: a receipt may be the only copy
 * of a batch member's proof.
 */
export async function assertReceiptsWritable(
  context: CliContext,
  files: readonly string[],
  force: boolean,
): Promise<void> {
  if (force) return;
  for (const file of files) {
    const receiptFile = receiptPathFor(file);
    if (await exists(resolvePath(context, receiptFile))) {
      throw new CliError("receipt-exists", `${receiptFile} exists: pass --force to replace it.`);
    }
  }
}

export async function writeReceiptFile(
  context: CliContext,
  file: string,
  receipt: ReceiptV1 | ReceiptV2,
  force: boolean,
): Promise<string> {
  const receiptFile = receiptPathFor(file);
  try {
    // "wx" also catches a receipt that appeared while we waited for the chain.
    await writeFile(resolvePath(context, receiptFile), serializeReceipt(receipt), { flag: force ? "w" : "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new CliError("receipt-exists", `${receiptFile} exists: pass --force to replace it.`);
    }
    throw error;
  }
  return receiptFile;
}

/** Where the service's receipt download lands beside the document: `<sha256>.receipt.json`. */
export function digestReceiptPathFor(file: string, sha256: Sha256Hex): string {
  return path.join(path.dirname(file), `${sha256}.receipt.json`);
}

/**
 * The text of the receipt to verify `file` with: `explicit`, else `<file>.receipt.json` (as
 * `notarize` and the page name it), else `<sha256>.receipt.json` beside the file (as the API's
 * download is named), else undefined. Parsing is the verifier's: a malformed receipt is a verdict,
 * not an error.
 */
export async function readReceiptFor(
  context: CliContext,
  file: string,
  sha256: Sha256Hex,
  explicit: string | undefined,
): Promise<{ path: string; text: string } | undefined> {
  let receiptFile = explicit;
  if (receiptFile === undefined) {
    for (const candidate of [receiptPathFor(file), digestReceiptPathFor(file, sha256)]) {
      if (await exists(resolvePath(context, candidate))) {
        receiptFile = candidate;
        break;
      }
    }
    if (receiptFile === undefined) return undefined;
  }
  const fullPath = resolvePath(context, receiptFile);
  try {
    return { path: receiptFile, text: await readFile(fullPath, "utf8") };
  } catch (error) {
    throw new CliError("usage", `Cannot read the receipt ${receiptFile}: ${(error as NodeJS.ErrnoException).code}.`, {
      cause: error,
    });
  }
}
