import { readFile } from "node:fs/promises";
import { EMPTY_CONTENT_REFUSAL } from "../api/empty-content";
import { readReceiptFromCertificate } from "../certificate/receipt-attachment";
import { verdictView, type Verdict as VerdictView } from "../api/wire";
import { isDocproofError } from "../errors";
import { toBytes32, type Sha256Hex } from "../proof/digest";
import { nodeBlockHashLookup } from "../chain/history-accumulator";
import { nodeAnchor, verifyReceiptOffline, type EvidenceCheck } from "../proof/offline-verification";
import type { ReceiptV1 } from "../proof/receipt";
import { parseAnyReceipt, receiptV1Of, type ReceiptV2 } from "../proof/receipt-v2";
import { verifyClaim, verifyReceipt, type Verdict } from "../proof/verification";
import type { RegistryClient } from "../chain/registry-client";
import { connectRegistry } from "./chain-connection";
import { printJson, resolvePath, type CliContext } from "./cli-context";
import { CliError, EXIT_NOT_VALID, EXIT_OK } from "./cli-error";
import { printChecks } from "./evidence-checks";
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
): Promise<{ verdict: VerdictView; checks?: EvidenceCheck[] }> {
  let receipt: ReceiptV1 | undefined;
  let receiptV2: ReceiptV2 | undefined;
  if (receiptText !== undefined) {
    try {
      const parsed = parseAnyReceipt(receiptText);
      receiptV2 = parsed.version === 2 ? parsed : undefined;
      receipt = parsed.version === 2 ? receiptV1Of(parsed) : parsed;
    } catch (error) {
      if (isDocproofError(error, "receipt-malformed")) return { verdict: invalidReceipt(sha256, error.message) };
      throw error;
    }
  }
  const connection = await connectRegistry(options.rpc!, options.registry, receipt?.registry ?? fallbackRegistry);
  const { registry } = connection;
  try {
    let verdict = await verdictOnChain(sha256, receipt, registry);
    let checks: EvidenceCheck[] | undefined;
    // A version 2 receipt's evidence must hold too, the node at --rpc vouching for the block hash.
    if (receiptV2 !== undefined && verdict.status !== "invalid-receipt" && verdict.status !== "unknown") {
      const anchor = nodeAnchor(`at ${options.rpc}`, nodeBlockHashLookup(connection.provider));
      ({ checks } = await verifyReceiptOffline(sha256, receiptV2, anchor));
      const failed = checks.filter((check) => !check.passed);
      if (failed.length > 0) {
        verdict = invalidReceipt(
          sha256,
          `The receipt's evidence does not hold: ${failed.map((check) => `${check.name}: ${check.message}`).join(" ")}`,
        );
      }
    }
    // The registry's own directory names the organisation behind the registrar.
    const organisation = verdict.registrar === undefined ? undefined : await registry.organisationOf(verdict.registrar);
    return { verdict: verdictView(verdict, () => organisation), checks };
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

/**
 * The receipt a certificate of notarization carries, as receipt text. A later version's receipt is
 * checked as the version 1 receipt it contains (the chain check needs no more); one that does not
 * parse is passed on as it is, to be judged an invalid receipt like any other.
 */
async function receiptFromCertificate(context: CliContext, certificate: string): Promise<string> {
  let pdf: Uint8Array;
  try {
    pdf = await readFile(resolvePath(context, certificate));
  } catch (error) {
    throw new CliError(
      "usage",
      `Cannot read the certificate ${certificate}: ${(error as NodeJS.ErrnoException).code}.`,
    );
  }
  let attached: unknown;
  try {
    attached = await readReceiptFromCertificate(pdf);
  } catch (error) {
    throw new CliError("usage", `${certificate}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const receipt = parseAnyReceipt(attached);
    return JSON.stringify(receipt.version === 2 ? receiptV1Of(receipt) : receipt);
  } catch {
    return JSON.stringify(attached);
  }
}

/** Verifies `file` as `options` say, prints the verdict and sets the exit status. */
export async function runVerify(context: CliContext, file: string, options: VerifyOptions): Promise<void> {
  if (options.offline) {
    if (options.api !== undefined || options.rpc !== undefined) {
      throw new CliError("usage", "--offline asks no node and no service: leave out --rpc and --api.");
    }
    if (options.certificate !== undefined) {
      throw new CliError("usage", "--offline checks a version 2 receipt's evidence: give it with --receipt <file>.");
    }
    if ((options.checkpoint === undefined) === (options.trust === undefined)) {
      throw new CliError(
        "usage",
        "--offline needs what vouches for the block: --checkpoint <file> or --trust <file> (one of them).",
      );
    }
    const { runOfflineVerify } = await import("./offline-verify-run");
    return runOfflineVerify(context, file, options);
  }
  if (options.checkpoint !== undefined || options.trust !== undefined) {
    throw new CliError("usage", "--checkpoint and --trust go with --offline.");
  }
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
  if (options.certificate !== undefined && options.receipt !== undefined) {
    throw new CliError("usage", "Give --receipt <file> or --certificate <pdf>, not both.");
  }
  const token = tokenBytes === undefined ? undefined : await checkToken(tokenBytes, sha256, trustAnchors);
  const receipt =
    options.certificate === undefined
      ? await readReceiptFor(context, file, sha256, options.receipt)
      : {
          path: `attached to ${options.certificate}`,
          text: await receiptFromCertificate(context, options.certificate),
        };
  const { verdict, checks } =
    options.rpc !== undefined
      ? await verifyOnChain(sha256, receipt?.text, options, token?.verification.info.anchoring?.registry)
      : { verdict: await verifyWithService(sha256, receipt?.text, options.api!), checks: undefined };
  if (options.json) {
    printJson(context, {
      file,
      receiptFile: options.certificate === undefined ? (receipt?.path ?? null) : null,
      ...(options.certificate === undefined ? {} : { certificateFile: options.certificate }),
      ...verdict,
      ...(checks === undefined ? {} : { checks }),
      ...(token === undefined ? {} : { tokenFile: options.tsr, timeStamp: tokenJson(token) }),
    });
  } else {
    if (token !== undefined) {
      const headline = `${token.valid ? "TIME-STAMP VALID" : "TIME-STAMP INVALID"}: ${file} (token ${options.tsr})`;
      context.stdout.write(tokenText(headline, token));
    }
    if (checks !== undefined) printChecks(context, checks);
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
