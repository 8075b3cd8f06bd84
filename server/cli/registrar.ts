import { Argument, type Command } from "commander";
import type { CliContext } from "./cli-context";
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
      const { args, env } = hardhatNetwork(context, options);
      const registry = options.registry === undefined ? [] : ["--registry", options.registry];
      context.exitCode = await runTool(context, HARDHAT_BIN, ["registrar", action, address, ...registry, ...args], env);
    });
}
