import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import request from "supertest";
import { DocumentRegistry__factory } from "../../../typechain-types";
import { toBytes32, type Sha256Hex } from "../../../server/proof/digest";
import { buildBatch } from "../../../server/proof/merkle";
import { DocumentStore } from "../../../server/store/document-store";
import { reindex } from "../../../server/service/reindex";
import { devAccount } from "../../support/dev-accounts";
import { openTestService, TestChain, type ServiceHarness } from "../service-fixture";

const randomSha = () => randomBytes(32).toString("hex") as Sha256Hex;

describe("service restarts", function () {
  this.timeout(120_000);
  const chain = new TestChain();
  const open: ServiceHarness[] = [];

  before(async () => {
    await chain.start();
  });
  after(async () => {
    for (const harness of open) await harness.service.close().catch(() => undefined);
    await chain.stop();
  });

  async function start(overrides: Parameters<typeof openTestService>[1] = {}) {
    const harness = await openTestService(chain, overrides);
    open.push(harness);
    return harness;
  }

  /** Queues digests in a store and prepares their batch, as the anchorer does before sending. */
  function prepare(harness: ServiceHarness, count: number) {
    const digests = Array.from({ length: count }, randomSha);
    harness.service.store.acceptMany(digests.map((sha256) => ({ sha256, acceptedAtMs: Date.now() })));
    const batch = buildBatch(digests.map(toBytes32));
    const record = harness.service.store.prepareBatch(batch.root, digests, Date.now());
    return { digests, batch, record };
  }

  /** Sends the batch's transaction directly, as a crashed service would have. */
  async function sendOutsideService(batch: ReturnType<typeof buildBatch>, registryAddress: string) {
    const provider = chain.provider();
    try {
      const registry = DocumentRegistry__factory.connect(registryAddress, devAccount(0).connect(provider));
      const tx = await registry.anchorBatch(batch.root, [...batch.digests]);
      await tx.wait();
      return tx;
    } finally {
      provider.destroy();
    }
  }

  async function nonce() {
    const provider = chain.provider();
    try {
      return await provider.getTransactionCount(devAccount(0).address, "latest");
    } finally {
      provider.destroy();
    }
  }

  async function reopen(harness: ServiceHarness) {
    await harness.service.close();
    return start({ dataDir: harness.dataDir, registryAddress: harness.registryAddress });
  }

  describe("when a batch was prepared but never sent", function () {
    it("sends it after the restart and anchors every member", async function () {
      const first = await start();
      const { digests } = prepare(first, 5);
      const restarted = await reopen(first);
      await restarted.service.anchorer.runOnce();
      for (const digest of digests) {
        const response = await request(restarted.service.app).get(`/api/v1/documents/${digest}`).expect(200);
        expect(response.body.status).to.equal("anchored");
      }
    });
  });

  describe("when the transaction was sent and recorded, but its result was not", function () {
    it("completes the batch from the chain without sending again", async function () {
      const first = await start();
      const { digests, batch, record } = prepare(first, 4);
      const tx = await sendOutsideService(batch, first.registryAddress);
      first.service.store.markSent(record.id, tx.hash as `0x${string}`);
      const restarted = await reopen(first);
      const nonceBefore = await nonce();
      await restarted.service.anchorer.runOnce();
      expect(await nonce()).to.equal(nonceBefore);
      const response = await request(restarted.service.app).get(`/api/v1/documents/${digests[0]}`).expect(200);
      expect(response.body.receipt.txHash).to.equal(tx.hash);
    });
  });

  describe("when the transaction was sent but the service died before recording it", function () {
    it("finds the anchoring on chain by its root and does not anchor twice", async function () {
      const first = await start();
      const { digests, batch } = prepare(first, 3);
      const tx = await sendOutsideService(batch, first.registryAddress);
      const restarted = await reopen(first);
      const nonceBefore = await nonce();
      await restarted.service.anchorer.runOnce();
      expect(await nonce()).to.equal(nonceBefore);
      const anchorings = await restarted.service.registry.anchorings();
      expect(anchorings.filter((a) => a.root === batch.root)).to.have.length(1);
      const response = await request(restarted.service.app).get(`/api/v1/documents/${digests[2]}`).expect(200);
      expect(response.body).to.include({ status: "anchored" });
      expect(response.body.receipt.txHash).to.equal(tx.hash);
    });
  });

  describe("reindex", function () {
    it("rebuilds a deleted store from chain data alone, with byte-identical receipts", async function () {
      const first = await start({ batchMax: 10 });
      const digests = Array.from({ length: 25 }, randomSha);
      for (const digest of digests) {
        await request(first.service.app).post("/api/v1/documents").send({ sha256: digest }).expect(202);
      }
      await first.service.anchorer.runOnce();
      await request(first.service.app).post(`/api/v1/documents/${digests[7]}/revoke`).send({ reason: 3 }).expect(200);
      const receiptsBefore = await Promise.all(
        digests.map(async (d) => (await request(first.service.app).get(`/api/v1/documents/${d}/receipt`)).text),
      );
      await first.service.close();
      rmSync(first.dataDir, { recursive: true, force: true });

      const store = DocumentStore.open(first.dataDir);
      const rebuilt = await start({ dataDir: first.dataDir, registryAddress: first.registryAddress });
      store.close();
      const counts = await reindex(rebuilt.service.indexer, rebuilt.service.store);
      expect(counts).to.deep.equal({ batches: 3, documents: 25, revocations: 1 });
      const receiptsAfter = await Promise.all(
        digests.map(async (d) => (await request(rebuilt.service.app).get(`/api/v1/documents/${d}/receipt`)).text),
      );
      expect(receiptsAfter).to.deep.equal(receiptsBefore);
      const revoked = await request(rebuilt.service.app).get(`/api/v1/documents/${digests[7]}`).expect(200);
      expect(revoked.body.status).to.equal("revoked");
      expect(revoked.body.revocation.reason).to.equal(3);
    });
  });

  describe("start-up checks", function () {
    it("refuses a registry address without code", async function () {
      const error = await openTestService(chain, { registryAddress: devAccount(5).address }).catch((e: Error) => e);
      expect(error).to.be.instanceOf(Error);
      expect((error as Error).message).to.match(/No contract at 0x[0-9a-fA-F]{40} on chain \d+/);
    });

    it("refuses a store that belongs to another registry", async function () {
      const first = await start();
      await first.service.close();
      const error = await openTestService(chain, { dataDir: first.dataDir }).catch((e: Error) => e);
      expect((error as Error).message).to.match(/The store in .* belongs to registry/);
    });

    it("refuses a key that is not a registrar", async function () {
      const error = await openTestService(chain, { privateKey: devAccount(7).privateKey }).catch((e: Error) => e);
      expect((error as Error).message).to.include(`${devAccount(7).address} is not a registrar`);
    });
  });
});
