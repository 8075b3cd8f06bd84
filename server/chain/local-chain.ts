import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { readRegistryAddress } from "./deployment-record";

/** The project root: where hardhat.config.ts and ignition/ live. */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
const HARDHAT_BIN = path.join(PROJECT_ROOT, "node_modules", ".bin", "hardhat");
const IGNITION_DIR = path.join(PROJECT_ROOT, "ignition");
const REGISTRY_MODULE = path.join("ignition", "modules", "DocumentRegistry.ts");

/** The well-known development mnemonic that Hardhat node and Anvil fund by default. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** The URL of the `localhost` network in hardhat.config.ts. */
export const LOCAL_RPC_URL = "http://127.0.0.1:8545";

export interface LocalChain {
  readonly rpcUrl: string;
  readonly chainId: bigint;
  /** True when this process started the node (and so stops it); false when one was already running. */
  readonly started: boolean;
  stop(): Promise<void>;
}

/** One JSON-RPC call with plain fetch: no provider is needed to probe a node that may not be there. */
export async function rpc(
  url: string,
  method: string,
  params: unknown[],
  timeoutMs = 2_000,
): Promise<string | undefined> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return ((await response.json()) as { result?: string }).result;
}

async function rpcChainId(url: string): Promise<bigint | undefined> {
  const result = await rpc(url, "eth_chainId", []).catch(() => undefined);
  return result === undefined ? undefined : BigInt(result);
}

async function rpcCode(url: string, address: string): Promise<string> {
  return (await rpc(url, "eth_getCode", [address, "latest"], 10_000)) ?? "0x";
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/**
 * Uses the chain answering at 127.0.0.1:8545, or starts a Hardhat node there.
 * NOTE: a Hardhat node keeps its state in memory only: every start is a new, empty chain.
 */
export async function startLocalChain(log: (line: string) => void): Promise<LocalChain> {
  const running = await rpcChainId(LOCAL_RPC_URL);
  if (running !== undefined) {
    log(`Using the chain already answering at ${LOCAL_RPC_URL} (chain id ${running}).`);
    return { rpcUrl: LOCAL_RPC_URL, chainId: running, started: false, stop: async () => {} };
  }
  const child = spawn(HARDHAT_BIN, ["node", "--hostname", "127.0.0.1", "--port", "8545"], {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-5_000)));
  const exited = exitOf(child);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const chainId = await rpcChainId(LOCAL_RPC_URL);
    if (chainId !== undefined) {
      log(`Started a local Hardhat node at ${LOCAL_RPC_URL} (chain id ${chainId}; state in memory only).`);
      return {
        rpcUrl: LOCAL_RPC_URL,
        chainId,
        started: true,
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill("SIGTERM");
          await exited;
        },
      };
    }
    if (child.exitCode !== null) throw new Error(`The local Hardhat node exited at start:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`The local Hardhat node did not answer within 60 s:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Returns the registry recorded for the local chain, deploying it through the Ignition module
 * (the same path as `npm run deploy`) when no record exists or the recorded address holds no code,
 * as after a restart of an in-memory node.
 */
export async function ensureLocalRegistry(
  chain: LocalChain,
  log: (line: string) => void,
  /** The environment the deployment runs in (the service's own). */
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const recorded = await readRegistryAddress(IGNITION_DIR, chain.chainId);
  if (recorded !== undefined && (await rpcCode(chain.rpcUrl, recorded)) !== "0x") return recorded;

  const args = ["ignition", "deploy", REGISTRY_MODULE, "--network", "localhost"];
  if (recorded !== undefined) args.push("--reset");
  log(recorded === undefined ? "Deploying the registry…" : "The recorded registry is gone (new chain): redeploying…");
  const child = spawn(HARDHAT_BIN, args, {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...env, LOCAL_CHAIN_ID: String(chain.chainId), HARDHAT_IGNITION_CONFIRM_DEPLOYMENT: "true" },
  });
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-10_000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const code = await exitOf(child);
  const address = await readRegistryAddress(IGNITION_DIR, chain.chainId);
  if (code !== 0 || address === undefined) throw new Error(`Deploying the registry failed:\n${output}`);
  return address;
}
