import { randomInt } from "node:crypto";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { JsonRpcProvider } from "ethers";
import { createProvider } from "../../server/chain/provider";
import { RegistryClient } from "../../server/chain/registry-client";
import { DocumentRegistry__factory, type DocumentRegistry } from "../../typechain-types";
import { devAccount } from "../../test/support/dev-accounts";
import { freePort, ManagedProcess, startAnvil, startHardhatNode, waitForRpc } from "../../test/support/processes";

const TS_NODE = require.resolve("ts-node/dist/bin.js");

/** The registrar and deployer: development account 0, funded on every local node. */
export const REGISTRAR_KEY = devAccount(0).privateKey;
export const REGISTRAR = devAccount(0).address;

export interface ChainOptions {
  /** Anvil (the default local chain) or a standalone Hardhat node. */
  kind?: "anvil" | "hardhat";
  /** Extra Anvil arguments, e.g. ["--block-time", "1"] for blocks on a timer. */
  anvilArgs?: string[];
}

/** A local node on a free loopback port, with the registry deployed by development account 0. */
export interface BenchChain {
  kind: "anvil" | "hardhat";
  /** How the node makes blocks, in words ("automine", "a block every 1 s"). */
  mining: string;
  rpcUrl: string;
  chainId: number;
  registryAddress: string;
  /** The block the registry was deployed in. */
  deployBlock: number;
  node: ManagedProcess;
  /** A reader of the registry, for checks from outside the service. */
  registry: RegistryClient;
  /** The node and the contract as ethers sees them, for raw calls. */
  provider: JsonRpcProvider;
  contract: DocumentRegistry;
  stop(): Promise<void>;
}

export async function startChain(options: ChainOptions = {}): Promise<BenchChain> {
  const kind = options.kind ?? "anvil";
  const port = await freePort();
  const chainId = 800_000 + randomInt(100_000);
  const rpcUrl = `http://127.0.0.1:${port}`;
  const anvilArgs = options.anvilArgs ?? [];
  const node = kind === "anvil" ? startAnvil(port, chainId, anvilArgs) : startHardhatNode(port, chainId);
  const blockTime = anvilArgs.indexOf("--block-time");
  const mining = blockTime >= 0 ? `a block every ${anvilArgs[blockTime + 1]} s` : "automine";
  let provider: JsonRpcProvider | undefined;
  try {
    await waitForRpc(rpcUrl, node);
    if (kind === "hardhat") {
      // A Hardhat node prints every call it answers; a private chain's nodes do not, and the printing
      // would be measured as the chain's latency.
      await rpc(rpcUrl, "hardhat_setLoggingEnabled", [false]);
    }
    provider = createProvider(rpcUrl, chainId, 600_000);
    const deployer = devAccount(0).connect(provider);
    const deployed = await new DocumentRegistry__factory(deployer).deploy(0, REGISTRAR, [REGISTRAR]);
    await deployed.waitForDeployment();
    const registryAddress = await deployed.getAddress();
    const deployBlock = (await deployed.deploymentTransaction()!.wait())!.blockNumber;
    const registry = new RegistryClient(provider, registryAddress, chainId);
    const owned = provider;
    return {
      kind,
      mining,
      rpcUrl,
      chainId,
      registryAddress,
      deployBlock,
      node,
      registry,
      provider,
      contract: DocumentRegistry__factory.connect(registryAddress, provider),
      stop: async () => {
        owned.destroy();
        await node.stop();
      },
    };
  } catch (error) {
    provider?.destroy();
    await node.stop();
    throw error;
  }
}

/** One JSON-RPC call straight to the node; throws its error. */
export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

