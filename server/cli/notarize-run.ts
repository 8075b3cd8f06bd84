import { EMPTY_CONTENT_REFUSAL } from "../api/empty-content";
import type { Sha256Hex } from "../proof/digest";
import { buildReceiptV2 } from "../chain/evidence-builder";
import { checkReceiptConsistency, parseReceipt, type ReceiptV1 } from "../proof/receipt";
import type { ReceiptV2 } from "../proof/receipt-v2";
import { connectRegistry } from "./chain-connection";
import { anchorDigests } from "./chain-anchoring";
import { printJson, resolvePath, type CliContext } from "./cli-context";
import { CliError, EXIT_NOT_VALID } from "./cli-error";
import { digestFiles, type FileDigest } from "./file-digest";
import type { NotarizeOptions } from "./notarize";
import { assertReceiptsWritable, writeReceiptFile } from "./receipt-file";
import type { DocumentView } from "../api/wire";
import { ServiceClient } from "./service-client";

interface Outcome {
  status: DocumentView["status"];
  receipt?: ReceiptV1 | ReceiptV2;
}

const POLL_MS = 500;
/** The most digests the service takes in one request (POST /api/v1/documents with a list). */
const DIGESTS_PER_REQUEST = 10_000;

/** The service's receipt, checked before it is written: it must be this document's and consistent. */
function receiptFromService(sha256: Sha256Hex, view: DocumentView): ReceiptV1 {
  const receipt = parseReceipt(view.receipt);
  if (receipt.sha256 !== sha256) {
    throw new CliError("service-error", `The service answered a receipt for ${receipt.sha256}, not ${sha256}.`);
  }
  checkReceiptConsistency(receipt);
  return receipt;
}

