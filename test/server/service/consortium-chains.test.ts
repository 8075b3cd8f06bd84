import { expect } from "chai";
import { JsonRpcProvider, Network } from "ethers";
import { randomInt } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import request from "supertest";
import type { Sha256Hex } from "../../../server/proof/digest";
import { randomSha } from "../../support/service-process";
import { devAccount } from "../../support/dev-accounts";
import { freePort, poll, startAnvil, waitForRpc, type ManagedProcess } from "../../support/processes";
import { deployRegistryAt, openTestService, TestChain, type ServiceHarness } from "../service-fixture";

/**
 * Consortium chains (Clique, QBFT, IBFT 2.0 networks of Besu, GoQuorum, Geth) behave unlike dev
 * nodes: blocks on a timer, free gas without EIP-1559, reorganisations. Each behaviour is imitated
 * on Anvil and the whole service run on it.
 */
describe("the service on chains that behave like consortium networks (Anvil)", function () {
  this.timeout(240_000);

  async function rpc<T>(chain: TestChain, method: string, params: unknown[] = []): Promise<T> {
    const response = await fetch(chain.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = (await response.json()) as { result: T; error?: { message: string } };
    if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  }

  async function submit(harness: ServiceHarness, sha256: Sha256Hex) {
    await request(harness.service.app).post("/api/v1/documents").send({ sha256 }).expect(202);
  }

  async function documentOf(harness: ServiceHarness, sha256: Sha256Hex) {
    return request(harness.service.app).get(`/api/v1/documents/${sha256}`);
  }

  async function verifyWith(harness: ServiceHarness, sha256: Sha256Hex, receipt?: unknown) {
    const response = await request(harness.service.app)
      .post("/api/v1/verify")
      .send(receipt === undefined ? { sha256 } : { sha256, receipt })
      .expect(200);
    return response.body as { status: string; valid: boolean; reason?: string; supersededBy?: { txHash: string } };
  }

  describe("when blocks are sealed on a timer (1 s), as Clique, QBFT and IBFT 2.0 do", function () {
    const chain = new TestChain();
    let harness: ServiceHarness;
    before(async () => {
      await chain.start(["--block-time", "1"]);
      harness = await openTestService(chain, { confirmations: 2 });
    });
    after(async () => {
      await harness?.close();
      await chain.stop();
    });

    it("anchors with two confirmations, and the index of the whole registry finds it", async function () {
      const sha256 = randomSha();
      await submit(harness, sha256);
      await harness.service.anchorer.runOnce();
      const view = await documentOf(harness, sha256);
      expect(view.body.status).to.equal("anchored");
      const receipt = view.body.receipt;
      await poll("the block to be final for the index", async () => {
        await harness.service.indexer.runOnce();
        return harness.service.store.index.anchoringsOf(sha256).length > 0 ? true : undefined;
      });
      expect(harness.service.store.index.anchoringsOf(sha256)[0]).to.include({
        txHash: receipt.txHash,
        blockNumber: receipt.blockNumber,
      });
      expect((await verifyWith(harness, sha256, receipt)).status).to.equal("anchored");
    });
  });

  describe("when gas is free and the chain has no EIP-1559 (berlin, gas price 0), as many Besu and GoQuorum networks", function () {
    const chain = new TestChain();
    let harness: ServiceHarness;
    let provider: JsonRpcProvider;
    before(async () => {
      await chain.start(["--hardfork", "berlin", "--gas-price", "0", "--base-fee", "0"]);
      harness = await openTestService(chain);
      provider = new JsonRpcProvider(chain.rpcUrl, Network.from(chain.chainId), { staticNetwork: true });
    });
    after(async () => {
      provider?.destroy();
      await harness?.close();
      await chain.stop();
    });

    it("anchors with legacy transactions that cost the registrar nothing", async function () {
      const registrar = devAccount(0).address;
      const before = await provider.getBalance(registrar);
      const digests = [randomSha(), randomSha(), randomSha()];
      for (const sha256 of digests) await submit(harness, sha256);
      await harness.service.anchorer.runOnce();
      const receipt = (await documentOf(harness, digests[0])).body.receipt;
      const tx = await provider.getTransaction(receipt.txHash);
      expect(tx?.type, "a legacy transaction").to.equal(0);
      expect(tx?.gasPrice).to.equal(0n);
      expect(await provider.getBalance(registrar)).to.equal(before);
      for (const sha256 of digests) expect((await verifyWith(harness, sha256)).status).to.equal("anchored");
    });
  });

  describe("when the chain reorganises less deeply than CONFIRMATIONS", function () {
    const chain = new TestChain();
    let harness: ServiceHarness;
    before(async () => {
      await chain.start();
      harness = await openTestService(chain, { confirmations: 3 });
    });
    after(async () => {
      await harness?.close();
      await chain.stop();
    });

    it("never shows the document anchored in the block that disappears, and anchors it once on the surviving chain", async function () {
      const sha256 = randomSha();
      await submit(harness, sha256);
      const firstRun = harness.service.anchorer.runOnce();
      // The batch transaction is mined (automine) but waits for two more blocks to be confirmed.
      const sent = await poll("the batch transaction to be mined", async () => {
        const batch = harness.service.store.document(sha256)?.batch;
        if (batch?.txHash === undefined) return undefined;
        return (await rpc<unknown>(chain, "eth_getTransactionReceipt", [batch.txHash])) === null
          ? undefined
          : batch.txHash;
      });
      await rpc(chain, "anvil_reorg", [1, []]);
      expect(
        (await rpc<unknown>(chain, "eth_getTransactionReceipt", [sent])) === null,
        "the reorganisation dropped it",
      ).to.equal(true);
      await firstRun;
      expect((await documentOf(harness, sha256)).body.status, "not anchored on a block that is gone").to.equal(
        "pending",
      );

      // The next run sends the batch again; blocks keep coming until it is confirmed.
      const mining = setInterval(() => void rpc(chain, "evm_mine").catch(() => undefined), 200);
      try {
        await poll("the batch to be anchored again", async () => {
          await harness.service.anchorer.runOnce();
          return (await documentOf(harness, sha256)).body.status === "anchored" ? true : undefined;
        });
      } finally {
        clearInterval(mining);
      }
      const receipt = (await documentOf(harness, sha256)).body.receipt;
      const block = await rpc<{ hash: string } | null>(chain, "eth_getBlockByNumber", [
        `0x${receipt.blockNumber.toString(16)}`,
        false,
      ]);
      expect(block, "the receipt's block is on the chain").to.not.equal(null);
      const mined = await rpc<{ blockNumber: string; status: string } | null>(chain, "eth_getTransactionReceipt", [
        receipt.txHash,
      ]);
      expect(Number(mined!.blockNumber)).to.equal(receipt.blockNumber);
      expect(mined!.status).to.equal("0x1");
      const anchorings = await harness.service.registry.anchorings();
      expect(
        anchorings.filter((a) => a.root === receipt.merkleRoot),
        "anchored once",
      ).to.have.length(1);
      expect((await verifyWith(harness, sha256, receipt)).status).to.equal("anchored");
    });
  });

  describe("when the chain is rolled back deeper than CONFIRMATIONS", function () {
    const chain = new TestChain();
    let harness: ServiceHarness;
    before(async () => {
      await chain.start();
      harness = await openTestService(chain);
    });
    after(async () => {
      await harness?.close();
      await chain.stop();
    });

    it("notices, answers 503 chain-rolled-back while it anchors the document again, and calls the old receipt superseded, not forged", async function () {
      const sha256 = randomSha();
      await submit(harness, sha256);
      await harness.service.anchorer.runOnce();
      const old = (await documentOf(harness, sha256)).body.receipt;
      await harness.service.indexer.runOnce();
      // Extra blocks on top, then a rollback to below the anchoring.
      await rpc(chain, "evm_mine");
      await rpc(chain, "evm_mine");
      const head = Number(await rpc<string>(chain, "eth_blockNumber"));
      await rpc(chain, "anvil_rollback", [head - old.blockNumber + 1]);
      // Another member's block first, where the anchoring was: noticing the rollback sets the service
      // anchoring the document again at once, which must land in a later block than before.
      await rpc(chain, "evm_mine");

      await harness.service.indexer.runOnce();
      const rolledBack = harness.logs
        .map((line) => JSON.parse(line))
        .find((e) => e.message.startsWith("CHAIN ROLLED BACK"));
      expect(rolledBack, "logged").to.include({ level: "error" });
      const refused = await documentOf(harness, sha256);
      expect(refused.status).to.equal(503);
      expect(refused.body.type).to.equal("urn:docproof:problem:chain-rolled-back");
      expect((await verifyWith(harness, sha256, old)).status).to.equal("receipt-superseded");

      await harness.service.anchorer.runOnce();
      const now = (await documentOf(harness, sha256)).body;
      expect(now.status).to.equal("anchored");
      const fresh = await verifyWith(harness, sha256, now.receipt);
      expect(fresh.status, fresh.reason).to.equal("anchored");
      const superseded = await verifyWith(harness, sha256, old);
      expect(now.receipt.blockNumber).to.be.greaterThan(old.blockNumber);
      expect(superseded.status).to.equal("receipt-superseded");
      expect(superseded.valid).to.equal(false);
      expect(superseded.reason).to.match(/rollback of the chain/);
      expect(superseded.supersededBy).to.include({ txHash: now.receipt.txHash });
    });
  });

  describe("when the node is restored from an older snapshot", function () {
    let port: number;
    let node: ManagedProcess;
    const chainId = 650_000 + randomInt(50_000);
    const scratch = mkdtempSync(path.join(tmpdir(), "docproof-snapshot-"));
    const snapshotChain = {
      name: "an Anvil node restored from a snapshot",
      rpcUrl: "",
      chainId,
      start: async () => {},
      stop: async () => {},
      deployRegistry: () => deployRegistryAt(snapshotChain.rpcUrl, chainId),
      serviceProvider: () => undefined,
    };
    let harness: ServiceHarness;
    before(async () => {
      port = await freePort();
      snapshotChain.rpcUrl = `http://127.0.0.1:${port}`;
      node = startAnvil(port, chainId);
      await waitForRpc(snapshotChain.rpcUrl, node);
      harness = await openTestService(snapshotChain);
    });
    after(async () => {
      await harness?.close();
      await node?.stop();
      rmSync(scratch, { recursive: true, force: true });
    });

    it("notices the missing blocks though the genesis is the same, and anchors the lost documents again", async function () {
      const kept = randomSha();
      await submit(harness, kept);
      await harness.service.anchorer.runOnce();
      const call = (method: string, params: unknown[] = []) =>
        rpc<string>({ rpcUrl: snapshotChain.rpcUrl } as TestChain, method, params);
      // The snapshot an operator took, before the next document was anchored.
      const dump = await call("anvil_dumpState");
      const snapshot = path.join(scratch, "state.json");
      writeFileSync(snapshot, gunzipSync(Buffer.from(dump.slice(2), "hex")));
      const lost = randomSha();
      await submit(harness, lost);
      await harness.service.anchorer.runOnce();
      const lostReceipt = (await documentOf(harness, lost)).body.receipt;
      await harness.service.indexer.runOnce();

      await node.stop();
      node = startAnvil(port, chainId, ["--load-state", snapshot]);
      await waitForRpc(snapshotChain.rpcUrl, node);
      await harness.service.indexer.runOnce();

      const logged = harness.logs
        .map((line) => JSON.parse(line))
        .find((e) => e.message.startsWith("CHAIN ROLLED BACK"));
      expect(logged, "the rollback is logged").to.include({ level: "error" });
      expect((await documentOf(harness, kept)).body.status, "a document in the snapshot stays anchored").to.equal(
        "anchored",
      );
      expect((await documentOf(harness, lost)).status).to.equal(503);
      await harness.service.anchorer.runOnce();
      const again = (await documentOf(harness, lost)).body;
      expect(again.status).to.equal("anchored");
      expect((await verifyWith(harness, lost, again.receipt)).status).to.equal("anchored");
      expect((await verifyWith(harness, lost, lostReceipt)).status).to.be.oneOf(["receipt-superseded", "anchored"]);
    });
  });
});
