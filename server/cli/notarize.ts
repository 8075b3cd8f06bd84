import type { Command } from "commander";
import type { CliContext } from "./cli-context";
import { InvalidArgumentError } from "commander";
import { positiveInteger, positiveNumber } from "./option-parsers";

function receiptVersion(value: string): 1 | 2 {
  if (value !== "1" && value !== "2") throw new InvalidArgumentError("must be 1 or 2.");
  return Number(value) as 1 | 2;
}

export interface NotarizeOptions {
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
  receiptVersion: 1 | 2;
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
    .option(
      "--receipt-version <1|2>",
      "2: receipts with the evidence to check them offline (docproof verify --offline); about 100 times larger",
      receiptVersion,
      1,
    )
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
    // The chain and HTTP clients load only when a notarization runs: --help stays instant.
    .action(async (files: string[], options: NotarizeOptions) => {
      const { runNotarize } = await import("./notarize-run");
      await runNotarize(context, files, options);
    });
}
