import type { Command } from "commander";
import path from "node:path";
import { positiveInteger } from "./option-parsers";
import { resolvePath, type CliContext } from "./cli-context";
import { hardhatNetwork, HARDHAT_BIN, runTool, type ChainTarget } from "./tool-process";

const REGISTRY_MODULE = path.join("ignition", "modules", "DocumentRegistry.ts");

interface DeployOptions extends ChainTarget {
  parameters?: string;
  chainId?: number;
  confirmations?: number;
  yes?: boolean;
}

/** `docproof deploy`: `npm run deploy`, i.e. Hardhat Ignition with ignition/modules/DocumentRegistry.ts. */
export function registerDeploy(program: Command, context: CliContext): void {
  program
    .command("deploy")
    .description("deploy the DocumentRegistry with Hardhat Ignition and record its address for the chain id")
    .option("--network <name>", "a network of hardhat.config.ts (default: localhost)")
    .option("--rpc <url>", "any chain by JSON-RPC URL (hardhat.config.ts's private network)")
    .option("--key <hex>", "with --rpc: the deployer's key (default: $DOCPROOF_PRIVATE_KEY, else $PRIVATE_KEY)")
    .option("--chain-id <id>", "with --rpc: refuse to deploy to any other chain", positiveInteger)
    .option("--parameters <file>", "Ignition module parameters (admin, adminDelaySeconds, registrar)")
    .option("--confirmations <blocks>", "blocks to wait for after each deployment transaction", positiveInteger)
    .option("-y, --yes", "do not ask for confirmation on chains other than 31337")
    .action(async (options: DeployOptions) => {
      const { args, env } = hardhatNetwork(context, options, "the deployer's");
      const parameters =
        options.parameters === undefined ? [] : ["--parameters", resolvePath(context, options.parameters)];
      context.exitCode = await runTool(
        context,
        HARDHAT_BIN,
        ["ignition", "deploy", REGISTRY_MODULE, ...args, ...parameters],
        {
          ...env,
          ...(options.chainId === undefined ? {} : { CHAIN_ID: String(options.chainId) }),
          ...(options.confirmations === undefined ? {} : { DEPLOY_CONFIRMATIONS: String(options.confirmations) }),
          ...(options.yes ? { HARDHAT_IGNITION_CONFIRM_DEPLOYMENT: "true" } : {}),
        },
      );
    });
}
