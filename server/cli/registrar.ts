import { Argument, type Command } from "commander";
import type { CliContext } from "./cli-context";
import { CliError } from "./cli-error";
import { hardhatNetwork, HARDHAT_BIN, runTool, type ChainTarget } from "./tool-process";

interface RegistrarOptions extends ChainTarget {
  registry?: string;
}

/** `docproof registrar grant|revoke <address>`: the `hardhat registrar` task (tasks/registrar.ts). */
export function registerRegistrar(program: Command, context: CliContext): void {
  program
    .command("registrar")
    .description("grant or revoke the registrar role (signed by the registry's admin)")
    .addArgument(new Argument("<action>", "what to do").choices(["grant", "revoke"]))
    .argument("<address>", "the registrar's account")
    .option("--network <name>", "a network of hardhat.config.ts (default: localhost)")
    .option("--rpc <url>", "any chain by JSON-RPC URL (hardhat.config.ts's private network)")
    .option("--key <hex>", "with --rpc: the admin's key (default: $DOCPROOF_PRIVATE_KEY, else $PRIVATE_KEY)")
    .option("--registry <address>", "the registry (default: the deployment recorded for the chain id)")
    .action(async (action: string, address: string, options: RegistrarOptions) => {
      // Checked here as the task checks them, so that a typo costs neither a Hardhat start nor a connection.
      const { isAddress } = await import("ethers");
      if (!isAddress(address)) {
        throw new CliError(
          "usage",
          `"${address}" is not an address (0x and 40 hex digits, checksummed or in one case).`,
        );
      }
      if (options.registry !== undefined && !isAddress(options.registry)) {
        throw new CliError("usage", `--registry "${options.registry}" is not an address.`);
      }
      const { args, env } = hardhatNetwork(context, options, "the admin's");
      const registry = options.registry === undefined ? [] : ["--registry", options.registry];
      context.exitCode = await runTool(context, HARDHAT_BIN, ["registrar", action, address, ...registry, ...args], env);
    });
}
