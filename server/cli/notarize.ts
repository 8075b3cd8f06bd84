import type { Command } from "commander";
import { TxSender } from "../chain/tx-sender";
import type { Sha256Hex } from "../proof/digest";
import { checkReceiptConsistency, parseReceipt, type ReceiptV1 } from "../proof/receipt";
import { connectRegistry, registrarWallet } from "./chain-connection";
import { anchorDigests } from "./chain-anchoring";
import { CliError, EXIT_NOT_VALID, printJson, resolvePath, type CliContext } from "./context";
import { digestFiles, type FileDigest } from "./file-digest";
import { positiveInteger, positiveNumber } from "./option-parsers";
import { assertReceiptsWritable, writeReceiptFile } from "./receipt-file";
import { ServiceClient, type DocumentView } from "./service-client";

interface NotarizeOptions {
  api?: string;
  apiKey?: string;
  upload?: boolean;
  wait: boolean;
  timeout: number;
  rpc?: string;
  key?: string;
  registry?: string;
  confirmations: number;
  force?: boolean;
  json?: boolean;
}

interface Outcome {
  status: DocumentView["status"];
  receipt?: ReceiptV1;
}

const POLL_MS = 500;

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
  for (const { sha256, path } of digests) {
    if (views.has(sha256)) continue;
    const view = options.upload ? await client.upload(path) : await client.submitDigest(sha256);
    if (view.sha256 !== sha256) {
      throw new CliError(
        "service-error",
        `The service hashed the upload to ${view.sha256}; this machine to ${sha256}.`,
      );
    }
    views.set(sha256, view);
  }
  const deadline = Date.now() + options.timeout * 1000;
  for (;;) {
    const pending = [...views.values()].filter((view) => view.status === "pending");
    if (pending.length === 0 || !options.wait || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    for (const view of pending) views.set(view.sha256, await client.document(view.sha256));
  }
  return new Map(
    [...views].map(([sha256, view]) => [
      sha256,
      { status: view.status, receipt: view.status === "pending" ? undefined : receiptFromService(sha256, view) },
    ]),
  );
}

/** Anchors the documents directly with a registrar key: one Merkle batch for several files. */
async function onChain(
  digests: readonly FileDigest[],
  options: NotarizeOptions,
  key: string | undefined,
): Promise<Map<Sha256Hex, Outcome>> {
  const connection = await connectRegistry(options.rpc!, options.registry);
  try {
    const sender = new TxSender(registrarWallet(key, connection), { confirmations: options.confirmations });
    const receipts = await anchorDigests(
      connection.registry,
      sender,
      digests.map((digest) => digest.sha256),
    );
    return new Map([...receipts].map(([sha256, receipt]) => [sha256, { status: "anchored", receipt }]));
  } finally {
    connection.close();
  }
}

/** `docproof notarize <file...>`: through the service (`--api`) or directly on chain (`--rpc`). */
export function registerNotarize(program: Command, context: CliContext): void {
  program
    .command("notarize")
    .description("anchor documents and write <file>.receipt.json next to each, through the service or on chain")
    .argument("<file...>", "documents to notarize")
    .option("--api <url>", "through the Docproof service at this URL")
    .option("--api-key <key>", "the service's API key (default: $DOCPROOF_API_KEY)")
    .option("--upload", "with --api: upload the files; by default only their SHA-256 digests are sent")
    .option("--no-wait", "with --api: return once the service has queued them; run again later for the receipts")
    .option("--timeout <seconds>", "with --api: how long to wait for anchoring", positiveNumber, 120)
    .option("--rpc <url>", "directly on chain, through this JSON-RPC endpoint, with a registrar key")
    .option(
      "--key <hex>",
      "with --rpc: the registrar's private key (prefer $DOCPROOF_PRIVATE_KEY: others can read a command line)",
    )
    .option("--registry <address>", "with --rpc: the registry (default: the deployment recorded for the chain id)")
    .option("--confirmations <blocks>", "with --rpc: blocks to wait for", positiveInteger, 1)
    .option("--force", "replace receipts that already exist")
    .option("--json", "print [{file, sha256, status, receiptFile, receipt}] as JSON")
    .addHelpText(
      "after",
      `
With --api, only each file's SHA-256 is sent unless --upload is given: the document never leaves
this machine, and the receipt is the same, since the service would compute the same digest.
Several files sent with --rpc become one Merkle batch (one transaction); one file is anchored alone.

Examples:
  docproof notarize contract.pdf --api http://127.0.0.1:3000
  DOCPROOF_PRIVATE_KEY=0x… docproof notarize a.pdf b.pdf --rpc http://10.0.0.5:8545`,
    )
    .action(async (files: string[], options: NotarizeOptions) => {
      if ((options.api === undefined) === (options.rpc === undefined)) {
        throw new CliError("usage", "notarize needs either --api <url> (the service) or --rpc <url> (the chain).");
      }
      // The same file named twice would have its receipt written twice.
      files = [...new Map(files.map((file) => [resolvePath(context, file), file])).values()];
      await assertReceiptsWritable(context, files, options.force === true);
      const digests = await digestFiles(context, files);
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
              : `${file}: ${status} in block ${receipt.blockNumber} (tx ${receipt.txHash}), receipt ${receiptFile}\n`,
          );
        }
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
    });
}
