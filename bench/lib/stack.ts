import { randomInt } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { deploymentDirFor, readRegistryAddress } from "../../server/chain/deployment-record";
import type { JsonRpcProvider } from "ethers";
import { createProvider } from "../../server/chain/provider";
import { RegistryClient } from "../../server/chain/registry-client";
import { DocumentRegistry__factory, type DocumentRegistry } from "../../typechain-types";
import { devAccount } from "../../test/support/dev-accounts";
import { freePort, ManagedProcess, ROOT, run, startHardhatNode, waitForRpc } from "../../test/support/processes";

const IGNITION_DIR = path.join(ROOT, "ignition");
const TS_NODE = require.resolve("ts-node/dist/bin.js");

/** The registrar and deployer: development account 0, funded on every local node. */
export const REGISTRAR_KEY = devAccount(0).privateKey;
export const REGISTRAR = devAccount(0).address;

/** A standalone Hardhat node on a free loopback port, with the registry deployed through Ignition. */
export interface BenchChain {
  rpcUrl: string;
  chainId: number;
  registryAddress: string;
  node: ManagedProcess;
  /** A reader of the registry, for checks from outside the service. */
  registry: RegistryClient;
  /** The node and the contract as ethers sees them, for raw calls. */
  provider: JsonRpcProvider;
  contract: DocumentRegistry;
  stop(): Promise<void>;
}

export async function startChain(): Promise<BenchChain> {
  const port = await freePort();
  const chainId = 800_000 + randomInt(100_000);
  const rpcUrl = `http://127.0.0.1:${port}`;
  const node = startHardhatNode(port, chainId);
  const stop = async () => {
    await node.stop();
    await rm(deploymentDirFor(IGNITION_DIR, chainId), { recursive: true, force: true });
  };
  try {
    await waitForRpc(rpcUrl, node);
    // A Hardhat node prints every call it answers; a private chain's nodes do not, and the printing
    // would be measured as the chain's latency.
    await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "hardhat_setLoggingEnabled", params: [false] }),
    });
    // The real deployment path: `npm run deploy -- --network private`, as an operator runs it.
    const { code, output } = await run("npm", ["run", "deploy", "--", "--network", "private"], {
      RPC_URL: rpcUrl,
      PRIVATE_KEY: REGISTRAR_KEY,
      CHAIN_ID: String(chainId),
      HARDHAT_IGNITION_CONFIRM_DEPLOYMENT: "true",
    });
    const registryAddress = await readRegistryAddress(IGNITION_DIR, chainId);
    if (code !== 0 || registryAddress === undefined) throw new Error(`deployment failed:\n${output}`);
    const provider = createProvider(rpcUrl, chainId);
    const registry = new RegistryClient(provider, registryAddress, chainId);
    return {
      rpcUrl,
      chainId,
      registryAddress,
      node,
      registry,
      provider,
      contract: DocumentRegistry__factory.connect(registryAddress, provider),
      stop: async () => {
        provider.destroy();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface ServiceSettings {
  batchMax?: number;
  batchIntervalMs?: number;
}

/** The service as its own process (`ts-node server/main.ts`), so its memory can be read from outside. */
export interface BenchService {
  baseUrl: string;
  pid: number;
  dataDir: string;
  process: ManagedProcess;
  /** Stops the process (SIGTERM: the service closes its store cleanly); keeps the data directory. */
  stop(): Promise<void>;
  /** Removes the data directory. */
  removeData(): void;
}

export async function startService(chain: BenchChain, settings: ServiceSettings = {}): Promise<BenchService> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), "docproof-bench-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RPC_URL: chain.rpcUrl,
    PRIVATE_KEY: REGISTRAR_KEY,
    REGISTRY_ADDRESS: chain.registryAddress,
    DATA_DIR: dataDir,
    HOST: "127.0.0.1",
    PORT: String(port),
    API_KEYS: "",
    BATCH_MAX: String(settings.batchMax ?? 1_000),
    BATCH_INTERVAL_MS: String(settings.batchIntervalMs ?? 1_000),
    CONFIRMATIONS: "1",
    MAX_UPLOAD_BYTES: String(8 * 1024 ** 3),
    // One client address sends every request here: the per-client limits are policy, not capacity.
    RATE_LIMIT_WRITES: "0",
    RATE_LIMIT_READS: "0",
    // The type check belongs to `npm run lint`; the service itself runs the same code either way.
    TS_NODE_TRANSPILE_ONLY: "true",
  };
  delete env.HARDHAT_NETWORK;
  // e.g. BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/profiles" to profile the service.
  const nodeArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? "").split(" ").filter((arg) => arg !== "");
  const service = new ManagedProcess(process.execPath, [...nodeArgs, TS_NODE, "server/main.ts"], { env });
  const baseUrl = `http://127.0.0.1:${port}`;
  const removeData = () => rmSync(dataDir, { recursive: true, force: true });
  try {
    await waitForHealthy(baseUrl, service);
  } catch (error) {
    await service.stop();
    removeData();
    throw error;
  }
  return { baseUrl, pid: service.pid, dataDir, process: service, stop: () => service.stop(15_000), removeData };
}

async function waitForHealthy(baseUrl: string, service: ManagedProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.hasExited) throw new Error(`the service exited at start:\n${service.log}`);
    try {
      if ((await fetch(`${baseUrl}/healthz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the service was not healthy within ${timeoutMs} ms:\n${service.log}`);
}

/** A counter or gauge from the service's Prometheus metrics. */
export async function metric(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const match = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  return match === null ? 0 : Number(match[1]);
}