export interface ServiceSettings {
  /** BATCH_MAX; unset (the default: sized to the chain) when undefined. */
  batchMax?: number;
  /** BATCH_INTERVAL_MS; unset (1,000) when undefined. */
  batchIntervalMs?: number;
  /** BATCHES_IN_FLIGHT; unset (sized to the chain's blocks) when undefined. */
  batchesInFlight?: number;
  /**
   * "off" (the default here): every request of a benchmark comes from one address, and the
   * per-client limits are policy, not capacity. "active": the limiters run, with limits no load
   * here reaches, so their cost is measured. "default": the service's own limits.
   */
  rateLimits?: "off" | "active" | "default";
  /** Further variables, e.g. INDEX_INTERVAL_MS. */
  env?: Record<string, string>;
  /** Node options for the service process, e.g. ["--cpu-prof", "--cpu-prof-dir=/tmp/p"]. */
  nodeArgs?: string[];
  /** Reuse this data directory (a restart) instead of a fresh one. */
  dataDir?: string;
  /**
   * INDEX_FROM_BLOCK. By default the chain's head when the service starts: a benchmark's service
   * follows what happens from then on, not the anchorings earlier benchmarks left on a shared chain
   * (that work would run during the measurement). The catch-up benchmark sets 0.
   */
  indexFromBlock?: number;
}

/** The service as its own process (`ts-node server/main.ts`), so its memory can be read from outside. */
export interface BenchService {
  baseUrl: string;
  pid: number;
  /** When the process was started (performance.now()): a CPU profile's clock starts about then. */
  startedAt: number;
  dataDir: string;
  /** INDEX_FROM_BLOCK it was started with (a restart on the same data must keep it). */
  indexFromBlock: number;
  /** Every line the service wrote (pino JSON on standard output, anything else on standard error). */
  logFile: string;
  process: ManagedProcess;
  /** The log so far. */
  log(): string;
  /** Stops the process (SIGTERM: the service closes its store cleanly); keeps the data directory. */
  stop(): Promise<void>;
  /** Removes the data directory and the log. */
  removeData(): void;
}

