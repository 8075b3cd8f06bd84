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

/** A private key as hardhat.config.ts's private network takes it. */
const PRIVATE_KEY = /^0x[0-9a-fA-F]{64}$/;

/**
 * Hardhat arguments and environment for `target`. A URL becomes hardhat.config.ts's `private`
 * network, whose URL and key travel in RPC_URL and PRIVATE_KEY: never on a command line, where
 * other users of the machine could read them. Both are checked here first, so a missing key is one
 * line and status 2 rather than Hardhat's report of a failed configuration. `signer` says whose key
 * it is ("the deployer's", "the admin's").
 */
export function hardhatNetwork(
  context: CliContext,
  target: ChainTarget,
  signer: string,
): { args: string[]; env: NodeJS.ProcessEnv } {
  if (target.rpc !== undefined && target.network !== undefined) {
    throw new CliError("usage", "Give --rpc <url> or --network <name>, not both.");
  }
  if (target.rpc === undefined) {
    if (target.key !== undefined)
      throw new CliError("usage", "--key goes with --rpc; named networks have their own accounts.");
    return { args: ["--network", target.network ?? "localhost"], env: {} };
  }
  if (!/^https?:$/.test(urlProtocol(target.rpc))) {
    throw new CliError(
      "usage",
      `--rpc must be the chain's JSON-RPC URL, such as http://127.0.0.1:8545; got "${target.rpc}".`,
    );
  }
  const keyEnv = registrarKeyEnv(context, target.key);
  const key = keyEnv.PRIVATE_KEY ?? context.env.PRIVATE_KEY;
  if (key === undefined || key === "") {
    throw new CliError("usage", `--rpc needs ${signer} key: set DOCPROOF_PRIVATE_KEY (or pass --key).`);
  }
  if (!PRIVATE_KEY.test(key)) {
    throw new CliError(
      "usage",
      `${signer[0].toUpperCase()}${signer.slice(1)} key must be a 0x-prefixed 32-byte hex key.`,
    );
  }
  return { args: ["--network", "private"], env: { RPC_URL: target.rpc, ...keyEnv } };
}

function urlProtocol(value: string): string {
  try {
    return new URL(value).protocol;
  } catch {
    return "";
  }
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
