import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomInt } from "node:crypto";
import hre from "hardhat";
import { BrowserProvider, JsonRpcProvider, Network, type JsonRpcApiProvider } from "ethers";
import { DocumentRegistry__factory } from "../../typechain-types";
import { composeServer, type DocproofServer } from "../../server/compose";
import { loadConfig, type ServiceConfig, type WebhookConfig } from "../../server/config";
import { ApiKeys } from "../../server/http/auth";
import { createLogger, type Logger } from "../../server/logger";
import { devAccount } from "../support/dev-accounts";
import { freePort, startAnvil, waitForRpc, type ManagedProcess } from "../support/processes";

/** A chain the service can be tested on. */
export interface ServiceTestChain {
  readonly name: string;
  readonly rpcUrl: string;
  readonly chainId: number;
  start(): Promise<unknown>;
  stop(): Promise<void>;
  deployRegistry(): Promise<string>;
  /** The provider the service should use instead of one for rpcUrl, if any. */
  serviceProvider(): JsonRpcApiProvider | undefined;
}

/** Hardhat's in-process network (the one `hardhat test` runs on), reached through EIP-1193. */
export class InProcessHardhatChain implements ServiceTestChain {
  readonly name = "the in-process Hardhat network";
  readonly rpcUrl = "in-process://hardhat";
  chainId = 31337;

  async start() {
    this.chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
  }

  async stop() {}

  serviceProvider(): JsonRpcApiProvider {
    return new BrowserProvider(hre.network.provider, this.chainId, { pollingInterval: 50, cacheTimeout: -1 });
  }

  async deployRegistry(): Promise<string> {
    const [deployer] = await hre.ethers.getSigners();
    const registry = await new DocumentRegistry__factory(deployer).deploy(0, deployer.address, [deployer.address]);
    await registry.waitForDeployment();
    return registry.getAddress();
  }
}

/** One Anvil node for a test file: an independent EVM, started on loopback with its own chain id. */
export class TestChain implements ServiceTestChain {
  readonly name = "a spawned Anvil node";
  node!: ManagedProcess;
  rpcUrl!: string;
  readonly chainId = 700_000 + randomInt(100_000);

  async start(extraArgs: string[] = []): Promise<this> {
    const port = await freePort();
    this.rpcUrl = `http://127.0.0.1:${port}`;
    this.node = startAnvil(port, this.chainId, extraArgs);
    await waitForRpc(this.rpcUrl, this.node);
    return this;
  }

  serviceProvider(): undefined {
    return undefined;
  }

  provider(): JsonRpcProvider {
    return new JsonRpcProvider(this.rpcUrl, Network.from(this.chainId), { staticNetwork: true, cacheTimeout: -1 });
  }

  /** Deploys a fresh registry with dev account 0 as admin and registrar. */
  deployRegistry(): Promise<string> {
    return deployRegistryAt(this.rpcUrl, this.chainId);
  }

  async stop(): Promise<void> {
    await this.node?.stop();
  }
}

/** The service's settings as tests vary them; everything else is loadConfig's default. */
export interface TestServiceOptions {
  dataDir?: string;
  registryAddress?: string;
  privateKey?: string;
  apiKeys?: readonly string[];
  maxUploadBytes?: number;
  batchMax?: number;
  batchIntervalMs?: number;
  confirmations?: number;
  webDir?: string;
  log?: Logger;
  /** Other members' services asked to cosign this one's blocks (WITNESS_PEERS). */
  witnessPeers?: readonly string[];
  /** A chain RPC URL browsers may call (PUBLIC_RPC_URL). */
  publicRpcUrl?: string;
  /** The TSA's settings (default: a local CA in the data directory, accuracy 1 s, open to clients). */
  tsa?: Partial<ServiceConfig["tsa"]>;
  /** An outside TSA witnessing the chain (default: none). */
  witness?: ServiceConfig["witness"];
  /** PUBLIC_URL: where certificates' QR codes point. */
  publicUrl?: string;
  /** Notifications (none allowed by default, as without WEBHOOK_ALLOWED_HOSTS). */
  webhooks?: Partial<WebhookConfig>;
  /** Keys file, rate limits and body deadlines (none of them by default). */
  protection?: {
    apiKeysFile?: string;
    apiKeysRecheckMs?: number;
    rateLimits?: ServiceConfig["rateLimits"];
    bodyTimeouts?: ServiceConfig["bodyTimeouts"];
    /** `Strict-Transport-Security` max-age (none by default, as without HSTS_MAX_AGE). */
    hstsMaxAgeSeconds?: number;
  };
}

