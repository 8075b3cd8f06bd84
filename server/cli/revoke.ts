import type { Command } from "commander";
// The reason names from the proof core, not the wire schemas: registering a command loads no zod or ethers.
import { listedRevocationReasons } from "../proof/revocation-reasons";
import type { CliContext } from "./cli-context";
import { positiveInteger } from "./option-parsers";

export interface RevokeOptions {
  reason?: string;
  api?: string;
  apiKey?: string;
  rpc?: string;
  key?: string;
  registry?: string;
  receipt?: string;
  confirmations: number;
  json?: boolean;
}

/** `docproof revoke <file|sha256> --reason <reason>`: through the service (`--api`) or on chain (`--rpc`). */
export function registerRevoke(program: Command, context: CliContext): void {
  program
    .command("revoke")
    .description("revoke a notarized document (final), through the service or directly on chain")
    .argument("<file|sha256>", "the document, or its SHA-256")
    .option(
      "--reason <reason>",
      `a reason code or its name: ${listedRevocationReasons()
        .map((reason) => reason.name)
        .join(", ")}`,
    )
    .option("--api <url>", "through the Docproof service at this URL (which revokes as its registrar)")
    .option("--api-key <key>", "the service's API key (default: $DOCPROOF_API_KEY)")
    .option("--rpc <url>", "directly on chain, with the anchoring registrar's or the admin's key")
    .option("--key <hex>", "with --rpc: that key (prefer $DOCPROOF_PRIVATE_KEY: others can read a command line)")
    .option("--registry <address>", "with --rpc: the registry (default: the deployment recorded, else the receipt's)")
    .option(
      "--receipt <file>",
      "with --rpc: the receipt naming the anchoring (default: <file>.receipt.json or <sha256>.receipt.json)",
    )
    .option("--confirmations <blocks>", "with --rpc: blocks to wait for", positiveInteger, 1)
    .option("--json", "print the outcome as JSON")
    .addHelpText(
      "after",
      `
With --rpc, the anchoring is the receipt's (a batch member needs its receipt); without a receipt,
the document's single-document anchoring on chain. Only the registrar that anchored it (while it
holds the role) or the registry's admin may revoke; the key is checked before anything is sent.
A receipt records the anchoring, which revocation does not change: verify reports the revocation.

Exit status: 0 revoked now; 1 it was already revoked (nothing sent); 2 usage or connection error,
an unknown document, or a key that may not revoke it.

Examples:
  docproof revoke contract.pdf --reason superseded --api http://127.0.0.1:3000
  DOCPROOF_PRIVATE_KEY=0x… docproof revoke contract.pdf --reason 5 --rpc http://10.0.0.5:8545`,
    )
    .action(async (document: string, options: RevokeOptions) => {
      const { runRevoke } = await import("./revoke-run");
      await runRevoke(context, document, options);
    });
}
