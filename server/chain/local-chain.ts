import { HDNodeWallet, Mnemonic } from "ethers";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { PACKAGE_ROOT } from "../version";
import { AnvilChain, ANVIL_STATE_FILE } from "./anvil-chain";
import { NO_DURABILITY, type ChainDurability } from "./chain-durability";
import { readRegistryAddress } from "./deployment-record";
import { callRpc } from "./json-rpc";
import { LocalChainError } from "./local-chain-error";

/** The project root: where hardhat.config.ts and ignition/ live. */
const HARDHAT_BIN = path.join(PACKAGE_ROOT, "node_modules", ".bin", "hardhat");
const IGNITION_DIR = path.join(PACKAGE_ROOT, "ignition");
const REGISTRY_MODULE = path.join("ignition", "modules", "DocumentRegistry.ts");

/** The well-known development mnemonic that Hardhat node and Anvil fund by default. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** The URL of the `localhost` network in hardhat.config.ts. */
export const LOCAL_RPC_URL = "http://127.0.0.1:8545";
const LOCAL_PORT = 8545;
const LOCAL_CHAIN_ID = 31337;

/** Where the local chain is saved when no state directory is given: next to the development store. */
export const DEFAULT_LOCAL_STATE_DIR = path.join(PACKAGE_ROOT, "data", "local", "chain");

/** Which node to start when none answers: Anvil saved to disk (the default), or an in-memory Hardhat node. */
export type LocalChainKind = "anvil" | "hardhat";

/** The node software, from `web3_clientVersion`. */
export type ChainClient = "anvil" | "hardhat" | "other";

/**
 * durable: saved to `stateFile` by flush() and stop(), and loaded at the next start.
 * in-memory: a Hardhat node; everything on it vanishes when it stops.
 * unknown: a node this process found running and does not manage.
 */
export type ChainPersistence = "durable" | "in-memory" | "unknown";

export interface LocalChainOptions {
  kind?: LocalChainKind;
  /** 8545 by default (the `localhost` network of hardhat.config.ts). */
  port?: number;
  /** 31337 by default. */
  chainId?: number;
  /** Anvil's state directory; {@link DEFAULT_LOCAL_STATE_DIR} by default. */
  stateDir?: string;
  /** The environment a Hardhat node starts in (the service's own: only server/main.ts reads it). */
  env?: NodeJS.ProcessEnv;
}

export interface LocalChain extends ChainDurability {
  readonly rpcUrl: string;
  readonly chainId: bigint;
  readonly client: ChainClient;
  readonly persistence: ChainPersistence;
  /** The file the chain is saved to, when durable. */
  readonly stateFile: string | undefined;
  /** True when this process manages the node (started it, or took over one it had left) and so stops it. */
  readonly started: boolean;
  /** The node's process id, when this process manages it. */
  readonly pid: number | undefined;
  /** Durable chains: saves, then stops the node. Others: stops the node if this process started it. */
  stop(): Promise<void>;
}

/** What the start message says about the chain. */
export interface LocalChainSummary {
  rpcUrl: string;
  chainId: number;
  client: ChainClient;
  durable: boolean;
  persistence: ChainPersistence;
  stateFile?: string;
  /** Set when proofs may not survive a restart of the chain. */
  warning?: string;
}

/** The Anvil node behind a durable LocalChain, for the registry record kept with its state. */
const anvilOf = new WeakMap<LocalChain, AnvilChain>();

/** The chain id of a node answering at `url`, or undefined when none answers. */
async function rpcChainId(url: string): Promise<bigint | undefined> {
  const result = await callRpc<string>(url, "eth_chainId", [], 2_000).catch(() => undefined);
  return result === undefined ? undefined : BigInt(result);
}

