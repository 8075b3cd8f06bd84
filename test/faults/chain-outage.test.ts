import { expect } from "chai";
import { randomInt } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ReceiptV1 } from "../../server/proof/receipt";
import {
  AnvilNode,
  expectAnchoredOnce,
  expectProblem,
  notarizeAll,
  randomSha,
  ServiceProcess,
} from "../support/service-process";
import { poll } from "../support/processes";

const RPC_TIMEOUT_MS = 1_500;

describe("the chain node stops and comes back (real processes)", function () {
  this.timeout(180_000);
  let workDir: string;
  let nodeArgs: string[];
  let node: AnvilNode;
  let service: ServiceProcess;
  let registryAddress: string;
  let anchoredBefore: Map<string, ReceiptV1>;
  let backlog: string[];

  before(async function () {
    workDir = mkdtempSync(path.join(tmpdir(), "docproof-outage-"));
    // The same genesis time on every start keeps Anvil's reloaded genesis block the same (docs/operations.md).
    const genesisTime = String(Math.floor(Date.now() / 1000));
    nodeArgs = ["--state", path.join(workDir, "chain-state.json"), "--timestamp", genesisTime];
    node = await AnvilNode.create(700_000 + randomInt(100_000));
    await node.start(nodeArgs);
    registryAddress = await node.deployRegistry();
    service = await ServiceProcess.create({
      rpcUrl: node.rpcUrl,
      registryAddress,
      dataDir: path.join(workDir, "data"),
      batchIntervalMs: 200,
      rpcTimeoutMs: RPC_TIMEOUT_MS,
    });
    await service.start();
    anchoredBefore = await service.anchored(await notarizeAll(service, [randomSha(), randomSha()]));
    await node.stop();
  });

  after(async function () {
    if (node?.node !== undefined && !node.node.hasExited) process.kill(node.node.pid, "SIGCONT");
    await service?.stop();
    await node?.stop();
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  describe("while the node is down", function () {
    it("reports unhealthy at /healthz, saying the chain is unreachable", async function () {
      const health = await service.health();
      expect(health.status).to.equal(503);
      expect(health.body.checks.chain.status).to.equal("fail");
      expect(health.body.checks.chain.output).to.match(/unreachable/i);
      expect(health.body.checks.store.status).to.equal("pass");
    });

    it("keeps accepting documents into the durable queue", async function () {
      backlog = await notarizeAll(service, Array.from({ length: 6 }, randomSha));
      for (const digest of backlog) expect((await service.document(digest)).status).to.equal("pending");
    });

    it("pauses anchoring, with the backlog kept", async function () {
      await poll("the anchorer to try and pause", async () =>
        service.logEntries().some((e) => e.message === "anchoring paused; will retry") ? true : undefined,
      );
      for (const digest of backlog) expect((await service.document(digest)).status).to.equal("pending");
    });

    it("answers verification with 503 chain-unavailable and Retry-After, at once", async function () {
      const [digest, receipt] = [...anchoredBefore][0];
      for (const request of [() => service.verify(digest, receipt), () => service.verify(digest)]) {
        const started = Date.now();
        const response = await request();
        expect(Date.now() - started, "time to answer").to.be.below(5_000);
        await expectProblem(response, 503, "chain-unavailable");
        expect(Number(response.headers.get("retry-after"))).to.be.above(0);
      }
    });

    it("still serves what it recorded: documents and receipts", async function () {
      const [digest, receipt] = [...anchoredBefore][0];
      expect((await service.document(digest)).receipt).to.deep.equal(receipt);
      expect((await service.fetch(`/api/v1/documents/${digest}/receipt`)).status).to.equal(200);
    });
  });

  describe("when the node is back with its state", function () {
    it("anchors the backlog without a restart of the service, and reports healthy again", async function () {
      const pid = service.process!.pid;
      await node.start(nodeArgs);
      const receipts = await service.anchored(backlog);
      expect(service.process!.pid).to.equal(pid);
      expect(service.process!.hasExited).to.equal(false);
      await poll("/healthz to pass", async () => ((await service.health()).status === 200 ? true : undefined));

      for (const [digest, receipt] of anchoredBefore) receipts.set(digest, receipt);
      await expectAnchoredOnce(node, service, registryAddress, receipts);
    });

    it("logged the outage and the recovery", function () {
      const messages = service.logEntries().map((entry) => `${entry.level} ${entry.message}`);
      expect(messages).to.include("warn the chain is unreachable: documents stay queued until it answers");
      expect(messages).to.include("info the chain answers again and is the expected one");
      expect(
        messages.filter((m) => /WRONG CHAIN/.test(m)),
        "a node back with its state is the same chain",
      ).to.deep.equal([]);
    });
  });

  describe("when the node hangs (connections accepted, never answered)", function () {
    let hung: string[];

    before(function () {
      process.kill(node.node!.pid, "SIGSTOP");
    });

    it("reports unhealthy and refuses verification within RPC_TIMEOUT_MS, and keeps accepting", async function () {
      let started = Date.now();
      const health = await service.health();
      expect(Date.now() - started, "time to answer /healthz").to.be.below(RPC_TIMEOUT_MS + 3_000);
      expect(health.status).to.equal(503);
      expect(health.body.checks.chain.output).to.match(/unreachable/i);

      const [digest, receipt] = [...anchoredBefore][0];
      started = Date.now();
      await expectProblem(await service.verify(digest, receipt), 503, "chain-unavailable");
      expect(Date.now() - started, "time to answer verify").to.be.below(RPC_TIMEOUT_MS + 3_000);

      hung = await notarizeAll(service, Array.from({ length: 3 }, randomSha));
    });

    it("anchors what it accepted once the node answers again", async function () {
      process.kill(node.node!.pid, "SIGCONT");
      const receipts = await service.anchored(hung);
      await poll("/healthz to pass", async () => ((await service.health()).status === 200 ? true : undefined));
      expect(receipts.size).to.equal(3);
    });
  });
});