/** Submits each document to the service and, unless told not to, waits until each is anchored. */
async function throughService(
  digests: readonly FileDigest[],
  options: NotarizeOptions,
  apiKey: string | undefined,
): Promise<Map<Sha256Hex, Outcome>> {
  const client = new ServiceClient(options.api!, apiKey);
  const views = new Map<Sha256Hex, DocumentView>();
  const expect = (sha256: Sha256Hex, view: DocumentView) => {
    if (view.sha256 !== sha256) {
      throw new CliError(
        "service-error",
        `The service hashed the upload to ${view.sha256}; this machine to ${sha256}.`,
      );
    }
    views.set(sha256, view);
  };
  if (options.upload) {
    for (const { sha256, path } of digests) if (!views.has(sha256)) expect(sha256, await client.upload(path));
  } else {
    // Only the digests travel, as many as a request takes at once.
    const distinct = [...new Set(digests.map((d) => d.sha256))];
    for (let start = 0; start < distinct.length; start += DIGESTS_PER_REQUEST) {
      const chunk = distinct.slice(start, start + DIGESTS_PER_REQUEST);
      const { documents } = await client.submitDigests(chunk);
      if (documents.length !== chunk.length) throw new CliError("service-error", "The service answered another list.");
      chunk.forEach((sha256, i) => expect(sha256, documents[i]));
    }
  }
  const deadline = Date.now() + options.timeout * 1000;
  for (;;) {
    const pending = [...views.keys()].filter((sha256) => views.get(sha256)!.status === "pending");
    if (pending.length === 0 || !options.wait || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    for (const sha256 of pending) views.set(sha256, await client.document(sha256));
  }
  const outcomes = new Map<Sha256Hex, Outcome>();
  for (const [sha256, view] of views) {
    if (view.status === "pending") {
      outcomes.set(sha256, { status: view.status });
      continue;
    }
    const receipt = receiptFromService(sha256, view);
    outcomes.set(sha256, {
      status: view.status,
      receipt: options.receiptVersion === 2 ? await receiptV2FromService(client, receipt) : receipt,
    });
  }
  return outcomes;
}

/** The service's version 2 receipt of `receipt`: the same anchoring, with its evidence. */
async function receiptV2FromService(client: ServiceClient, receipt: ReceiptV1): Promise<ReceiptV2> {
  const receiptV2 = await client.receiptV2(receipt.sha256);
  if (receiptV2.txHash !== receipt.txHash || receiptV2.merkleRoot !== receipt.merkleRoot) {
    throw new CliError(
      "service-error",
      `The service's version 2 receipt of ${receipt.sha256} is of another anchoring.`,
    );
  }
  checkReceiptConsistency(receiptV2);
  return receiptV2;
}

/** Anchors the documents directly with a registrar key: one Merkle batch for several files. */
async function onChain(
  digests: readonly FileDigest[],
  options: NotarizeOptions,
  key: string | undefined,
): Promise<Map<Sha256Hex, Outcome>> {
  const connection = await connectRegistry(options.rpc!, options.registry);
  try {
    const receipts = await anchorDigests(
      connection.registry,
      connection.writer(key, options.confirmations),
      digests.map((digest) => digest.sha256),
    );
    const outcomes = new Map<Sha256Hex, Outcome>();
    // Every member of a batch shares its block, transaction and receipt: read them once per batch.
    const evidence = new Map<string, ReceiptV2["evidence"]>();
    for (const [sha256, receipt] of receipts) {
      if (options.receiptVersion !== 2) {
        outcomes.set(sha256, { status: "anchored", receipt });
        continue;
      }
      let shared = evidence.get(receipt.txHash);
      if (shared === undefined) {
        shared = (await buildReceiptV2(connection.provider, receipt)).evidence;
        evidence.set(receipt.txHash, shared);
      }
      outcomes.set(sha256, { status: "anchored", receipt: { ...receipt, version: 2, evidence: shared } });
    }
    return outcomes;
  } finally {
    connection.close();
  }
}

/** Notarizes `files` as `options` say, writes their receipts, prints the outcome and sets the exit status. */
export async function runNotarize(context: CliContext, files: string[], options: NotarizeOptions): Promise<void> {
  if (options.api !== undefined && options.rpc !== undefined) {
    throw new CliError("usage", "Give --api <url> or --rpc <url>, not both.");
  }
  if (options.api === undefined && options.rpc === undefined) {
    throw new CliError("usage", "notarize needs either --api <url> (the service) or --rpc <url> (the chain).");
  }
  // The same file named twice would have its receipt written twice.
  files = [...new Map(files.map((file) => [resolvePath(context, file), file])).values()];
  await assertReceiptsWritable(context, files, options.force === true);
  const digests = await digestFiles(context, files);
  // Refused before anything is sent, as the service and the page refuse it (api/empty-content.ts).
  const empty = digests.find((digest) => digest.bytes === 0);
  if (empty !== undefined) throw new CliError("usage", `${empty.file}: ${EMPTY_CONTENT_REFUSAL}`);
  const outcomes =
    options.api !== undefined
      ? await throughService(digests, options, options.apiKey ?? context.env.DOCPROOF_API_KEY)
      : await onChain(digests, options, options.key ?? context.env.DOCPROOF_PRIVATE_KEY);

  const results = [];
  for (const { file, sha256 } of digests) {
    const { status, receipt } = outcomes.get(sha256)!;
    const receiptFile =
      receipt === undefined ? undefined : await writeReceiptFile(context, file, receipt, options.force === true);
    results.push({ file, sha256, status, receiptFile, receipt });
  }
  if (options.json) {
    printJson(context, results);
  } else {
    for (const { file, status, receiptFile, receipt } of results) {
      context.stdout.write(
        receipt === undefined
          ? `${file}: ${status}, not anchored yet\n`
          : status === "revoked"
            ? `${file}: anchored in block ${receipt.blockNumber} (tx ${receipt.txHash}) and since REVOKED, receipt ${receiptFile}\n`
            : `${file}: ${status} in block ${receipt.blockNumber} (tx ${receipt.txHash}), receipt ${receiptFile}\n`,
      );
    }
  }
  // A document notarized earlier and revoked since is not vouched for: not a success.
  const revoked = results.filter((result) => result.status === "revoked").length;
  if (revoked > 0) {
    context.stderr.write(`${revoked} document(s) were notarized before and have been revoked since.\n`);
    context.exitCode = EXIT_NOT_VALID;
  }
  const pending = results.filter((result) => result.status === "pending").length;
  if (pending > 0) {
    context.stderr.write(
      options.wait
        ? `${pending} document(s) not anchored within ${options.timeout} s; run the same command again to fetch the receipts.\n`
        : `${pending} document(s) queued; run the same command again to fetch the receipts once anchored.\n`,
    );
    if (options.wait) context.exitCode = EXIT_NOT_VALID;
  }
}
