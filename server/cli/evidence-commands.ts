import type { Command } from "commander";
import type { CliContext } from "./cli-context";
import { blockNumber, positiveInteger } from "./option-parsers";

export interface CheckpointOptions {
  rpc: string;
  out?: string;
  block?: number;
  history?: string;
  link?: string[];
}

export interface TrustExportOptions {
  rpc: string;
  registry?: string;
  threshold?: number;
  names?: string;
  out?: string;
  fromBlock?: number;
}

/** `docproof checkpoint` and `docproof trust export`: what an offline verifier pins beforehand. */
export function registerEvidenceCommands(program: Command, context: CliContext): void {
  program
    .command("checkpoint")
    .description("read every block hash from a node you trust and print (or write) a checkpoint of them")
    .requiredOption("--rpc <url>", "the chain's JSON-RPC endpoint: a node you trust")
    .option("--out <file>", "write the checkpoint to this file instead of printing it")
    .option(
      "--block <number>",
      "the checkpoint's block (default: the latest); a receipt's link names its own",
      blockNumber,
    )
    .option("--history <file>", "keep the block-hash history here, so the next checkpoint reads only new blocks")
    .option("--link <receipt...>", "also link these version 2 receipts to the checkpoint (each file is rewritten)")
    .addHelpText(
      "after",
      `
The checkpoint commits to the hash of every block from the genesis to --block; version 2 receipts
link their block to it, so they can be checked with it and no node (docproof verify --offline
--checkpoint <file>). Reading a long chain takes a while: a progress bar shows on a terminal.

Examples:
  docproof checkpoint --rpc http://10.0.0.5:8545 --out checkpoint.json
  docproof checkpoint --rpc http://10.0.0.5:8545 --block 123456 --history history.json
  docproof checkpoint --rpc http://10.0.0.5:8545 --out checkpoint.json --link contract.pdf.receipt.json`,
    )
    .action(async (options: CheckpointOptions) => {
      const { runCheckpoint } = await import("./evidence-run");
      await runCheckpoint(context, options);
    });

  const trust = program.command("trust").description("trust files for offline verification with witnesses");
  trust
    .command("export")
    .description("write a trust file of the registry's registrars, who cosign the blocks they hold final")
    .requiredOption("--rpc <url>", "the chain's JSON-RPC endpoint")
    .option("--registry <address>", "the registry (default: the deployment recorded for the chain id)")
    .option("--threshold <k>", "distinct cosigners needed (default: a strict majority)", positiveInteger)
    .option(
      "--names <file>",
      'JSON {"<address>": "<organisation>"}: names for members the registry\'s directory does not name',
    )
    .option("--from-block <number>", "where the registry's role history starts (its deployment block)", blockNumber)
    .option("--out <file>", "write the trust file here instead of printing it")
    .addHelpText(
      "after",
      `
Members are the current registrars, from the registry's RoleGranted/RoleRevoked history confirmed
with hasRole, in order of their grant; names come from the registry's directory (organisationOf),
else from --names. Check the file before you rely on it: it is who you trust.

Example:
  docproof trust export --rpc http://10.0.0.5:8545 --threshold 2 --out consortium.trust.json`,
    )
    .action(async (options: TrustExportOptions) => {
      const { runTrustExport } = await import("./evidence-run");
      await runTrustExport(context, options);
    });
}