/** Deploys a fresh registry on the node at `rpcUrl`, with dev account 0 as admin and registrar. */
export async function deployRegistryAt(rpcUrl: string, chainId: number): Promise<string> {
  const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), { staticNetwork: true, cacheTimeout: -1 });
  try {
    const deployer = devAccount(0).connect(provider);
    const registry = await new DocumentRegistry__factory(deployer).deploy(0, deployer.address, [deployer.address]);
    await registry.waitForDeployment();
    return await registry.getAddress();
  } finally {
    provider.destroy();
  }
}

export interface ServiceHarness {
  service: DocproofServer;
  dataDir: string;
  registryAddress: string;
  logs: string[];
  options: Required<Pick<TestServiceOptions, "maxUploadBytes" | "privateKey">>;
  close(): Promise<void>;
}

/** Opens the real service (every adapter) on `chain` with a fresh registry and store. */
export async function openTestService(
  chain: ServiceTestChain,
  overrides: TestServiceOptions = {},
): Promise<ServiceHarness> {
  const dataDir = overrides.dataDir ?? mkdtempSync(path.join(tmpdir(), "docproof-test-"));
  const registryAddress = overrides.registryAddress ?? (await chain.deployRegistry());
  const logs: string[] = [];
  const privateKey = overrides.privateKey ?? devAccount(0).privateKey;
  const apiKeys = overrides.apiKeys ?? [];
  const protection = overrides.protection ?? {};
  const config: ServiceConfig = {
    ...loadConfig({}),
    apiKeys,
    apiKeysFile: protection.apiKeysFile,
    rateLimits: protection.rateLimits ?? { windowMs: 60_000, writes: 0, reads: 0 },
    bodyTimeouts: protection.bodyTimeouts ?? loadConfig({}).bodyTimeouts,
    hstsMaxAgeSeconds: protection.hstsMaxAgeSeconds,
    maxUploadBytes: overrides.maxUploadBytes ?? 1024 * 1024,
    batchMax: overrides.batchMax ?? 1_000,
    batchIntervalMs: overrides.batchIntervalMs ?? 60_000, // tests drive batches with anchorer.runOnce()
    confirmations: overrides.confirmations ?? 1,
    witnessPeers: overrides.witnessPeers ?? [],
    publicRpcUrl: overrides.publicRpcUrl,
    tsa: { ...loadConfig({}).tsa, ...overrides.tsa },
    witness: overrides.witness,
    publicUrl: overrides.publicUrl,
    webhooks: { ...loadConfig({}).webhooks, ...overrides.webhooks },
  };
  // As in server/main.ts: the logger is told the secrets it must never write.
  const log =
    overrides.log ?? createLogger({ destination: (line) => logs.push(line), secrets: [privateKey, ...apiKeys] });
  const keys = new ApiKeys({
    keys: apiKeys,
    file: protection.apiKeysFile,
    recheckMs: protection.apiKeysRecheckMs,
    log,
  });
  const service = await composeServer(
    config,
    { rpcUrl: chain.rpcUrl, chainId: chain.chainId, registryAddress, privateKey, dataDir, disposable: false },
    { log, keys, webDir: overrides.webDir, provider: chain.serviceProvider() },
  );
  return {
    service,
    dataDir,
    registryAddress,
    logs,
    options: { maxUploadBytes: config.maxUploadBytes, privateKey },
    async close() {
      await service.close();
      if (overrides.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
