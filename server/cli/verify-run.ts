import { readFile } from "node:fs/promises";
import { EMPTY_CONTENT_REFUSAL } from "../api/empty-content";
import { verdictView, type Verdict as VerdictView } from "../api/wire";
import { isDocproofError } from "../errors";
import { toBytes32, type Sha256Hex } from "../proof/digest";
import { parseReceipt, type ReceiptV1 } from "../proof/receipt";
import { verifyClaim, verifyReceipt, type Verdict } from "../proof/verification";
import type { RegistryClient } from "../chain/registry-client";
import { connectRegistry } from "./chain-connection";
import { printJson, resolvePath, type CliContext } from "./cli-context";
import { CliError, EXIT_NOT_VALID, EXIT_OK } from "./cli-error";
import { digestFile } from "./file-digest";
import type { VerifyOptions } from "./verify";
import { readReceiptFor } from "./receipt-file";
import { ServiceClient, ServiceProblem } from "./service-client";
import { checkToken, readTrustAnchors, tokenJson, tokenText } from "./time-stamp-token";
import { verdictText } from "./verdict-text";

/** Receipt problems that make the verdict "invalid-receipt" rather than an error. */
const RECEIPT_PROBLEMS = new Set(["receipt-malformed", "receipt-tampered", "receipt-wrong-chain"]);

function invalidReceipt(sha256: Sha256Hex, reason: string): Verdict {
  return { valid: false, status: "invalid-receipt", sha256, reason };
}

/**
 * Verifies against the chain alone: the receipt's leaf, Merkle path, root, registry record and
 * revocation; without a receipt, the document as a single anchoring (`documentAnchorOf`).
 */
async function verifyOnChain(
  sha256: Sha256Hex,
  receiptText: string | undefined,
  options: VerifyOptions,
  fallbackRegistry?: string,
) {
  let receipt: ReceiptV1 | undefined;
  if (receiptText !== undefined) {
    try {
      receipt = parseReceipt(receiptText);
    } catch (error) {
      if (isDocproofError(error, "receipt-malformed")) return invalidReceipt(sha256, error.message);
      throw error;
    }
  }
  const connection = await connectRegistry(options.rpc!, options.registry, receipt?.registry ?? fallbackRegistry);
  const { registry } = connection;
  try {
    const verdict = await verdictOnChain(sha256, receipt, registry);
    // The registry's own directory names the organisation behind the registrar.
    const organisation = verdict.registrar === undefined ? undefined : await registry.organisationOf(verdict.registrar);
    return verdictView(verdict, () => organisation);
  } finally {
    connection.close();
  }
}

async function verdictOnChain(
  sha256: Sha256Hex,
  receipt: ReceiptV1 | undefined,
  registry: RegistryClient,
): Promise<Verdict> {
  if (receipt !== undefined) {
    try {
      return await verifyReceipt(sha256, receipt, registry);
    } catch (error) {
      if (isDocproofError(error, "receipt-tampered") || isDocproofError(error, "receipt-wrong-chain")) {
        return invalidReceipt(sha256, error.message);
      }
      throw error;
    }
  }
  const claim = await registry.singleAnchoringOf(toBytes32(sha256));
  if (claim !== undefined) return await verifyClaim(sha256, claim, registry);
  return {
    valid: false,
    status: "unknown",
    sha256,
    chainId: registry.chainId,
    registry: registry.address,
    reason:
      "No single anchoring of this document is on chain: it was never notarized, was modified, or is a batch " +
      "member (pass its receipt).",
  } satisfies Verdict;
}

/** Asks the service's /api/v1/verify, which checks the chain with the receipt or its own records. */
async function verifyWithService(
  sha256: Sha256Hex,
  receiptText: string | undefined,
  api: string,
): Promise<VerdictView> {
  let receipt: unknown;
  if (receiptText !== undefined) {
    try {
      receipt = JSON.parse(receiptText);
    } catch {
      return verdictView(invalidReceipt(sha256, "The receipt is not valid JSON."));
    }
  }
  try {
    return await new ServiceClient(api).verify(sha256, receipt);
  } catch (error) {
    if (error instanceof ServiceProblem && RECEIPT_PROBLEMS.has(error.problem)) {
      return verdictView(invalidReceipt(sha256, error.detail));
    }
    throw error;
  }
}

/** Verifies `file` as `options` say, prints the verdict and sets the exit status. */
export async function runVerify(context: CliContext, file: string, options: VerifyOptions): Promise<void> {
  if (options.api !== undefined && options.rpc !== undefined) {
    throw new CliError("usage", "Give --api <url> or --rpc <url>, not both.");
  }
  if (options.api === undefined && options.rpc === undefined) {
    throw new CliError("usage", "verify needs either --rpc <url> (the chain, no service) or --api <url>.");
  }
  if (options.api !== undefined && options.registry !== undefined) {
    throw new CliError("usage", "--registry goes with --rpc; the service checks its own registry.");
  }
  if (options.tsaCa !== undefined && options.tsr === undefined) {
    throw new CliError("usage", "--tsa-ca goes with --tsr <token file>.");
  }
  const trustAnchors = await readTrustAnchors(context, options.tsaCa);
  const tokenBytes = options.tsr === undefined ? undefined : await readTokenFile(context, options.tsr);
  const { sha256, bytes } = await digestFile(context, file);
  if (bytes === 0) throw new CliError("usage", `${file}: ${EMPTY_CONTENT_REFUSAL}`);
  const token = tokenBytes === undefined ? undefined : await checkToken(tokenBytes, sha256, trustAnchors);
  const receipt = await readReceiptFor(context, file, sha256, options.receipt);
  const verdict =
    options.rpc !== undefined
      ? await verifyOnChain(sha256, receipt?.text, options, token?.verification.info.anchoring?.registry)
      : await verifyWithService(sha256, receipt?.text, options.api!);
  if (options.json) {
    printJson(context, {
      file,
      receiptFile: receipt?.path ?? null,
      ...verdict,
      ...(token === undefined ? {} : { tokenFile: options.tsr, timeStamp: tokenJson(token) }),
    });
  } else {
    if (token !== undefined) {
      const headline = `${token.valid ? "TIME-STAMP VALID" : "TIME-STAMP INVALID"}: ${file} (token ${options.tsr})`;
      context.stdout.write(tokenText(headline, token));
    }
    const checkedWith = options.rpc !== undefined ? `the chain at ${options.rpc}` : `the service at ${options.api}`;
    context.stdout.write(
      verdictText(file, verdict, receipt === undefined ? checkedWith : `${checkedWith}, receipt ${receipt.path}`),
    );
  }
  context.exitCode = verdict.valid && (token?.valid ?? true) ? EXIT_OK : EXIT_NOT_VALID;
}

/** The bytes of a token file; a usage error when it cannot be read. */
async function readTokenFile(context: CliContext, file: string): Promise<Uint8Array> {
  try {
    return await readFile(resolvePath(context, file));
  } catch (error) {
    throw new CliError("usage", `Cannot read the token ${file}: ${(error as NodeJS.ErrnoException).code}.`, {
      cause: error,
    });
  }
}
