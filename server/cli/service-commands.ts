import type { Command } from "commander";
import { existsSync } from "node:fs";
import path from "node:path";
import { PACKAGE_ROOT } from "../version";
import { positiveInteger } from "./option-parsers";
import { resolvePath, type CliContext } from "./cli-context";
import { HARDHAT_BIN, registrarKeyEnv, runTool } from "./tool-process";

const SERVICE_SOURCE = path.join(PACKAGE_ROOT, "server", "main.ts");
/** The compiled service, which an installed package runs (a checkout runs the source). */
const SERVICE_BUILD = path.join(PACKAGE_ROOT, "dist", "server", "main.js");
const PAGE_INDEX = path.join(PACKAGE_ROOT, "server", "web", "dist", "index.html");
const PAGE_BUILD = path.join(PACKAGE_ROOT, "scripts", "build-web.ts");
const CONTRACT_TYPES = path.join(PACKAGE_ROOT, "typechain-types", "index.ts");

interface ServiceOptions {
  rpc?: string;
  key?: string;
  registry?: string;
  port?: number;
  host?: string;
  dataDir?: string;
}

/** server/main.ts reads its configuration from the environment (README, "The service"): map the flags onto it. */
function serviceEnv(context: CliContext, options: ServiceOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...registrarKeyEnv(context, options.key) };
  if (options.rpc !== undefined) env.RPC_URL = options.rpc;
  if (options.registry !== undefined) env.REGISTRY_ADDRESS = options.registry;
  if (options.port !== undefined) env.PORT = String(options.port);
  if (options.host !== undefined) env.HOST = options.host;
  if (options.dataDir !== undefined) env.DATA_DIR = resolvePath(context, options.dataDir);
  return env;
}

function serviceCommand(program: Command, context: CliContext, name: "serve" | "reindex", description: string) {
  return program
    .command(name)
    .description(description)
    .option("--rpc <url>", "the chain (default: a local chain on 127.0.0.1:8545, as npm start)")
    .option("--key <hex>", "the registrar's key (default: $DOCPROOF_PRIVATE_KEY, else $PRIVATE_KEY)")
    .option("--registry <address>", "the registry (default: the deployment recorded for the chain id)")
    .option("--data-dir <dir>", "the SQLite store (default: data/local or data/chain-<id>)")
    .addHelpText("after", "\nEvery other setting is read from the environment as by npm start: see the README.")
    .action(async (options: ServiceOptions) => {
      const env = serviceEnv(context, options);
      if (!existsSync(SERVICE_SOURCE)) {
        context.exitCode = await runTool(context, process.execPath, [SERVICE_BUILD, name], env);
        return;
      }
      // Transpile-only: the code is type-checked by `npm run lint`, not again at every start.
      const tsNode = ["--require", require.resolve("ts-node/register/transpile-only")];
      if (!existsSync(CONTRACT_TYPES)) {
        // A fresh clone has no compiled contracts: compile them first, as `npm start` does.
        const compiled = await runTool(context, HARDHAT_BIN, ["compile", "--quiet"], {});
        if (compiled !== 0) return void (context.exitCode = compiled);
      }
      if (name === "serve" && !existsSync(PAGE_INDEX)) {
        // As `npm start` does through its prestart step: the page is built once, then served.
        const built = await runTool(context, process.execPath, [...tsNode, PAGE_BUILD], {});
        if (built !== 0) return void (context.exitCode = built);
      }
      context.exitCode = await runTool(context, process.execPath, [...tsNode, SERVICE_SOURCE, name], env);
    });
}

/** `docproof serve` and `docproof reindex`: server/main.ts, configured by flags or the environment. */
export function registerServiceCommands(program: Command, context: CliContext): void {
  serviceCommand(program, context, "serve", "run the notarization service and page (npm start)")
    .option("--port <port>", "where to listen (default: 3000)", positiveInteger)
    .option("--host <host>", "the address to listen on (default: 127.0.0.1)");
  serviceCommand(program, context, "reindex", "rebuild an empty store from chain data alone (npm run reindex)");
}
