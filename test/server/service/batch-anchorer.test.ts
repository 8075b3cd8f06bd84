import { expect } from "chai";
import { DocproofError } from "../../../server/errors";
import { silentLogger, type Logger } from "../../../server/logger";
import { toBytes32, type Sha256Hex } from "../../../server/proof/digest";
import { buildBatch } from "../../../server/proof/merkle";
import { BatchAnchorer } from "../../../server/service/batch-anchorer";
import { createMetrics } from "../../../server/service/metrics";
import type { BatchLedger } from "../../../server/service/ports";
import { DocumentStore } from "../../../server/store/document-store";
import { FakeGuard, FakeRegistry } from "../../support/fake-chain";
import { capturedLogger, randomShas, settle, tempStore } from "../../support/unit-fixtures";

const T0 = Date.parse("2030-01-02T03:04:05.000Z");
const MAX = 10;

/** An anchorer on a real store and the in-memory chain, with its clock and log in the test's hands. */
function anchorerFixture() {
  const temp = tempStore();
  const registry = new FakeRegistry();
  const guard = new FakeGuard(registry);
  const logged = capturedLogger();
  let nowMs = T0;
  const now = () => nowMs;
  const anchorerOn = (store: DocumentStore, log: Logger = logged.log, inFlight = 1) =>
    new BatchAnchorer(
      { ledger: store, writer: registry, guard, log, metrics: createMetrics(() => store.countUnbatched()), now },
      { intervalMs: 60_000, maxBatchSize: MAX, inFlight },
    );
  return {
    ...temp,
    registry,
    guard,
    anchorer: anchorerOn(temp.store),
    anchorerOn,
    entries: logged.entries,
    advance: (ms: number) => (nowMs += ms),
    /** Queues `count` documents, each accepted a millisecond after the one before. */
    queue(count: number): Sha256Hex[] {
      const digests = randomShas(count);
      temp.store.acceptMany(digests.map((sha256, i) => ({ sha256, acceptedAtMs: T0 + i })));
      return digests;
    },
    anchorsSent: () => registry.sent.filter((tx) => tx.kind === "anchor"),
  };
}

const outage = () => new DocproofError("chain-unavailable", "The chain did not answer.");

