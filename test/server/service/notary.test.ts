import { expect } from "chai";
import { DocproofError } from "../../../server/errors";
import { toBytes32, type Sha256Hex } from "../../../server/proof/digest";
import { leafOf, verifyProof } from "../../../server/proof/merkle";
import { BatchAnchorer } from "../../../server/service/batch-anchorer";
import { createMetrics } from "../../../server/service/metrics";
import { Notary } from "../../../server/service/notary";
import type { DocumentQueue, RevocationLedger } from "../../../server/service/ports";
import { RegistrarDirectory } from "../../../server/service/directory";
import { DocumentAnchorings } from "../../../server/service/document-anchorings";
import { ReceiptBook } from "../../../server/service/receipt-book";
import { silentLogger } from "../../../server/logger";
import { FakeGuard, FakeRegistry } from "../../support/fake-chain";
import { randomSha, randomShas, rejectionOf, settle, tempStore } from "../../support/unit-fixtures";

const T0 = Date.parse("2030-01-02T03:04:05.000Z");

/** A notary on a real store and the in-memory chain, with the store's acceptMany calls counted. */
function notaryFixture() {
  const { store, dispose } = tempStore();
  const registry = new FakeRegistry();
  const guard = new FakeGuard(registry);
  const metrics = createMetrics(() => store.countUnbatched());
  const acceptCalls: number[] = [];
  let failAccept: Error | undefined;
  const queue: DocumentQueue & RevocationLedger = {
    acceptMany(documents) {
      acceptCalls.push(documents.length);
      if (failAccept !== undefined) throw failAccept;
      return store.acceptMany(documents);
    },
    document: (sha256) => store.document(sha256),
    countUnbatched: () => store.countUnbatched(),
    markRevoked: (sha256, revocation) => store.markRevoked(sha256, revocation),
  };
  let nowMs = T0;
  let accepted = 0;
  const receipts = new ReceiptBook(registry);
  const notary = new Notary({
    queue,
    receipts,
    anchorings: new DocumentAnchorings(store, store.index),
    directory: new RegistrarDirectory(store.index),
    registry,
    writer: registry,
    guard,
    metrics,
    onAccepted: () => accepted++,
    now: () => nowMs,
    roles: store.index,
  });
  const anchorer = new BatchAnchorer(
    { ledger: store, writer: registry, guard, log: silentLogger, metrics },
    { intervalMs: 60_000, maxBatchSize: 100 },
  );
  return {
    notary,
    store,
    registry,
    guard,
    anchorer,
    dispose,
    acceptCalls,
    accepted: () => accepted,
    advance: (ms: number) => (nowMs += ms),
    failAcceptWith: (error: Error) => (failAccept = error),
    revocationsSent: () => registry.sent.filter((tx) => tx.kind === "revoke"),
    /** Submits `digests` and anchors them in one batch. */
    async anchored(digests: Sha256Hex[]) {
      await Promise.all(digests.map((sha256) => notary.submit(sha256)));
      await anchorer.runOnce();
    },
  };
}

