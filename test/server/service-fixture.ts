import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomInt } from "node:crypto";
import { JsonRpcProvider, Network } from "ethers";
import { DocumentRegistry__factory } from "../../typechain-types";
import { createLogger } from "../../server/logger";
import { openService, type Service, type ServiceOptions } from "../../server/service/open-service";
import { devAccount } from "../support/dev-accounts";
import { freePort, startAnvil, waitForRpc, type ManagedProcess } from "../support/processes";

/** One Anvil node for a test file: an independent EVM, started on loopback with its own chain id. */
export class TestChain {
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
  chain: TestChain,
  overrides: Partial<ServiceOptions> = {},
): Promise<ServiceHarness> {
  const dataDir = overrides.dataDir ?? mkdtempSync(path.join(tmpdir(), "docproof-test-"));
  const registryAddress = overrides.registryAddress ?? (await chain.deployRegistry());
  const logs: string[] = [];
  const options: ServiceOptions = {
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    registryAddress,
    privateKey: devAccount(0).privateKey,
    dataDir,
    apiKeys: [],
    batchIntervalMs: 60_000, // tests drive batches with anchorer.runOnce()
    batchMax: 1_000,
    confirmations: 1,
    maxUploadBytes: 1024 * 1024,
    log: createLogger((line) => logs.push(line), []),
    ...overrides,
  };
  if (overrides.log === undefined) {
    const secrets = [options.privateKey, ...options.apiKeys];
    options.log = createLogger((line) => logs.push(line), secrets);
  }
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