describe("BatchAnchorer", function () {
  let f: ReturnType<typeof anchorerFixture>;

  beforeEach(function () {
    f = anchorerFixture();
  });
  afterEach(async function () {
    f.registry.releaseTransactions();
    await f.anchorer.stop();
    f.dispose();
  });

  describe("runOnce", function () {
    describe("when more documents are queued than a batch holds", function () {
      it("anchors them oldest first in batches of at most maxBatchSize, each sent once", async function () {
        const digests = f.queue(25);
        await f.anchorer.runOnce();

        const sent = f.anchorsSent();
        expect(sent).to.have.length(3);
        expect(new Set(sent.map((tx) => tx.root)).size).to.equal(3);
        const sizes = await Promise.all(sent.map(async (tx) => (await f.registry.anchorOf(tx.root))?.leafCount));
        expect(sizes).to.deep.equal([10, 10, 5]);
        const chunks = [digests.slice(0, 10), digests.slice(10, 20), digests.slice(20)];
        expect(sent.map((tx) => tx.root)).to.deep.equal(chunks.map((chunk) => buildBatch(chunk.map(toBytes32)).root));
        for (const sha256 of digests) {
          const batch = f.store.document(sha256)?.batch;
          expect(batch?.state, sha256).to.equal("anchored");
          expect(sent.map((tx) => tx.txHash)).to.include(batch?.txHash);
        }
        expect(f.store.countUnbatched()).to.equal(0);
        expect(f.store.unfinishedBatches()).to.deep.equal([]);
      });

      it("records each batch with the chain's facts", async function () {
        const [sha256] = f.queue(3);
        await f.anchorer.runOnce();
        const batch = f.store.document(sha256)!.batch!;
        const onChain = (await f.registry.anchorOf(batch.root))!;
        expect(batch).to.include({
          state: "anchored",
          leafCount: 3,
          blockNumber: onChain.blockNumber,
          timestamp: onChain.anchoredAt,
          registrar: onChain.registrar,
          anchoredAtMs: T0,
        });
        expect(await f.registry.transactionAnchored(batch.txHash!, batch.root)).to.equal(true);
      });
    });

    describe("when nothing is queued", function () {
      it("sends nothing", async function () {
        await f.anchorer.runOnce();
        expect(f.registry.sent).to.deep.equal([]);
      });
    });

    describe("when a batch was prepared but never sent", function () {
      it("sends it once, before the documents queued since", async function () {
        const members = f.queue(4);
        const tree = buildBatch(members.map(toBytes32));
        const prepared = f.store.prepareBatch(tree.root, members, T0);
        const later = f.queue(2);

        await f.anchorer.runOnce();

        const sent = f.anchorsSent();
        expect(sent.map((tx) => tx.root)).to.deep.equal([tree.root, buildBatch(later.map(toBytes32)).root]);
        expect(f.store.batch(prepared.id)).to.include({ state: "anchored", txHash: sent[0].txHash });
      });
    });

    describe("when a batch was sent and its transaction is still pending", function () {
      it("completes it after a restart without sending it again", async function () {
        const members = f.queue(5);
        f.registry.holdTransactions();
        // The first process sends the batch, keeps the hash and dies before the transaction is mined.
        const abandoned = f.anchorerOn(f.store, silentLogger).runOnce();
        await settle();
        const [sent] = f.anchorsSent();
        const [inFlight] = f.store.unfinishedBatches();
        expect(inFlight).to.include({ state: "sent", txHash: sent.txHash });
        f.store.close();

        const reopened = DocumentStore.open(f.dir);
        try {
          let completed = false;
          const resumed = f
            .anchorerOn(reopened)
            .runOnce()
            .then(() => (completed = true));
          await settle();
          expect(completed, "waits for the pending transaction").to.equal(false);
          f.registry.releaseTransactions();
          await resumed;
          await abandoned;

          expect(f.anchorsSent()).to.deep.equal([sent]);
          for (const sha256 of members) {
            expect(reopened.document(sha256)?.batch).to.include({ state: "anchored", txHash: sent.txHash });
          }
        } finally {
          reopened.close();
        }
      });
    });

    describe("when a prepared batch is already anchored on chain but not recorded", function () {
      it("records it with the chain's transaction and sends nothing", async function () {
        const members = f.queue(3);
        const tree = buildBatch(members.map(toBytes32));
        const prepared = f.store.prepareBatch(tree.root, members, T0);
        const txHash = f.registry.anchorOutside(tree);
        const before = f.registry.sent.length;

        await f.anchorer.runOnce();

        expect(f.registry.sent).to.have.length(before);
        expect(f.store.batch(prepared.id)).to.include({ state: "anchored", txHash });
      });
    });

    describe("when the transaction is out but not mined yet", function () {
      it("has already stored its hash with the batch marked sent", async function () {
        const [sha256] = f.queue(2);
        f.registry.holdTransactions();
        const run = f.anchorer.runOnce();
        await settle();
        const [sent] = f.anchorsSent();
        expect(sent, "a transaction was sent").to.not.equal(undefined);
        expect(f.store.document(sha256)?.batch).to.include({ state: "sent", txHash: sent.txHash });
        f.registry.releaseTransactions();
        await run;
        expect(f.store.document(sha256)?.batch).to.include({ state: "anchored", txHash: sent.txHash });
      });
    });

    describe("when the chain is unreachable", function () {
      it("keeps the documents queued and warns once a minute until anchoring resumes", async function () {
        const digests = f.queue(3);
        f.guard.state = "unreachable";
        f.registry.failure = outage();

        for (let attempt = 0; attempt < 4; attempt++) {
          await f.anchorer.runOnce();
          f.advance(15_000);
        }
        expect(f.store.countUnbatched()).to.equal(3);
        expect(f.store.unfinishedBatches()).to.deep.equal([]);
        expect(f.registry.sent).to.deep.equal([]);
        const warnings = () => f.entries().filter((entry) => entry.level === "warn");
        expect(warnings()).to.have.length(1);
        expect(warnings()[0].message).to.equal("anchoring paused; will retry");
        expect(warnings()[0]).to.include({ queued: 3 });

        f.advance(1_000); // a minute after the first warning
        await f.anchorer.runOnce();
        expect(warnings()).to.have.length(2);

        f.guard.state = "ok";
        f.registry.failure = undefined;
        await f.anchorer.runOnce();
        const messages = f.entries().map((entry) => entry.message);
        expect(messages.filter((message) => message === "anchoring resumed")).to.have.length(1);
        expect(messages.indexOf("anchoring resumed")).to.be.greaterThan(
          messages.lastIndexOf("anchoring paused; will retry"),
        );
        for (const sha256 of digests) expect(f.store.document(sha256)?.batch?.state).to.equal("anchored");
      });
    });

    describe("when the node fails after the batch was prepared", function () {
      it("completes that batch with a single transaction once the node is back", async function () {
        const digests = f.queue(3);
        f.registry.failure = outage();
        await f.anchorer.runOnce();
        const [prepared] = f.store.unfinishedBatches();
        expect(prepared).to.include({ state: "prepared", leafCount: 3 });
        expect(f.registry.sent).to.deep.equal([]);

        f.registry.failure = undefined;
        await f.anchorer.runOnce();
        expect(f.anchorsSent().map((tx) => tx.root)).to.deep.equal([prepared.root]);
        for (const sha256 of digests) expect(f.store.document(sha256)?.batch?.id).to.equal(prepared.id);
      });
    });

    describe("when the hash of a sent transaction cannot be stored", function () {
      it("fails the run, then records the mined batch from the chain without sending it again", async function () {
        const digests = f.queue(3);
        let diskFull = true;
        const store = f.store;
        const ledger: BatchLedger = {
          unbatched: (limit) => store.unbatched(limit),
          countUnbatched: () => store.countUnbatched(),
          prepareBatch: (root, members, nowMs) => store.prepareBatch(root, members, nowMs),
          members: (batchId) => store.members(batchId),
          acceptedTimes: (batchId) => store.acceptedTimes(batchId),
          unfinishedBatches: () => store.unfinishedBatches(),
          markSent(batchId, txHash) {
            if (diskFull) throw new DocproofError("store-unavailable", "The store could not record it (SQLITE_FULL).");
            store.markSent(batchId, txHash);
          },
          markAnchored: (batchId, facts, nowMs) => store.markAnchored(batchId, facts, nowMs),
          reopenAnchoredAbove: (block, nowMs) => store.reopenAnchoredAbove(block, nowMs),
        };
        const anchorer = new BatchAnchorer(
          { ledger, writer: f.registry, guard: f.guard, log: silentLogger, metrics: createMetrics(() => 0) },
          { intervalMs: 60_000, maxBatchSize: MAX },
        );

        await anchorer.runOnce();
        const [sent] = f.anchorsSent();
        expect(f.store.unfinishedBatches().map((batch) => batch.state)).to.deep.equal(["prepared"]);

        diskFull = false;
        await anchorer.runOnce();
        expect(f.anchorsSent()).to.deep.equal([sent]);
        for (const sha256 of digests) {
          expect(f.store.document(sha256)?.batch).to.include({ state: "anchored", txHash: sent.txHash });
        }
      });
    });

    describe("when the node is another chain", function () {
      it("logs an error, sends nothing and keeps the documents queued", async function () {
        f.queue(2);
        f.guard.state = "mismatch";
        await f.anchorer.runOnce();
        await f.anchorer.runOnce();
        const errors = f.entries().filter((entry) => entry.level === "error");
        expect(errors.map((entry) => entry.message)).to.deep.equal([
          "anchoring stopped: wrong chain; documents stay queued",
        ]);
        expect(f.registry.sent).to.deep.equal([]);
        expect(f.store.countUnbatched()).to.equal(2);
      });
    });
  });

  describe("notifyAccepted", function () {
    describe("when a full batch is waiting while scheduling is on", function () {
      it("anchors it at once, without waiting for the interval", async function () {
        f.anchorer.start();
        f.queue(MAX - 1);
        f.anchorer.notifyAccepted();
        await settle();
        expect(f.registry.sent).to.deep.equal([]);
        f.queue(1);
        f.anchorer.notifyAccepted();
        await settle(10);
        expect(f.anchorsSent()).to.have.length(1);
        expect(f.store.countUnbatched()).to.equal(0);
      });
    });
  });

  describe("when the queue is deeper than one batch and several may be in flight", function () {
    it("sends the next batches before the first is confirmed, never more than allowed, each once", async function () {
      const digests = f.queue(45);
      f.registry.holdTransactions();
      const anchorer = f.anchorerOn(f.store, undefined, 3);
      const run = anchorer.runOnce();
      await settle();
      expect(f.anchorsSent(), "three in flight at once").to.have.length(3);
      expect(f.store.stats()).to.include({ anchoredBatches: 0 });
      f.registry.releaseTransactions();
      await run;
      expect(f.anchorsSent()).to.have.length(5);
      expect(f.store.stats()).to.include({ batches: 5, anchoredBatches: 5, unbatched: 0 });
      for (const sha256 of digests) expect(f.store.document(sha256)?.batch?.state).to.equal("anchored");
      await anchorer.stop();
    });
  });

  describe("stop", function () {
    describe("when a batch is in progress", function () {
      it("waits for it and starts no further batch", async function () {
        f.queue(25);
        f.registry.holdTransactions();
        const run = f.anchorer.runOnce();
        await settle();
        expect(f.anchorsSent()).to.have.length(1);

        let stopped = false;
        const stopping = f.anchorer.stop().then(() => (stopped = true));
        await settle();
        expect(stopped, "stop() waits for the transaction").to.equal(false);

        f.registry.releaseTransactions();
        await stopping;
        await run;
        expect(f.anchorsSent()).to.have.length(1);
        expect(f.store.stats()).to.include({ anchoredBatches: 1, unbatched: 15 });
      });
    });

    describe("when the anchorer is run again after stopping", function () {
      it("anchors the whole queue, not one batch", async function () {
        f.queue(25);
        await f.anchorer.stop();
        await f.anchorer.runOnce();
        expect(f.store.stats()).to.include({ anchoredBatches: 3, unbatched: 0 });
      });
    });
  });
});