describe("Notary", function () {
  let f: ReturnType<typeof notaryFixture>;

  beforeEach(function () {
    f = notaryFixture();
  });
  afterEach(function () {
    f.dispose();
  });

  describe("submit", function () {
    describe("when the digest is new", function () {
      it("queues it and answers created with a pending view", async function () {
        const sha256 = randomSha();
        const { created, document } = await f.notary.submit(sha256);
        expect(created).to.equal(true);
        expect(document).to.deep.equal({ sha256, status: "pending", acceptedAt: new Date(T0).toISOString() });
        expect(f.store.document(sha256)?.acceptedAtMs).to.equal(T0);
        expect(f.store.countUnbatched()).to.equal(1);
      });
    });

    describe("when the digest was submitted before", function () {
      it("answers not created and keeps the first acceptance time", async function () {
        const sha256 = randomSha();
        await f.notary.submit(sha256);
        f.advance(5_000);
        const { created, document } = await f.notary.submit(sha256);
        expect(created).to.equal(false);
        expect(document.acceptedAt).to.equal(new Date(T0).toISOString());
        expect(f.store.countUnbatched()).to.equal(1);
      });
    });

    describe("when many digests arrive in the same turn of the event loop", function () {
      it("commits them in one write and answers each with its own view", async function () {
        const known = randomSha();
        await f.notary.submit(known);
        const fresh = randomShas(20);
        const submitted = [...fresh, known, fresh[3]];
        const answers = await Promise.all(submitted.map((sha256) => f.notary.submit(sha256)));
        await settle();
        expect(f.acceptCalls).to.deep.equal([1, submitted.length]);
        expect(answers.map((a) => a.document.sha256)).to.deep.equal(submitted);
        expect(answers.map((a) => a.created)).to.deep.equal([...fresh.map(() => true), false, false]);
        expect(f.store.countUnbatched()).to.equal(21);
      });
    });

    describe("when something new was committed", function () {
      it("tells onAccepted once per write, and not for a write with nothing new", async function () {
        const digests = randomShas(3);
        await Promise.all(digests.map((sha256) => f.notary.submit(sha256)));
        expect(f.accepted()).to.equal(1);
        await Promise.all(digests.map((sha256) => f.notary.submit(sha256)));
        expect(f.accepted()).to.equal(1);
      });
    });

    describe("when the store fails the write", function () {
      it("rejects every submission of that write with the store's error", async function () {
        const failure = new DocproofError(
          "store-unavailable",
          "The store could not accept the documents (SQLITE_FULL).",
        );
        f.failAcceptWith(failure);
        const outcomes = await Promise.all(randomShas(3).map((sha256) => rejectionOf(f.notary.submit(sha256))));
        for (const error of outcomes) expect(error).to.equal(failure);
        expect(f.accepted()).to.equal(0);
      });
    });

    describe("when the node is known to be another chain", function () {
      it("refuses with chain-mismatch and queues nothing", async function () {
        f.guard.state = "mismatch";
        const error = await rejectionOf(f.notary.submit(randomSha()));
        expect(error.code).to.equal("chain-mismatch");
        expect(f.acceptCalls).to.deep.equal([]);
        expect(f.store.countUnbatched()).to.equal(0);
      });
    });

    describe("when the index shows this service's registrar without the role", function () {
      it("refuses one digest and a list with registrar-inactive, naming the registrar, and queues nothing", async function () {
        const role = (granted: boolean, blockNumber: number) => ({
          anchorings: [],
          revocations: [],
          organisations: [],
          roles: [{ registrar: f.registry.registrar, granted, blockNumber, logIndex: 0 }],
          blocks: [],
          cursor: { number: blockNumber, hash: `0x${blockNumber.toString(16).padStart(64, "0")}` },
        });
        f.store.index.apply(role(true, 1));
        expect((await f.notary.submit(randomSha())).created, "while it holds the role").to.equal(true);
        f.store.index.apply(role(false, 2));
        for (const attempt of [f.notary.submit(randomSha()), f.notary.submitMany(randomShas(3))]) {
          const error = await rejectionOf(attempt);
          expect(error.code).to.equal("registrar-inactive");
          expect(error.message).to.include(f.registry.registrar).and.include("can grant the role again");
        }
        expect(f.store.countUnbatched()).to.equal(1);
        f.store.index.apply(role(true, 3));
        expect((await f.notary.submitMany(randomShas(2))).created, "once granted again").to.equal(2);
      });
    });

    describe("when the chain is unreachable", function () {
      it("still accepts the document into the durable queue", async function () {
        f.guard.state = "unreachable";
        f.registry.failure = new DocproofError("chain-unavailable", "The chain did not answer.");
        const { created, document } = await f.notary.submit(randomSha());
        expect(created).to.equal(true);
        expect(document.status).to.equal("pending");
        expect(f.store.countUnbatched()).to.equal(1);
      });
    });
  });

  describe("document", function () {
    describe("when the digest was never submitted", function () {
      it("throws not-found", function () {
        expect(() => f.notary.document(randomSha()))
          .to.throw(DocproofError)
          .with.property("code", "not-found");
      });
    });

    describe("when the document is queued", function () {
      it("answers pending without a receipt", async function () {
        const sha256 = randomSha();
        await f.notary.submit(sha256);
        const view = f.notary.document(sha256);
        expect(view.status).to.equal("pending");
        expect(view).to.not.have.property("receipt");
      });
    });

    describe("when the document is anchored", function () {
      it("answers anchored with its receipt", async function () {
        const [sha256, other] = randomShas(2);
        await f.anchored([sha256, other]);
        const view = f.notary.document(sha256);
        expect(view.status).to.equal("anchored");
        expect(view.receipt?.sha256).to.equal(sha256);
        expect(view.receipt?.leafCount).to.equal(2);
        expect(view).to.not.have.property("revocation");
      });
    });
  });

  describe("receipt", function () {
    describe("when the digest was never submitted", function () {
      it("throws not-found", function () {
        expect(() => f.notary.receipt(randomSha()))
          .to.throw(DocproofError)
          .with.property("code", "not-found");
      });
    });

    describe("when the document is not anchored yet", function () {
      it("throws not-anchored", async function () {
        const sha256 = randomSha();
        await f.notary.submit(sha256);
        expect(() => f.notary.receipt(sha256))
          .to.throw(DocproofError)
          .with.property("code", "not-anchored");
      });
    });

    describe("when the document is anchored", function () {
      it("gives a proof that leads to the anchored root, with the chain's facts", async function () {
        const digests = randomShas(5);
        await f.anchored(digests);
        for (const sha256 of digests) {
          const receipt = f.notary.receipt(sha256);
          const digest = toBytes32(sha256);
          expect(receipt.sha256).to.equal(sha256);
          expect(receipt.leaf).to.equal(leafOf(digest));
          expect(verifyProof(digest, receipt.merkleRoot, receipt.proof)).to.equal(true);
          const onChain = await f.registry.anchorOf(receipt.merkleRoot);
          expect(onChain, "the root is on chain").to.not.equal(undefined);
          expect(receipt).to.include({
            leafCount: digests.length,
            chainId: f.registry.chainId,
            registry: f.registry.address,
            blockNumber: onChain!.blockNumber,
            timestamp: onChain!.anchoredAt,
            registrar: onChain!.registrar,
          });
          expect(await f.registry.transactionAnchored(receipt.txHash, receipt.merkleRoot)).to.equal(true);
        }
      });
    });
  });

  describe("revoke", function () {
    describe("when the document is anchored", function () {
      it("revokes it on chain once, records it and answers revoked", async function () {
        const [sha256, sibling] = randomShas(2);
        await f.anchored([sha256, sibling]);
        const receipt = f.notary.receipt(sha256);

        const view = await f.notary.revoke(sha256, 2);

        const sent = f.revocationsSent();
        expect(sent).to.have.length(1);
        const [onChain] = await f.registry.revocations();
        expect(onChain).to.include({ digest: toBytes32(sha256), root: receipt.merkleRoot, reason: 2 });
        expect(view.status).to.equal("revoked");
        const revokedAt = await f.registry.blockTimestamp(onChain.blockNumber);
        const recorded = { revokedAt, reason: 2, revokedBy: f.registry.registrar, txHash: sent[0].txHash };
        expect(view.revocation).to.deep.equal({
          ...recorded,
          revokedAtIso: new Date(revokedAt * 1000).toISOString().replace(".000Z", "Z"),
        });
        expect(f.store.document(sha256)?.revocation).to.deep.equal(recorded);
        expect(f.notary.document(sibling).status).to.equal("anchored");
      });
    });

    describe("when this service revoked it already", function () {
      it("throws already-revoked without sending anything", async function () {
        const sha256 = randomSha();
        await f.anchored([sha256]);
        await f.notary.revoke(sha256, 1);
        const error = await rejectionOf(f.notary.revoke(sha256, 1));
        expect(error.code).to.equal("already-revoked");
        expect(f.revocationsSent()).to.have.length(1);
      });

      it("records the chain's revocation, so the document's view says revoked from then on", async function () {
        const sha256 = randomSha();
        await f.anchored([sha256, randomSha()]);
        const receipt = f.notary.receipt(sha256);
        const { txHash } = await f.registry.revoke(receipt.merkleRoot, toBytes32(sha256), receipt.proof, 3);
        await rejectionOf(f.notary.revoke(sha256, 1));
        const view = f.notary.document(sha256);
        expect(view.status).to.equal("revoked");
        expect(view.revocation).to.include({ reason: 3, txHash });
      });
    });

    describe("when it was revoked on chain by someone else first", function () {
      it("throws already-revoked without sending anything", async function () {
        const sha256 = randomSha();
        await f.anchored([sha256, randomSha()]);
        const receipt = f.notary.receipt(sha256);
        await f.registry.revoke(receipt.merkleRoot, toBytes32(sha256), receipt.proof, 3);
        const error = await rejectionOf(f.notary.revoke(sha256, 1));
        expect(error.code).to.equal("already-revoked");
        expect(f.revocationsSent()).to.have.length(1);
      });
    });

    describe("when the document is still pending", function () {
      it("throws not-anchored and sends nothing", async function () {
        const sha256 = randomSha();
        await f.notary.submit(sha256);
        const error = await rejectionOf(f.notary.revoke(sha256, 1));
        expect(error.code).to.equal("not-anchored");
        expect(f.registry.sent).to.deep.equal([]);
      });
    });

    describe("when the digest was never submitted", function () {
      it("throws not-found", async function () {
        const error = await rejectionOf(f.notary.revoke(randomSha(), 1));
        expect(error.code).to.equal("not-found");
      });
    });

    describe("when the node is another chain", function () {
      it("throws chain-mismatch and sends nothing", async function () {
        const sha256 = randomSha();
        await f.anchored([sha256]);
        f.guard.state = "mismatch";
        const error = await rejectionOf(f.notary.revoke(sha256, 1));
        expect(error.code).to.equal("chain-mismatch");
        expect(f.revocationsSent()).to.deep.equal([]);
        expect(f.store.document(sha256)?.revocation).to.equal(undefined);
      });
    });
  });
});
