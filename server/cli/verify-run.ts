import { readFile } from "node:fs/promises";
import { EMPTY_CONTENT_REFUSAL } from "../api/empty-content";
import { readReceiptFromCertificate } from "../certificate/receipt-attachment";
import { verdictView, type Verdict as VerdictView } from "../api/wire";
import { isDocproofError } from "../errors";
import { toBytes32, type Sha256Hex } from "../proof/digest";
import { parseReceipt, type ReceiptV1 } from "../proof/receipt";
import { parseAnyReceipt, receiptV1Of } from "../proof/receipt-v2";
import { verifyClaim, verifyReceipt, type Verdict } from "../proof/verification";
import type { RegistryClient } from "../chain/registry-client";
import { connectRegistry } from "./chain-connection";
import { printJson, resolvePath, type CliContext } from "./cli-context";
import { CliError, EXIT_NOT_VALID, EXIT_OK } from "./cli-error";
import { digestFile } from "./file-digest";
import type { VerifyOptions } from "./verify";
import { readReceiptFor } from "./receipt-file";
import { ServiceClient, ServiceProblem } from "./service-client";
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
async function verifyOnChain(sha256: Sha256Hex, receiptText: string | undefined, options: VerifyOptions) {
  let receipt: ReceiptV1 | undefined;
  if (receiptText !== undefined) {
    try {
      receipt = parseReceipt(receiptText);
    } catch (error) {
      if (isDocproofError(error, "receipt-malformed")) return invalidReceipt(sha256, error.message);
      throw error;
    }
  }
  const connection = await connectRegistry(options.rpc!, options.registry, receipt?.registry);
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
  if (options.api !== undefined && options.rpc !== undefined) {
    throw new CliError("usage", "Give --api <url> or --rpc <url>, not both.");
  }
  if (options.api === undefined && options.rpc === undefined) {
    throw new CliError("usage", "verify needs either --rpc <url> (the chain, no service) or --api <url>.");
  }
  if (options.api !== undefined && options.registry !== undefined) {
    throw new CliError("usage", "--registry goes with --rpc; the service checks its own registry.");
  }
  const { sha256, bytes } = await digestFile(context, file);
  if (bytes === 0) throw new CliError("usage", `${file}: ${EMPTY_CONTENT_REFUSAL}`);
  if (options.certificate !== undefined && options.receipt !== undefined) {
    throw new CliError("usage", "Give --receipt <file> or --certificate <pdf>, not both.");
  }
  const receipt =
    options.certificate === undefined
      ? await readReceiptFor(context, file, sha256, options.receipt)
      : {
          path: `attached to ${options.certificate}`,
          text: await receiptFromCertificate(context, options.certificate),
        };
  const verdict =
    options.rpc !== undefined
      ? await verifyOnChain(sha256, receipt?.text, options)
      : await verifyWithService(sha256, receipt?.text, options.api!);
  if (options.json) {
    printJson(context, {
      file,
      receiptFile: options.certificate === undefined ? (receipt?.path ?? null) : null,
      ...(options.certificate === undefined ? {} : { certificateFile: options.certificate }),
      ...verdict,
    });
  } else {
    const checkedWith = options.rpc !== undefined ? `the chain at ${options.rpc}` : `the service at ${options.api}`;
    context.stdout.write(
      verdictText(file, verdict, receipt === undefined ? checkedWith : `${checkedWith}, receipt ${receipt.path}`),
    );
  }
  context.exitCode = verdict.valid ? EXIT_OK : EXIT_NOT_VALID;
}
