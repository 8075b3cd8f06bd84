import type { Command } from "commander";
import type { CliContext } from "./cli-context";

export interface VerifyOptions {
  receipt?: string;
  certificate?: string;
  rpc?: string;
  api?: string;
  registry?: string;
  json?: boolean;
  offline?: boolean;
  checkpoint?: string;
  trust?: string;
  tsr?: string;
  tsaCa?: string;
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
    .option("--offline", "check a version 2 receipt's evidence with no node at all (with --checkpoint or --trust)")
    .option("--checkpoint <file>", "with --offline: a checkpoint you trust (docproof checkpoint --rpc <url>)")
    .option("--trust <file>", "with --offline: a trust file of witnesses (docproof trust export --rpc <url>)")
    .option("--json", "print the verdict as JSON (with --offline, or a version 2 receipt: every check)")
    .option(
      "--tsr <file>",
      "an RFC 3161 time-stamp token for the document (docproof timestamp, openssl ts): check it too",
    )
    .option("--tsa-ca <file>", "with --tsr: the TSA's CA certificate (PEM), to check the token's certificate chain")
    .addHelpText(
      "after",
      `
With --tsr, the token's signature, certificates and imprint are checked as openssl ts -verify does,
and the document must also be anchored: a time-stamp alone is the TSA's word, the anchoring the
chain's.

Exit status: 0 anchored (and, with --tsr, the token valid); 1 revoked, unknown, invalid receipt,
modified document or invalid token; 2 usage or connection error.

--offline checks a version 2 receipt with no node: the document, the Merkle path, the block header,
the transaction and its receipt with their trie proofs, and the block hash against the checkpoint
(--checkpoint) or the witnesses' cosignatures (--trust). Revocation lives in the registry's present
state and is not checked offline: the verdict says so. With --rpc, a version 2 receipt is checked
against the chain (revocation included) and its evidence too.

Examples:
  docproof verify contract.pdf --rpc http://10.0.0.5:8545
  docproof verify contract.pdf --offline --checkpoint checkpoint.json
  docproof verify contract.pdf --offline --trust consortium.trust.json
  docproof verify contract.pdf --tsr contract.pdf.tsr --tsa-ca ca.pem --api http://127.0.0.1:3000
  docproof verify contract.pdf --certificate contract.pdf.certificate.pdf --rpc http://10.0.0.5:8545
  docproof verify contract.pdf --receipt proofs/contract.json --api http://127.0.0.1:3000 --json`,
    )
    // The chain and HTTP clients load only when a verification runs: --help stays instant.
    .action(async (file: string, options: VerifyOptions) => {
      const { runVerify } = await import("./verify-run");
      await runVerify(context, file, options);
    });
}