export async function startService(chain: BenchChain, settings: ServiceSettings = {}): Promise<BenchService> {
  const port = await freePort();
  const workDir = mkdtempSync(path.join(tmpdir(), "docproof-bench-"));
  const dataDir = settings.dataDir ?? path.join(workDir, "data");
  mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(workDir, "service.log");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RPC_URL: chain.rpcUrl,
    PRIVATE_KEY: REGISTRAR_KEY,
    REGISTRY_ADDRESS: chain.registryAddress,
    DATA_DIR: dataDir,
    HOST: "127.0.0.1",
    PORT: String(port),
    API_KEYS: "",
    MAX_UPLOAD_BYTES: String(8 * 1024 ** 3),
    // The type check belongs to `npm run lint`; the service itself runs the same code either way.
    TS_NODE_TRANSPILE_ONLY: "true",
    ...settings.env,
  };
  delete env.HARDHAT_NETWORK;
  for (const [name, value] of [
    ["BATCH_MAX", settings.batchMax],
    ["BATCH_INTERVAL_MS", settings.batchIntervalMs],
    ["BATCHES_IN_FLIGHT", settings.batchesInFlight],
  ] as const) {
    if (value === undefined) delete env[name];
    else env[name] = String(value);
  }
  const rateLimits = settings.rateLimits ?? "off";
  if (rateLimits !== "default") {
    const limit = rateLimits === "off" ? "0" : String(1_000_000_000);
    env.RATE_LIMIT_WRITES = limit;
    env.RATE_LIMIT_READS = limit;
  }
  // e.g. BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/profiles" to profile every service.
  const nodeArgs = [
    ...(process.env.BENCH_SERVICE_NODE_ARGS ?? "").split(" ").filter((arg) => arg !== ""),
    ...(settings.nodeArgs ?? []),
  ];
  // The log goes to a file, as a service's output would, and not through a pipe the benchmark drains.
  env.INDEX_FROM_BLOCK = String(settings.indexFromBlock ?? (await chain.provider.getBlockNumber()));
  const fd = openSync(logFile, "a");
  const startedAt = performance.now();
  let service: ManagedProcess;
  try {
    service = new ManagedProcess(process.execPath, [...nodeArgs, TS_NODE, "server/main.ts"], {
      env,
      stdio: ["ignore", fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const baseUrl = `http://127.0.0.1:${port}`;
  const log = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  const removeData = () => {
    rmSync(workDir, { recursive: true, force: true });
    if (settings.dataDir !== undefined) rmSync(settings.dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealthy(baseUrl, service, log);
  } catch (error) {
    await service.stop();
    removeData();
    throw error;
  }
  return {
    baseUrl,
    pid: service.pid,
    startedAt,
    indexFromBlock: Number(env.INDEX_FROM_BLOCK),
    dataDir,
    logFile,
    process: service,
    log,
    stop: () => service.stop(30_000),
    removeData,
  };
}

async function waitForHealthy(
  baseUrl: string,
  service: ManagedProcess,
  log: () => string,
  timeoutMs = 180_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.hasExited) throw new Error(`the service exited at start:\n${tail(log())}`);
    try {
      if ((await fetch(`${baseUrl}/healthz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the service was not healthy within ${timeoutMs} ms:\n${tail(log())}`);
}

/** The end of a long log, for an error message. */
export function tail(text: string, chars = 4_000): string {
  return text.length <= chars ? text : `…${text.slice(-chars)}`;
}

/** The JSON lines of a service log that carry `message`. */
export function logLines(log: string, message: string): Record<string, unknown>[] {
  return log
    .split("\n")
    .filter((line) => line.includes(message))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** The batch size the service chose (logged when BATCH_MAX is unset), or BATCH_MAX. */
export function serviceBatchMax(service: BenchService, settings: ServiceSettings = {}): number {
  if (settings.batchMax !== undefined) return settings.batchMax;
  const [line] = logLines(service.log(), "batches sized to the chain");
  if (line === undefined || typeof line.batchMax !== "number") {
    throw new Error(`the service did not say how it sized batches:\n${tail(service.log())}`);
  }
  return line.batchMax;
}

/** The batch transactions in flight the service chose (logged when BATCHES_IN_FLIGHT is unset), or BATCHES_IN_FLIGHT. */
export function serviceBatchesInFlight(service: BenchService, settings: ServiceSettings = {}): number {
  if (settings.batchesInFlight !== undefined) return settings.batchesInFlight;
  const [line] = logLines(service.log(), "batch transactions in flight sized");
  if (line === undefined || typeof line.batchesInFlight !== "number") {
    throw new Error(`the service did not say how many batches it keeps in flight:\n${tail(service.log())}`);
  }
  return line.batchesInFlight;
}

/** A counter or gauge from the service's Prometheus metrics. */
export async function metric(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const match = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  return match === null ? 0 : Number(match[1]);
}

/** Waits until the service's `docproof_documents_anchored_total` reaches `count`; answers when (performance.now()). */
export async function waitForAnchored(service: BenchService, count: number, timeoutMs = 1_800_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await metric(service.baseUrl, "docproof_documents_anchored_total")) >= count) return performance.now();
    if (service.process.hasExited) throw new Error(`the service exited:\n${tail(service.log())}`);
    if (Date.now() > deadline) throw new Error(`not every document was anchored in time:\n${tail(service.log())}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until the service's index of the registry has followed the chain to `block`. */
export async function waitForIndex(service: BenchService, block: number, timeoutMs = 1_800_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A service busy with a long step may be slow to answer; only its exit ends the wait early.
    const answer = (await fetch(`${service.baseUrl}/api/v1/registrars`)
      .then((response) => response.json())
      .catch(() => ({}))) as { indexedTo?: number };
    if ((answer.indexedTo ?? -1) >= block) return performance.now();
    if (service.process.hasExited) throw new Error(`the service exited:\n${tail(service.log())}`);
    if (Date.now() > deadline) throw new Error(`the index did not reach block ${block}:\n${tail(service.log())}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