async function rpcCode(url: string, address: string): Promise<string> {
  return (await callRpc<string | null>(url, "eth_getCode", [address, "latest"], 10_000)) ?? "0x";
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** Tells Anvil from Hardhat (EDR) by `web3_clientVersion`. */
export async function detectClient(url: string): Promise<ChainClient> {
  const version = await callRpc<string>(url, "web3_clientVersion", [], 2_000).catch(() => "");
  if (/^anvil\//i.test(version)) return "anvil";
  if (/^HardhatNetwork\//i.test(version)) return "hardhat";
  return "other";
}

/**
 * Starts the local development chain, or uses the one already answering at the port.
 *
 * By default that is Anvil, saved in `stateDir` (see {@link AnvilChain}): a restart comes back on
 * the same chain (same genesis and block hashes, contract storage, nonces), and a node that a
 * killed run left behind is taken over. `kind: "hardhat"` starts an in-memory Hardhat node instead.
 * A chain found answering at the port that this process did not leave is used as it is, and its
 * persistence is in-memory (Hardhat) or unknown.
 */
export async function startLocalChain(
  log: (line: string) => void,
  options: LocalChainOptions = {},
): Promise<LocalChain> {
  const kind = options.kind ?? "anvil";
  const port = options.port ?? LOCAL_PORT;
  const chainId = options.chainId ?? LOCAL_CHAIN_ID;
  const stateDir = options.stateDir ?? DEFAULT_LOCAL_STATE_DIR;
  const rpcUrl = `http://127.0.0.1:${port}`;
  const anvilOptions = { port, chainId, stateDir, mnemonic: DEV_MNEMONIC };

  const running = await rpcChainId(rpcUrl);
  if (running !== undefined) {
    const adopted = kind === "anvil" ? await AnvilChain.adopt(anvilOptions) : undefined;
    if (adopted !== undefined) {
      log(
        `Took over the local Anvil chain left running at ${rpcUrl} (chain id ${running}; saved in ${adopted.stateFile}).`,
      );
      return durableChain(adopted, BigInt(running));
    }
    return runningChain(rpcUrl, running, kind === "anvil" ? path.join(stateDir, ANVIL_STATE_FILE) : undefined, log);
  }
  if (kind === "hardhat") return startHardhatNode(port, chainId, log, options.env ?? {});

  const anvil = await AnvilChain.start(anvilOptions);
  log(
    anvil.origin === "loaded"
      ? `Started the local Anvil chain at ${rpcUrl} (chain id ${chainId}) from ${anvil.stateFile}.`
      : `Started a new local Anvil chain at ${rpcUrl} (chain id ${chainId}), saved in ${anvil.stateFile}.`,
  );
  return durableChain(anvil, BigInt(chainId));
}

function durableChain(anvil: AnvilChain, chainId: bigint): LocalChain {
  const chain: LocalChain = {
    rpcUrl: anvil.rpcUrl,
    chainId,
    client: "anvil",
    persistence: "durable",
    stateFile: anvil.stateFile,
    started: true,
    pid: anvil.pid,
    flush: () => anvil.flush(),
    stop: () => anvil.stop(),
  };
  anvilOf.set(chain, anvil);
  return chain;
}

async function runningChain(
  rpcUrl: string,
  chainId: bigint,
  savedStateFile: string | undefined,
  log: (line: string) => void,
): Promise<LocalChain> {
  const client = await detectClient(rpcUrl);
  const persistence: ChainPersistence = client === "hardhat" ? "in-memory" : "unknown";
  log(`Using the chain already answering at ${rpcUrl} (chain id ${chainId}, ${client}).`);
  if (savedStateFile !== undefined && existsSync(savedStateFile)) {
    log(`The local chain saved in ${savedStateFile} is not loaded while another chain answers at ${rpcUrl}.`);
  }
  return {
    rpcUrl,
    chainId,
    client,
    persistence,
    stateFile: undefined,
    started: false,
    pid: undefined,
    ...NO_DURABILITY,
    stop: async () => {},
  };
}

/**
 * Starts an in-memory Hardhat node on 127.0.0.1:`port` (`LOCAL_CHAIN=hardhat`).
 * NOTE: a Hardhat node keeps its state in memory only: every start is a new, empty chain.
 */
export async function startHardhatNode(
  port: number,
  chainId: number,
  log: (line: string) => void,
  env: NodeJS.ProcessEnv,
): Promise<LocalChain> {
  const rpcUrl = `http://127.0.0.1:${port}`;
  const child = spawn(HARDHAT_BIN, ["node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: PACKAGE_ROOT,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...env, LOCAL_CHAIN_ID: String(chainId) },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-5_000)));
  const exited = exitOf(child);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answered = await rpcChainId(rpcUrl);
    if (answered !== undefined) {
      log(`Started a local Hardhat node at ${rpcUrl} (chain id ${answered}; state in memory only).`);
      return {
        rpcUrl,
        chainId: answered,
        client: "hardhat",
        persistence: "in-memory",
        stateFile: undefined,
        started: true,
        pid: child.pid,
        ...NO_DURABILITY,
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill("SIGTERM");
          await exited;
        },
      };
    }
    if (child.exitCode !== null) {
      throw new LocalChainError("chain-start-failed", `The local Hardhat node exited at start:\n${stderr}`);
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new LocalChainError("chain-start-failed", `The local Hardhat node did not answer within 60 s:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export function summarizeLocalChain(chain: LocalChain): LocalChainSummary {
  const warning =
    chain.persistence === "in-memory"
      ? "the chain keeps its state in memory: proofs vanish at restart"
      : chain.persistence === "unknown"
        ? "the chain was already running and is not saved by docproof: proofs may vanish when it stops"
        : undefined;
  return {
    rpcUrl: chain.rpcUrl,
    chainId: Number(chain.chainId),
    client: chain.client,
    durable: chain.persistence === "durable",
    persistence: chain.persistence,
    ...(chain.stateFile === undefined ? {} : { stateFile: chain.stateFile }),
    ...(warning === undefined ? {} : { warning }),
  };
}

/** The chain's lines of the start message: where it is and where its state lives, and what would be lost. */
export function describeLocalChain(chain: LocalChain, labelWidth = 8): string[] {
  const summary = summarizeLocalChain(chain);
  const where = summary.durable
    ? `saved in ${summary.stateFile}`
    : summary.persistence === "in-memory"
      ? "in memory"
      : "not saved by docproof";
  const lines = [
    `${"chain".padEnd(labelWidth)}${summary.rpcUrl} (chain id ${summary.chainId}, ${summary.client}, ${where})`,
  ];
  if (summary.warning !== undefined) lines.push(`${"".padEnd(labelWidth)}WARNING: ${summary.warning}`);
  return lines;
}

/**
 * Returns the registry of the local chain, deploying it through the Ignition module (the same path
 * as `npm run deploy`) when needed. Ignition's record for the chain id is used while its address
 * holds code; on a durable chain, the registry recorded with the saved state is used when
 * Ignition's record is missing or stale, so a lost ignition/deployments folder does not lead to a
 * second registry beside the one holding the proofs. Otherwise (no record, or a new chain, as
 * after a restart of an in-memory node or with the state file removed) it deploys, with `--reset`
 * over a stale record, and saves a durable chain before recording the address.
 */
export async function ensureLocalRegistry(
  chain: LocalChain,
  log: (line: string) => void,
  /** The environment the deployment runs in (the service's own). */
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const anvil = anvilOf.get(chain);
  const recorded = await readRegistryAddress(IGNITION_DIR, chain.chainId);
  if (recorded !== undefined && (await rpcCode(chain.rpcUrl, recorded)) !== "0x") {
    await anvil?.recordRegistry(recorded);
    return recorded;
  }
  const kept = await anvil?.recordedRegistry();
  if (kept !== undefined && (await rpcCode(chain.rpcUrl, kept)) !== "0x") {
    log(
      `Ignition has no record of the registry for chain ${chain.chainId}; using ${kept}, the registry kept ` +
        `with the saved chain. Tools that read ignition/deployments need --registry ${kept}.`,
    );
    return kept;
  }

  // The `private` network of hardhat.config.ts takes the chain's URL, so one path serves every port
  // (tests run on free ports); the deployer is the first development account, the one the
  // `localhost` network would use.
  const deployer = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), "m/44'/60'/0'/0/0");
  const args = ["ignition", "deploy", REGISTRY_MODULE, "--network", "private"];
  const deployEnv: NodeJS.ProcessEnv = {
    ...env,
    RPC_URL: chain.rpcUrl,
    PRIVATE_KEY: deployer.privateKey,
    CHAIN_ID: String(chain.chainId),
    HARDHAT_IGNITION_CONFIRM_DEPLOYMENT: "true",
    HARDHAT_IGNITION_CONFIRM_RESET: "true",
  };
  if (recorded !== undefined) args.push("--reset");
  log(recorded === undefined ? "Deploying the registry…" : "The recorded registry is gone (new chain): redeploying…");
  const child = spawn(HARDHAT_BIN, args, { cwd: PACKAGE_ROOT, stdio: ["ignore", "pipe", "pipe"], env: deployEnv });
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-10_000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const code = await exitOf(child);
  const address = await readRegistryAddress(IGNITION_DIR, chain.chainId);
  if (code !== 0 || address === undefined) {
    throw new LocalChainError("registry-deploy-failed", `Deploying the registry failed:\n${output}`);
  }
  await chain.flush();
  await anvil?.recordRegistry(address);
  return address;
}
