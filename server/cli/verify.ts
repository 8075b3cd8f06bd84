import type { Command } from "commander";
import type { CliContext } from "./cli-context";

export interface VerifyOptions {
  receipt?: string;
  rpc?: string;
  api?: string;
  registry?: string;
  json?: boolean;
  offline?: boolean;
  checkpoint?: string;
  trust?: string;
}

/** `docproof verify <file>`: a verdict, exit 0 when anchored and 1 otherwise. */
export function registerVerify(program: Command, context: CliContext): void {
  program
    .command("verify")
    .description("check a document (and its receipt) against the chain, or ask the service")
    .argument("<file>", "the document")
    .option("--receipt <file>", "its receipt (default: <file>.receipt.json, else <sha256>.receipt.json beside it)")
    .option("--rpc <url>", "verify against the chain at this JSON-RPC endpoint, without the service")
    .option("--api <url>", "ask the Docproof service at this URL")
    .option(
      "--registry <address>",
      "with --rpc: the registry to trust (default: the deployment recorded for the chain, else the receipt's)",
    )
    .option("--offline", "check a version 2 receipt's evidence with no node at all (with --checkpoint or --trust)")
    .option("--checkpoint <file>", "with --offline: a checkpoint you trust (docproof checkpoint --rpc <url>)")
    .option("--trust <file>", "with --offline: a trust file of witnesses (docproof trust export --rpc <url>)")
    .option("--json", "print the verdict as JSON (with --offline, or a version 2 receipt: every check)")
    .addHelpText(
      "after",
      `
Exit status: 0 anchored; 1 revoked, unknown, invalid receipt or modified document; 2 usage or
connection error.

--offline checks a version 2 receipt with no node: the document, the Merkle path, the block header,
the transaction and its receipt with their trie proofs, and the block hash against the checkpoint
(--checkpoint) or the witnesses' cosignatures (--trust). Revocation lives in the registry's present
state and is not checked offline: the verdict says so. With --rpc, a version 2 receipt is checked
against the chain (revocation included) and its evidence too.

Examples:
  docproof verify contract.pdf --rpc http://10.0.0.5:8545
  docproof verify contract.pdf --offline --checkpoint checkpoint.json
  docproof verify contract.pdf --offline --trust consortium.trust.json
  docproof verify contract.pdf --receipt proofs/contract.json --api http://127.0.0.1:3000 --json`,
    )
    // The chain and HTTP clients load only when a verification runs: --help stays instant.
    .action(async (file: string, options: VerifyOptions) => {
      const { runVerify } = await import("./verify-run");
      await runVerify(context, file, options);
    });
}
