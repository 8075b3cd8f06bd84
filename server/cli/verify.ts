import type { Command } from "commander";
import type { CliContext } from "./cli-context";

export interface VerifyOptions {
  receipt?: string;
  certificate?: string;
  rpc?: string;
  api?: string;
  registry?: string;
  json?: boolean;
}

/** `docproof verify <file>`: a verdict, exit 0 when anchored and 1 otherwise. */
export function registerVerify(program: Command, context: CliContext): void {
  program
    .command("verify")
    .description("check a document (and its receipt) against the chain, or ask the service")
    .argument("<file>", "the document")
    .option("--receipt <file>", "its receipt (default: <file>.receipt.json, else <sha256>.receipt.json beside it)")
    .option("--certificate <pdf>", "take the receipt attached to this certificate of notarization (PDF)")
    .option("--rpc <url>", "verify against the chain at this JSON-RPC endpoint, without the service")
    .option("--api <url>", "ask the Docproof service at this URL")
    .option(
      "--registry <address>",
      "with --rpc: the registry to trust (default: the deployment recorded for the chain, else the receipt's)",
    )
    .option("--json", "print the verdict as JSON")
    .addHelpText(
      "after",
      `
Exit status: 0 anchored; 1 revoked, unknown, invalid receipt or modified document; 2 usage or
connection error.

Examples:
  docproof verify contract.pdf --rpc http://10.0.0.5:8545
  docproof verify contract.pdf --certificate contract.pdf.certificate.pdf --rpc http://10.0.0.5:8545
  docproof verify contract.pdf --receipt proofs/contract.json --api http://127.0.0.1:3000 --json`,
    )
    // The chain and HTTP clients load only when a verification runs: --help stays instant.
    .action(async (file: string, options: VerifyOptions) => {
      const { runVerify } = await import("./verify-run");
      await runVerify(context, file, options);
    });
}
