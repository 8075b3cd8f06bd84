import { expect } from "chai";
import { randomInt } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ReceiptV1 } from "../../server/proof/receipt";
import {
  AnvilNode,
  expectAnchoredOnce,
  notarizeAll,
  randomSha,
  REGISTRAR,
  rpc,
  ServiceProcess,
} from "../support/service-process";
import { poll } from "../support/processes";

describe("the service killed with SIGKILL (real processes)", function () {
  this.timeout(180_000);
  let node: AnvilNode;
  let service: ServiceProcess;
  let registryAddress: string;
  let dataDir: string;

  async function setUp(batchIntervalMs: number, batchMax?: number) {
    node = await AnvilNode.create(700_000 + randomInt(100_000));
    await node.start();
    registryAddress = await node.deployRegistry();
    dataDir = mkdtempSync(path.join(tmpdir(), "docproof-crash-"));
    service = await ServiceProcess.create({ rpcUrl: node.rpcUrl, registryAddress, dataDir, batchIntervalMs, batchMax });
    await service.start();
  }

  async function tearDown() {
    await service?.stop();
    await node?.stop();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  }

  describe("while documents are queued", function () {
    before(() => setUp(600_000)); // no batch before the kill: everything stays queued
    after(tearDown);

    it("anchors every acknowledged document exactly once after the restart", async function () {
      const acknowledged: string[] = [];
      const unanswered: string[] = [];
      let killed: Promise<void> | undefined;
      // Four clients submit at once; the service is killed under them after 30 acknowledgements.
      const client = async () => {
        for (;;) {
          const digest = randomSha();
          const response = await service.notarize(digest).catch(() => undefined);
          if (response === undefined) {
            unanswered.push(digest);
            return;
          }
          expect(response.status).to.equal(202);
          acknowledged.push(digest);
          if (acknowledged.length === 30) killed = service.kill();
        }
      };
      await Promise.all([client(), client(), client(), client()]);
      await killed;
      expect(acknowledged.length).to.be.at.least(30);
      expect(await node.registrarNonce(), "nothing was sent before the kill").to.equal(1);

      await service.start({ batchIntervalMs: 200 });
      const receipts = await service.anchored(acknowledged);
      // A request cut off by the kill may or may not have been committed; if it was, it is anchored once too.
      for (const digest of unanswered) {
        const response = await service.fetch(`/api/v1/documents/${digest}`);
        if (response.status === 404) continue;
        const [receipt] = (await service.anchored([digest])).values();
        receipts.set(digest, receipt);
      }
      await expectAnchoredOnce(node, service, registryAddress, receipts);
    });
  });

  describe("while a batch transaction is in flight", function () {
    before(async () => {
      await setUp(200);
      await rpc(node.rpcUrl, "evm_setAutomine", [false]); // transactions wait in the pool until mined by hand
    });
    after(tearDown);

    it("completes the sent batch without sending it again, then anchors the rest, each exactly once", async function () {
      const first = await notarizeAll(service, Array.from({ length: 5 }, randomSha));
      const pending = await poll("the batch transaction to be in the pool", async () => {
        const pool = await rpc<{ pending: Record<string, Record<string, { hash: string }>> }>(
          node.rpcUrl,
          "txpool_content",
        );
        const own = Object.entries(pool.pending).find(
          ([from]) => from.toLowerCase() === REGISTRAR.address.toLowerCase(),
        );
        return own === undefined ? undefined : Object.values(own[1]);
      });
      expect(pending).to.have.length(1);
      const inFlight = pending[0].hash;
      // These wait behind the unconfirmed transaction: one transaction in flight per key.
      const second = await notarizeAll(service, Array.from({ length: 5 }, randomSha));

      await service.kill();
      expect(await node.registrarNonce(), "the batch transaction is still unconfirmed").to.equal(1);

      await service.start();
      const receipts: Map<string, ReceiptV1> = await service.anchored([...first, ...second], 90_000, async () => {
        await rpc(node.rpcUrl, "evm_mine");
      });
      for (const digest of first) expect(receipts.get(digest)!.txHash, digest).to.equal(inFlight);
      for (const digest of second) expect(receipts.get(digest)!.txHash, digest).to.not.equal(inFlight);
      await expectAnchoredOnce(node, service, registryAddress, receipts);
    });
  });

  describe("while three batch transactions are in flight", function () {
    before(async () => {
      await setUp(600_000, 4); // batches of 4, anchored only when the test says
      await rpc(node.rpcUrl, "evm_setAutomine", [false]); // transactions wait in the pool until mined by hand
    });
    after(tearDown);

    it("completes all three after the restart without sending any again, each document anchored once", async function () {
      // Twelve documents in one request: the queue holds three full batches at once, and the anchorer
      // sends all three before any is mined.
      const digests = Array.from({ length: 12 }, randomSha);
      const accepted = await service.fetch("/api/v1/documents", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ sha256: digests }),
      });
      expect(accepted.status).to.equal(202);
      const pending = await poll("three batch transactions in the pool", async () => {
        const pool = await rpc<{ pending: Record<string, Record<string, { hash: string }>> }>(
          node.rpcUrl,
          "txpool_content",
        );
        const own = Object.entries(pool.pending).find(
          ([from]) => from.toLowerCase() === REGISTRAR.address.toLowerCase(),
        );
        const hashes = own === undefined ? [] : Object.values(own[1]).map((tx) => tx.hash);
        return hashes.length === 3 ? hashes : undefined;
      }).catch((error: Error) => {
        throw new Error(
          `${error.message}\n${service.log
            .split("\n")
            .filter((l) => !l.includes("request completed"))
            .join("\n")}`,
        );
      });

      await service.kill();
      expect(await node.registrarNonce(), "none of them is mined").to.equal(1);

      await service.start({ batchIntervalMs: 200 });
      const receipts: Map<string, ReceiptV1> = await service.anchored(digests, 90_000, async () => {
        await rpc(node.rpcUrl, "evm_mine");
      });
      expect(new Set([...receipts.values()].map((r) => r.txHash))).to.deep.equal(new Set(pending));
      expect(await node.registrarNonce(), "no transaction sent twice").to.equal(4);
      await expectAnchoredOnce(node, service, registryAddress, receipts);
    });
  });
});
