import { spawn } from "node:child_process";
import path from "node:path";
import { PACKAGE_ROOT } from "../version";
import type { CliContext } from "./cli-context";
import { CliError, EXIT_ERROR } from "./cli-error";

export const HARDHAT_BIN = path.join(PACKAGE_ROOT, "node_modules", ".bin", "hardhat");

/** Where an operator command acts: a network named in hardhat.config.ts, or any chain by URL. */
export interface ChainTarget {
  network?: string;
  rpc?: string;
  key?: string;
}

/**
 * Hardhat arguments and environment for `target`. A URL becomes hardhat.config.ts's `private`
 * network, whose URL and key travel in RPC_URL and PRIVATE_KEY: never on a command line, where
 * other users of the machine could read them.
 */
export function hardhatNetwork(context: CliContext, target: ChainTarget): { args: string[]; env: NodeJS.ProcessEnv } {
  if (target.rpc !== undefined && target.network !== undefined) {
    throw new CliError("usage", "Give --rpc <url> or --network <name>, not both.");
  }
  if (target.rpc === undefined) {
    if (target.key !== undefined)
      throw new CliError("usage", "--key goes with --rpc; named networks have their own accounts.");
    return { args: ["--network", target.network ?? "localhost"], env: {} };
  }
  return { args: ["--network", "private"], env: { RPC_URL: target.rpc, ...registrarKeyEnv(context, target.key) } };
}

/** PRIVATE_KEY for a child from --key or DOCPROOF_PRIVATE_KEY; otherwise the inherited PRIVATE_KEY stands. */
export function registrarKeyEnv(context: CliContext, key: string | undefined): NodeJS.ProcessEnv {
  const chosen = key ?? context.env.DOCPROOF_PRIVATE_KEY;
  return chosen === undefined || chosen === "" ? {} : { PRIVATE_KEY: chosen };
}

/**
 * Runs one of the project's own entry points from the project root, sharing this terminal, and
 * resolves with its exit status. SIGINT and SIGTERM sent to the CLI are passed on, so a supervisor
 * that signals only the CLI's pid still stops `docproof serve` cleanly.
 */
export function runTool(
  context: CliContext,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PACKAGE_ROOT, stdio: "inherit", env: { ...context.env, ...env } });
    // A second signal from the terminal is harmless: the service and Hardhat stop once.
    const onTerm = () => child.kill("SIGTERM");
    const onInt = () => child.kill("SIGINT");
    process.on("SIGTERM", onTerm);
    process.on("SIGINT", onInt);
    const cleanUp = () => {
      process.off("SIGTERM", onTerm);
      process.off("SIGINT", onInt);
    };
    child.once("error", (error) => {
      cleanUp();
      reject(new CliError("usage", `Cannot start ${path.basename(command)}: ${error.message}`, { cause: error }));
    });
    child.once("exit", (code) => {
      cleanUp();
      resolve(code ?? EXIT_ERROR);
    });
  });
}
