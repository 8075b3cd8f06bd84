import { expect } from "chai";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { JsonRpcProvider, Network } from "ethers";
import { DocumentRegistry__factory } from "../../typechain-types";
import { RegistryClient } from "../../server/chain/registry-client";
import { toBytes32, type Sha256Hex } from "../../server/proof/digest";
import type { ReceiptV1 } from "../../server/proof/receipt";
import { devAccount } from "./dev-accounts";
import { BIN, freePort, groupAlive, ManagedProcess, poll, startAnvil, waitForRpc } from "./processes";

export const randomSha = () => randomBytes(32).toString("hex") as Sha256Hex;
export const REGISTRAR = devAccount(0);
const ANCHORED = 1n;

/** One JSON-RPC call; throws the node's error. */
export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/**
 * An Anvil node on a port of its own that can be stopped and started again on that same port,
 * optionally persisting its chain in a state file (written on a clean stop).
 */
export class AnvilNode {
  node: ManagedProcess | undefined;

  private constructor(
    readonly port: number,
    readonly chainId: number,
  ) {}

  static async create(chainId: number): Promise<AnvilNode> {
    return new AnvilNode(await freePort(), chainId);
  }

  get rpcUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts Anvil with `args` (e.g. `--state FILE`, `--timestamp T`, `--no-mining`). */
  async start(args: string[] = []): Promise<void> {
    if (this.node !== undefined && !this.node.hasExited) throw new Error("the node is already running");
    this.node = startAnvil(this.port, this.chainId, args);
    await waitForRpc(this.rpcUrl, this.node);
  }

  /** SIGTERM (Anvil writes its `--state` file on the way out), then waits for the port to close. */
  async stop(): Promise<void> {
    if (this.node === undefined) return;
    const pid = this.node.pid;
    await this.node.stop();
    expect(groupAlive(pid), "the Anvil node is still running").to.equal(false);
    await poll("the node's port to close", async () => ((await this.answers()) ? undefined : true), 10_000);
  }

  async answers(): Promise<boolean> {
    return rpc(this.rpcUrl, "eth_chainId").then(
      () => true,
      () => false,
    );
  }

  provider(): JsonRpcProvider {
    return new JsonRpcProvider(this.rpcUrl, Network.from(this.chainId), { staticNetwork: true, cacheTimeout: -1 });
  }

  /** Deploys a registry with the registrar as admin and registrar; at its nonce 0 the address is the same on every fresh node. */
  async deployRegistry(): Promise<string> {
    const provider = this.provider();
    try {
      const registry = await new DocumentRegistry__factory(REGISTRAR.connect(provider)).deploy(0, REGISTRAR.address, [
        REGISTRAR.address,
      ]);
      await registry.waitForDeployment();
      return await registry.getAddress();
    } finally {
      provider.destroy();
    }
  }

  async genesisHash(): Promise<string> {
    return (await rpc<{ hash: string }>(this.rpcUrl, "eth_getBlockByNumber", ["0x0", false])).hash;
  }

  /** Transactions the registrar's key has had mined. */
  async registrarNonce(): Promise<number> {
    return Number(await rpc<string>(this.rpcUrl, "eth_getTransactionCount", [REGISTRAR.address, "latest"]));
  }

  async code(address: string): Promise<string> {
    return rpc<string>(this.rpcUrl, "eth_getCode", [address, "latest"]);
  }
}

export interface ServiceEnv {
  rpcUrl: string;
  registryAddress: string;
  dataDir: string;
  batchIntervalMs: number;
  rpcTimeoutMs?: number;
  batchMax?: number;
}

/** `ts-node server/main.ts`, as an operator runs it, in a process of its own. */
export class ServiceProcess {
  process: ManagedProcess | undefined;

  private constructor(
    readonly port: number,
    readonly env: ServiceEnv,
  ) {}

