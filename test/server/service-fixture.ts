import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomInt } from "node:crypto";
import hre from "hardhat";
import { BrowserProvider, JsonRpcProvider, Network, type JsonRpcApiProvider } from "ethers";
import { DocumentRegistry__factory } from "../../typechain-types";
import { createLogger } from "../../server/logger";
import { openService, type Service, type ServiceOptions } from "../../server/service/open-service";
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
  async deployRegistry(): Promise<string> {
    const provider = this.provider();
    try {
      const deployer = devAccount(0).connect(provider);
      const registry = await new DocumentRegistry__factory(deployer).deploy(0, deployer.address, [deployer.address]);
      await registry.waitForDeployment();
      return await registry.getAddress();
    } finally {
      provider.destroy();
    }
  }

  async stop(): Promise<void> {
    await this.node?.stop();
  }
}

export interface ServiceHarness {
  service: Service;
  dataDir: string;
  registryAddress: string;
  logs: string[];
  options: ServiceOptions;
  close(): Promise<void>;
}

/** Opens the real service (every adapter) on `chain` with a fresh registry and store. */
export async function openTestService(
  chain: ServiceTestChain,
  overrides: Partial<ServiceOptions> = {},
): Promise<ServiceHarness> {
  const dataDir = overrides.dataDir ?? mkdtempSync(path.join(tmpdir(), "docproof-test-"));
  const registryAddress = overrides.registryAddress ?? (await chain.deployRegistry());
  const logs: string[] = [];
  const base = {
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    registryAddress,
    privateKey: devAccount(0).privateKey,
    dataDir,
    apiKeys: [] as readonly string[],
    batchIntervalMs: 60_000, // tests drive batches with anchorer.runOnce()
    batchMax: 1_000,
    confirmations: 1,
    maxUploadBytes: 1024 * 1024,
    provider: chain.serviceProvider(),
    ...overrides,
  };
  // As in server/main.ts: the logger is told the secrets it must never write.
  const options: ServiceOptions = {
    ...base,
    log: base.log ?? createLogger((line) => logs.push(line), [base.privateKey, ...base.apiKeys]),
  };
  const service = await openService(options);
  return {
    service,
    dataDir,
    registryAddress,
    logs,
    options,
    async close() {
      await service.close();
      if (overrides.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
