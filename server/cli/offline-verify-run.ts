import { readFile } from "node:fs/promises";
import { EMPTY_CONTENT_REFUSAL } from "../api/empty-content";
import type { Verdict as VerdictView } from "../api/wire";
import { isDocproofError } from "../errors";
import { CheckpointSchema, type Checkpoint } from "../proof/history-accumulator";
import {
  checkpointAnchor,
  verifyReceiptOffline,
  witnessAnchor,
  type OfflineVerification,
  type TrustAnchor,
} from "../proof/offline-verification";
import { parseAnyReceipt } from "../proof/receipt-v2";
import { isTrustAnchorError } from "../proof/trust-errors";
import { parseTrustFile, trustedWitness, type TrustFile } from "../proof/trust-file";
import { printJson, resolvePath, type CliContext } from "./cli-context";
import { CliError, EXIT_NOT_VALID, EXIT_OK } from "./cli-error";
import { printChecks } from "./evidence-checks";
import { digestFile } from "./file-digest";
import { readReceiptFor } from "./receipt-file";
import { verdictText } from "./verdict-text";
import type { VerifyOptions } from "./verify";

async function readText(context: CliContext, file: string, what: string): Promise<string> {
  try {
    return await readFile(resolvePath(context, file), "utf8");
  } catch (error) {
    throw new CliError("usage", `Cannot read the ${what} ${file}: ${(error as NodeJS.ErrnoException).code}.`, {
      cause: error,
    });
  }
}

export async function readCheckpointFile(context: CliContext, file: string): Promise<Checkpoint> {
  const text = await readText(context, file, "checkpoint");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError("usage", `The checkpoint ${file} is not JSON.`);
  }
  const parsed = CheckpointSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new CliError(
      "usage",
      `The checkpoint ${file} is not a Docproof checkpoint: ${first.path.join(".") || "checkpoint"}: ${first.message}.`,
    );
  }
  return parsed.data;
}

async function readTrust(context: CliContext, file: string): Promise<TrustFile> {
  const text = await readText(context, file, "trust file");
  try {
    return parseTrustFile(text);
  } catch (error) {
    if (isTrustAnchorError(error)) throw new CliError("usage", `${file}: ${error.message}`);
    throw error;
  }
}

/** The offline verdict in the shape every verdict is printed in (server/api/wire.ts). */
function verdictViewOf(result: OfflineVerification, trust: TrustFile | undefined): VerdictView {
  const { verdict } = result;
  const member = trust === undefined ? undefined : trustedWitness(trust, verdict.registrar);
  return {
    valid: verdict.valid,
    status: verdict.status,
    sha256: verdict.sha256,
    anchoredAt: verdict.anchoredAt,
    blockNumber: verdict.blockNumber,
    txHash: verdict.txHash,
    registrar: verdict.registrar,
    anchoredBy: { address: verdict.registrar, ...(member?.name === undefined ? {} : { name: member.name }) },
    merkleRoot: verdict.merkleRoot,
    chainId: verdict.chainId,
    registry: verdict.registry,
    reason: verdict.valid ? verdict.summary : (verdict.reason ?? verdict.summary),
  };
}

/**
 * `docproof verify <file> --offline --checkpoint <f> | --trust <f>`: the receipt's evidence checked
 * with no node at all, every check printed; revocation, which lives in the registry's present
 * state, is not checked, and the verdict says so.
 */
export async function runOfflineVerify(context: CliContext, file: string, options: VerifyOptions): Promise<void> {
  const checkpoint =
    options.checkpoint === undefined ? undefined : await readCheckpointFile(context, options.checkpoint);
  const trust = options.trust === undefined ? undefined : await readTrust(context, options.trust);
  const anchor: TrustAnchor = checkpoint !== undefined ? checkpointAnchor(checkpoint) : witnessAnchor(trust!);
  const { sha256, bytes } = await digestFile(context, file);
  if (bytes === 0) throw new CliError("usage", `${file}: ${EMPTY_CONTENT_REFUSAL}`);
  const receiptFile = await readReceiptFor(context, file, sha256, options.receipt);
  if (receiptFile === undefined) {
    throw new CliError(
      "usage",
      `No receipt found for ${file}: offline verification needs its version 2 receipt (--receipt <file>).`,
    );
  }
  let receipt;
  try {
    receipt = parseAnyReceipt(receiptFile.text);
  } catch (error) {
    if (!isDocproofError(error, "receipt-malformed")) throw error;
    const verdict: VerdictView = { valid: false, status: "invalid-receipt", sha256, reason: error.message };
    if (options.json) printJson(context, { file, receiptFile: receiptFile.path, ...verdict, checks: [] });
    else context.stdout.write(verdictText(file, verdict, `receipt ${receiptFile.path}, offline`));
    context.exitCode = EXIT_NOT_VALID;
    return;
  }
  if (receipt.version !== 2) {
    throw new CliError(
      "usage",
      `${receiptFile.path} is a version 1 receipt: it carries no evidence to check offline. Verify it with ` +
        "--rpc <url>, or get its version 2 (GET /api/v1/documents/<sha256>/receipt?version=2, or notarize " +
        "--receipt-version 2).",
    );
  }
  const result = await verifyReceiptOffline(sha256, receipt, anchor);
  const view = verdictViewOf(result, trust);
  if (options.json) {
    printJson(context, {
      file,
      receiptFile: receiptFile.path,
      ...view,
      summary: result.verdict.summary,
      blockHash: result.verdict.blockHash,
      trustAnchor: result.verdict.trustAnchor,
      revocation: result.verdict.revocation,
      checks: result.checks,
    });
  } else {
    printChecks(context, result.checks);
    const anchorFile =
      options.checkpoint !== undefined ? `checkpoint ${options.checkpoint}` : `trust file ${options.trust}`;
    const lines = verdictText(file, view, `${anchorFile}, receipt ${receiptFile.path}, no node (offline)`).split("\n");
    if (view.valid) lines.splice(1, 0, `  ${result.verdict.summary}`);
    context.stdout.write(lines.join("\n"));
  }
  context.exitCode = result.verdict.valid ? EXIT_OK : EXIT_NOT_VALID;
}
