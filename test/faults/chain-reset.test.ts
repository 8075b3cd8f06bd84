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

describe("the chain reset under the service (real processes)", function () {
  this.timeout(180_000);
  // A fixed genesis time makes a fresh node's genesis block identical to the original's; the
  // original gets it on every start too (see docs/operations.md on Anvil's --state).
  const genesisTime = String(Math.floor(Date.now() / 1000) - 3600);
  let workDir: string;
  let original: string[];
  let node: AnvilNode;
  let service: ServiceProcess;
  let registryAddress: string;
  let genesisHash: string;
  const receipts = new Map<string, ReceiptV1>();
  let queued: string[];
  let refusalsLogged = 0;

  const anchoringRefusals = () =>
    service.logEntries().filter((entry) => entry.message === "anchoring stopped: wrong chain; documents stay queued")
      .length;

  before(async function () {
    workDir = mkdtempSync(path.join(tmpdir(), "docproof-reset-"));
    original = ["--state", path.join(workDir, "chain-state.json"), "--timestamp", genesisTime];
    node = await AnvilNode.create(700_000 + randomInt(100_000));
    await node.start(original);
    genesisHash = await node.genesisHash();
    registryAddress = await node.deployRegistry();
    service = await ServiceProcess.create({
      rpcUrl: node.rpcUrl,
      registryAddress,
      dataDir: path.join(workDir, "data"),
      batchIntervalMs: 200,
    });
    await service.start();
    for (const [digest, receipt] of await service.anchored(await notarizeAll(service, [randomSha(), randomSha()]))) {
      receipts.set(digest, receipt);
    }
  });

  after(async function () {
    await service?.stop();
    await node?.stop();
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  /** Stops the original node, queues documents while it is down, and starts a fresh node in its place. */
  async function replaceNode(freshArgs: string[]) {
    refusalsLogged = anchoringRefusals();
    await node.stop();
    queued = await notarizeAll(service, Array.from({ length: 4 }, randomSha));
    await node.start(freshArgs);
  }

  async function expectDetected(reason: RegExp) {
    const health = await poll("/healthz to report the wrong chain", async () => {
      const result = await service.health();
      return result.status === 503 && result.body.checks.registry.status === "fail" ? result : undefined;
    });
    expect(health.body.checks.chain.status).to.equal("pass");
    expect(health.body.checks.registry.output).to.match(reason);
    const loud = service
      .logEntries()
      .filter((entry) => entry.level === "error" && entry.message === "WRONG CHAIN: refusing to anchor or verify");
    expect(loud.map((entry) => (entry.error as { message: string }).message)).to.satisfy((messages: string[]) =>
      messages.some((message) => reason.test(message)),
    );
  }

  async function expectRefusals() {
    const [digest, receipt] = [...receipts][0];
    await expectProblem(await service.verify(digest, receipt), 503, "chain-mismatch");
    await expectProblem(await service.verify(digest), 503, "chain-mismatch");
    await expectProblem(await service.notarize(randomSha()), 503, "chain-mismatch");
  }

  async function expectNothingAnchored(registrarTransactions: number) {
    await poll("the anchorer to refuse the chain", async () =>
      anchoringRefusals() > refusalsLogged ? true : undefined,
    );
    expect(await node.registrarNonce()).to.equal(registrarTransactions);
    for (const digest of queued) expect((await service.document(digest)).status).to.equal("pending");
  }

  async function restoreOriginal() {
    await node.stop();
    await node.start(original);
    expect(await node.genesisHash()).to.equal(genesisHash);
    for (const [digest, receipt] of await service.anchored(queued)) receipts.set(digest, receipt);
    await poll("/healthz to pass", async () => ((await service.health()).status === 200 ? true : undefined));
    await expectAnchoredOnce(node, service, registryAddress, receipts);
  }

  describe("when the registry's code is gone (a fresh node with the same genesis block)", function () {
    before(async function () {
      await replaceNode(["--timestamp", genesisTime]);
      expect(await node.genesisHash()).to.equal(genesisHash);
      expect(await node.code(registryAddress)).to.equal("0x");
    });

    it("detects it, reports unhealthy and logs it at error level", async function () {
      await expectDetected(/no registry code at/);
    });

    it("refuses to verify and to notarize with 503 chain-mismatch", async function () {
      await expectRefusals();
    });

    it("anchors nothing on it and keeps the queued documents", async function () {
      await expectNothingAnchored(0);
    });

    it("anchors the queued documents, exactly once, when the right chain is back", async function () {
      await restoreOriginal();
    });
  });

  describe("when the genesis block differs (a fresh node, the registry redeployed at the same address)", function () {
    before(async function () {
      await replaceNode([]);
      expect(await node.genesisHash()).to.not.equal(genesisHash);
      // The same deployer at the same nonce: the same address, and the service's key is a registrar there too.
      expect(await node.deployRegistry()).to.equal(registryAddress);
    });

    it("detects it, reports unhealthy and logs it at error level", async function () {
      await expectDetected(/genesis block 0x[0-9a-f]{64} instead of/);
    });

    it("refuses to verify and to notarize with 503 chain-mismatch", async function () {
      await expectRefusals();
    });

    it("anchors nothing on it and keeps the queued documents", async function () {
      await expectNothingAnchored(1); // the deployment
    });

    it("anchors the queued documents, exactly once, when the right chain is back", async function () {
      await restoreOriginal();
    });
  });
});