  static async create(env: ServiceEnv): Promise<ServiceProcess> {
    return new ServiceProcess(await freePort(), env);
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts it and waits until it serves. */
  async start(overrides: Partial<ServiceEnv> = {}): Promise<void> {
    if (this.process !== undefined && !this.process.hasExited) throw new Error("the service is already running");
    const settings = { ...this.env, ...overrides };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      RPC_URL: settings.rpcUrl,
      PRIVATE_KEY: REGISTRAR.privateKey,
      REGISTRY_ADDRESS: settings.registryAddress,
      DATA_DIR: settings.dataDir,
      PORT: String(this.port),
      BATCH_INTERVAL_MS: String(settings.batchIntervalMs),
      ...(settings.rpcTimeoutMs === undefined ? {} : { RPC_TIMEOUT_MS: String(settings.rpcTimeoutMs) }),
      ...(settings.batchMax === undefined ? {} : { BATCH_MAX: String(settings.batchMax) }),
      // The type check is npm run lint's; this only runs the code.
      TS_NODE_TRANSPILE_ONLY: "true",
    };
    for (const name of ["API_KEYS", "HOST", "CONFIRMATIONS", "MAX_UPLOAD_BYTES", "BATCHES_IN_FLIGHT"]) delete env[name];
    if (settings.batchMax === undefined) delete env.BATCH_MAX;
    if (settings.rpcTimeoutMs === undefined) delete env.RPC_TIMEOUT_MS;
    const child = new ManagedProcess(path.join(BIN, "ts-node"), [path.join("server", "main.ts")], { env });
    this.process = child;
    await poll(
      "the service to serve",
      async () => {
        if (child.hasExited) throw new Error(`the service exited:\n${child.log}`);
        return child.log.includes('"message":"docproof is serving"') ? true : undefined;
      },
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${child.log}`);
    });
  }

  /** SIGKILL to the whole process group: no handler runs, nothing is flushed. */
  async kill(): Promise<void> {
    const child = this.process;
    if (child === undefined || child.hasExited) return;
    process.kill(-child.pid, "SIGKILL");
    await child.wait();
    await poll("the killed service to be gone", async () => (groupAlive(child.pid) ? undefined : true), 10_000);
  }

  async stop(): Promise<void> {
    if (this.process !== undefined && !this.process.hasExited) await this.process.stop();
  }

  get log(): string {
    return this.process?.log ?? "";
  }

  /** The JSON log lines written so far. */
  logEntries(): Record<string, unknown>[] {
    return this.log
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }

  fetch(route: string, init?: RequestInit): Promise<Response> {
    return fetch(`${this.base}${route}`, { ...init, signal: AbortSignal.timeout(30_000) });
  }

  notarize(sha256: string): Promise<Response> {
    return this.fetch("/api/v1/documents", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sha256 }),
    });
  }

  verify(sha256: string, receipt?: ReceiptV1): Promise<Response> {
    return this.fetch("/api/v1/verify", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(receipt === undefined ? { sha256 } : { sha256, receipt }),
    });
  }

  async document(sha256: string): Promise<{ status: string; receipt?: ReceiptV1 }> {
    const response = await this.fetch(`/api/v1/documents/${sha256}`);
    expect(response.status, `GET document ${sha256}`).to.equal(200);
    return (await response.json()) as { status: string; receipt?: ReceiptV1 };
  }

  async health(): Promise<{ status: number; body: { checks: Record<string, { status: string; output?: string }> } }> {
    const response = await this.fetch("/healthz");
    return { status: response.status, body: (await response.json()) as never };
  }

  /** Waits until every digest is anchored and returns their receipts. */
  async anchored(digests: readonly string[], timeoutMs = 60_000, whileWaiting?: () => Promise<void>) {
    const receipts = new Map<string, ReceiptV1>();
    await poll(
      `${digests.length} documents to be anchored`,
      async () => {
        await whileWaiting?.();
        for (const digest of digests) {
          if (receipts.has(digest)) continue;
          const view = await this.document(digest);
          if (view.status !== "anchored") return undefined;
          receipts.set(digest, view.receipt!);
        }
        return true;
      },
      timeoutMs,
      200,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${this.log}`);
    });
    return receipts;
  }
}

/** Submits each digest and returns those acknowledged with 202. */
export async function notarizeAll(service: ServiceProcess, digests: readonly string[]): Promise<string[]> {
  const acknowledged: string[] = [];
  for (const digest of digests) {
    const response = await service.notarize(digest);
    expect(response.status, await response.clone().text()).to.equal(202);
    acknowledged.push(digest);
  }
  return acknowledged;
}

/** Expects an RFC 9457 problem of `type` with `status`, and returns its body. */
export async function expectProblem(response: Response, status: number, type: string) {
  const text = await response.text();
  expect(response.status, text).to.equal(status);
  expect(response.headers.get("content-type")).to.match(/^application\/problem\+json/);
  const body = JSON.parse(text) as { type: string; status: number; detail: string };
  expect(body.type).to.equal(`urn:docproof:problem:${type}`);
  expect(body.status).to.equal(status);
  return body;
}

/**
 * Checks the end state against the chain itself: every digest is in exactly one anchoring by the
 * registrar, the registrar sent nothing but those anchorings (after `otherTransactions`, such as
 * the deployment), and each receipt verifies through the service and through the registry.
 */
export async function expectAnchoredOnce(
  node: AnvilNode,
  service: ServiceProcess,
  registryAddress: string,
  receipts: Map<string, ReceiptV1>,
  otherTransactions = 1,
): Promise<void> {
  const provider = node.provider();
  try {
    const registry = new RegistryClient(provider, registryAddress, node.chainId);
    const anchorings = await registry.anchorings(REGISTRAR.address);
    const times = new Map<string, number>();
    for (const anchoring of anchorings) {
      for (const digest of anchoring.digests) times.set(digest, (times.get(digest) ?? 0) + 1);
    }
    for (const digest of receipts.keys()) {
      expect(times.get(toBytes32(digest as Sha256Hex)), `anchorings of ${digest}`).to.equal(1);
    }
    expect(new Set(anchorings.map((a) => a.txHash)).size).to.equal(anchorings.length);
    expect(await node.registrarNonce(), "transactions sent by the registrar").to.equal(
      otherTransactions + anchorings.length,
    );

    const contract = DocumentRegistry__factory.connect(registryAddress, provider);
    for (const [digest, receipt] of receipts) {
      const response = await service.verify(digest, receipt);
      const verdict = (await response.json()) as { valid: boolean; status: string };
      expect(response.status).to.equal(200);
      expect(verdict).to.include({ valid: true, status: "anchored" });
      const [status] = await contract.verify(toBytes32(digest as Sha256Hex), receipt.merkleRoot, receipt.proof);
      expect(status, `on-chain verdict for ${digest}`).to.equal(ANCHORED);
      const transaction = await provider.getTransactionReceipt(receipt.txHash);
      expect(transaction?.blockNumber).to.equal(receipt.blockNumber);
    }
  } finally {
    provider.destroy();
  }
}
