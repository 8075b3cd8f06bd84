import { expect } from "chai";
import { DocproofError } from "../../../server/errors";
import { toBytes32, type Sha256Hex } from "../../../server/proof/digest";
import { buildBatch } from "../../../server/proof/merkle";
import type { ReceiptV1 } from "../../../server/proof/receipt";
import { BatchAnchorer } from "../../../server/service/batch-anchorer";
import { createMetrics } from "../../../server/service/metrics";
import { DocumentAnchorings } from "../../../server/service/document-anchorings";
import { ReceiptBook } from "../../../server/service/receipt-book";
import { Verifier } from "../../../server/service/verifier";
import { silentLogger } from "../../../server/logger";
import { FakeGuard, FakeRegistry } from "../../support/fake-chain";
import { randomSha, randomShas, rejectionOf, tempStore } from "../../support/unit-fixtures";

/** A verifier on a real store and the in-memory chain; documents are anchored by a real BatchAnchorer. */
function verifierFixture() {
  const { store, dispose } = tempStore();
  const registry = new FakeRegistry();
  const guard = new FakeGuard(registry);
  const metrics = createMetrics(() => store.countUnbatched());
  const receipts = new ReceiptBook(registry);
  const anchorings = new DocumentAnchorings(store, store.index);
  const verifier = new Verifier({ anchorings, superseded: store.index, index: store.index, receipts, registry, guard });
  const anchorer = new BatchAnchorer(
    { ledger: store, writer: registry, guard, log: silentLogger, metrics },
    { intervalMs: 60_000, maxBatchSize: 100 },
  );
  return {
    verifier,
    store,
    registry,
    guard,
    dispose,
    queue(digests: Sha256Hex[]) {
      store.acceptMany(digests.map((sha256) => ({ sha256, acceptedAtMs: Date.now() })));
    },
    async anchored(digests: Sha256Hex[]) {
      this.queue(digests);
      await anchorer.runOnce();
    },
    receiptOf(sha256: Sha256Hex): ReceiptV1 {
      return receipts.receiptOf(sha256, anchorings.standing(sha256).anchoring!);
    },
  };
}

describe("Verifier", function () {
  let f: ReturnType<typeof verifierFixture>;

  beforeEach(function () {
    f = verifierFixture();
  });
  afterEach(function () {
    f.dispose();
  });

  describe("verify", function () {
    describe("when the document was anchored here", function () {
      it("answers anchored with the chain's facts", async function () {
        const [sha256] = randomShas(3);
        await f.anchored([sha256, randomSha(), randomSha()]);
        const receipt = f.receiptOf(sha256);
        const onChain = (await f.registry.anchorOf(receipt.merkleRoot))!;
        const verdict = await f.verifier.verify(sha256);
        expect(verdict).to.include({
          valid: true,
          status: "anchored",
          sha256,
          merkleRoot: receipt.merkleRoot,
          txHash: receipt.txHash,
          blockNumber: onChain.blockNumber,
          anchoredAt: onChain.anchoredAt,
          registrar: onChain.registrar,
          chainId: f.registry.chainId,
          registry: f.registry.address,
        });
      });

      it("does not ask the chain again while the head is the same block", async function () {
        const sha256 = randomSha();
        await f.anchored([sha256]);
        await f.verifier.verify(sha256);
        const calls = f.registry.verifyCalls;
        expect(calls).to.be.greaterThan(0);
        const again = await f.verifier.verify(sha256);
        expect(again.status).to.equal("anchored");
        expect(f.registry.verifyCalls).to.equal(calls);
      });

      it("asks the chain again once a new block arrives", async function () {
        const sha256 = randomSha();
        await f.anchored([sha256]);
        await f.verifier.verify(sha256);
        const calls = f.registry.verifyCalls;
        f.registry.mineEmptyBlock();
        const again = await f.verifier.verify(sha256);
        expect(again.status).to.equal("anchored");
        expect(f.registry.verifyCalls).to.equal(calls + 1);
      });

      it("answers revoked after a revocation on chain, not the verdict it kept", async function () {
        const sha256 = randomSha();
        await f.anchored([sha256, randomSha()]);
        expect((await f.verifier.verify(sha256)).status).to.equal("anchored");
        const receipt = f.receiptOf(sha256);
        await f.registry.revoke(receipt.merkleRoot, toBytes32(sha256), receipt.proof, 4);
        const verdict = await f.verifier.verify(sha256);
        expect(verdict).to.include({ valid: false, status: "revoked", revocationReason: 4 });
        expect(verdict.revokedBy).to.equal(f.registry.registrar);
      });
    });

    describe("when the index of the whole registry holds the anchoring", function () {
      /** What the follower would write for the batch of `sha256`, the index then complete up to `cursor`. */
      function index(sha256: Sha256Hex, cursor: number, revoked?: { reason: number }) {
        const receipt = f.receiptOf(sha256);
        const members = f.store.members(f.store.document(sha256)!.batch!.id);
        f.store.index.apply({
          anchorings: [
            {
              root: receipt.merkleRoot,
              registrar: receipt.registrar,
              txHash: receipt.txHash,
              blockNumber: receipt.blockNumber,
              timestamp: receipt.timestamp,
              leafCount: receipt.leafCount,
              members,
            },
          ],
          revocations:
            revoked === undefined
              ? []
              : [
                  {
                    root: receipt.merkleRoot,
                    sha256,
                    revokedBy: receipt.registrar,
                    reason: revoked.reason,
                    txHash: receipt.txHash,
                    blockNumber: cursor,
                    revokedAt: receipt.timestamp + 5,
                  },
                ],
          organisations: [],
          roles: [],
          blocks: [],
          cursor: { number: cursor, hash: `0x${cursor.toString(16).padStart(64, "0")}` },
        });
        return receipt;
      }

      it("answers from the index without asking the node, naming the block it states", async function () {
        const [sha256] = randomShas(1);
        await f.anchored([sha256, randomSha()]);
        const receipt = index(sha256, 100);
        const calls = f.registry.verifyCalls;
        const verdict = await f.verifier.verify(sha256);
        expect(f.registry.verifyCalls, "no call to the node's verify").to.equal(calls);
        expect(verdict).to.deep.include({
          valid: true,
          status: "anchored",
          txHash: receipt.txHash,
          blockNumber: receipt.blockNumber,
          checkedAt: { blockNumber: 100, blockHash: `0x${(100).toString(16).padStart(64, "0")}` },
        });
      });

      it("answers revoked when the index holds the revocation", async function () {
        const [sha256] = randomShas(1);
        await f.anchored([sha256]);
        index(sha256, 100, { reason: 4 });
        expect(await f.verifier.verify(sha256)).to.include({ valid: false, status: "revoked", revocationReason: 4 });
      });

      it("reads the index once for a document another member anchored", async function () {
        const [sha256, other] = randomShas(2);
        const batch = buildBatch([toBytes32(sha256), toBytes32(other)]);
        const registrar = "0x00000000000000000000000000000000000000aa";
        const txHash = `0x${"ab".repeat(32)}` as const;
        f.store.index.apply({
          anchorings: [
            {
              root: batch.root,
              registrar,
              txHash,
              blockNumber: 7,
              timestamp: 1_700_000_000,
              leafCount: 2,
              members: [sha256, other],
            },
          ],
          revocations: [],
          organisations: [],
          roles: [],
          blocks: [],
          cursor: { number: 9, hash: `0x${"09".padStart(64, "0")}` },
        });
        let reads = 0;
        const index = Object.create(f.store.index, {
          anchoringsOf: { value: (digest: Sha256Hex) => (reads++, f.store.index.anchoringsOf(digest)) },
        }) as typeof f.store.index;
        const verifier = new Verifier({
          anchorings: new DocumentAnchorings(f.store, index),
          superseded: index,
          index,
          receipts: new ReceiptBook(f.registry),
          registry: f.registry,
          guard: f.guard,
        });
        expect(await verifier.verify(sha256)).to.deep.include({
          valid: true,
          status: "anchored",
          registrar,
          txHash,
          blockNumber: 7,
          checkedAt: { blockNumber: 9, blockHash: `0x${"09".padStart(64, "0")}` },
        });
        expect(reads).to.equal(1);
      });

      it("asks the node when the index has not reached the anchoring's block", async function () {
        const [sha256] = randomShas(1);
        await f.anchored([sha256]);
        const receipt = f.receiptOf(sha256);
        index(sha256, receipt.blockNumber);
        f.store.index.rollBackTo({ number: receipt.blockNumber - 1, hash: "" }, 0);
        const calls = f.registry.verifyCalls;
        expect((await f.verifier.verify(sha256)).status).to.equal("anchored");
        expect(f.registry.verifyCalls).to.equal(calls + 1);
      });
    });

    describe("when the digest is unknown", function () {
      it("answers unknown with the reason", async function () {
        const sha256 = randomSha();
        const verdict = await f.verifier.verify(sha256);
        expect(verdict).to.include({ valid: false, status: "unknown", sha256 });
        expect(verdict.reason).to.match(/never notarized|modified/);
      });
    });

    describe("when the document is queued and not anchored yet", function () {
      it("answers unknown, saying it is queued", async function () {
        const sha256 = randomSha();
        f.queue([sha256]);
        const verdict = await f.verifier.verify(sha256);
        expect(verdict).to.include({ valid: false, status: "unknown" });
        expect(verdict.reason).to.match(/queued/);
      });
    });

    describe("when someone else anchored the document alone", function () {
      it("finds the single anchoring on chain and answers anchored", async function () {
        const sha256 = randomSha();
        const single = buildBatch([toBytes32(sha256)]);
        const txHash = f.registry.anchorOutside(single);
        const verdict = await f.verifier.verify(sha256);
        expect(verdict).to.include({ valid: true, status: "anchored", txHash, merkleRoot: single.root });
      });
    });

    describe("when a receipt is given", function () {
      it("checks the receipt against the chain rather than this service's records", async function () {
        const sha256 = randomSha();
        await f.anchored([sha256, randomSha()]);
        const receipt = f.receiptOf(sha256);
        expect((await f.verifier.verify(sha256, receipt)).status).to.equal("anchored");
        const wrongBlock = { ...receipt, blockNumber: receipt.blockNumber + 1 };
        const verdict = await f.verifier.verify(sha256, wrongBlock);
        expect(verdict).to.include({ valid: false, status: "invalid-receipt" });
        expect(verdict.reason).to.include("block number");
      });

      it("throws receipt-wrong-chain for a receipt of another chain", async function () {
        const sha256 = randomSha();
        await f.anchored([sha256]);
        const receipt = { ...f.receiptOf(sha256), chainId: f.registry.chainId + 1 };
        const error = await rejectionOf(f.verifier.verify(sha256, receipt));
        expect(error.code).to.equal("receipt-wrong-chain");
      });

      it("answers unknown for a modified document", async function () {
        const sha256 = randomSha();
        await f.anchored([sha256]);
        const modified = randomSha();
        const verdict = await f.verifier.verify(modified, f.receiptOf(sha256));
        expect(verdict).to.include({ valid: false, status: "unknown", sha256: modified });
        expect(verdict.reason).to.match(/modified/);
      });

      it("refuses while the node is another chain", async function () {
        const sha256 = randomSha();
        await f.anchored([sha256]);
        const receipt = f.receiptOf(sha256);
        f.guard.state = "mismatch";
        const error = await rejectionOf(f.verifier.verify(sha256, receipt));
        expect(error.code).to.equal("chain-mismatch");
      });
    });

    describe("when the chain is unreachable", function () {
      const outage = () => new DocproofError("chain-unavailable", "The chain did not answer.");

      it("throws chain-unavailable for a document anchored here", async function () {
        const sha256 = randomSha();
        await f.anchored([sha256]);
        f.guard.state = "unreachable";
        f.registry.failure = outage();
        const error = await rejectionOf(f.verifier.verify(sha256));
        expect(error.code).to.equal("chain-unavailable");
      });

      it("throws chain-unavailable for a digest it does not know", async function () {
        f.guard.state = "unreachable";
        f.registry.failure = outage();
        const error = await rejectionOf(f.verifier.verify(randomSha()));
        expect(error.code).to.equal("chain-unavailable");
      });

      it("throws chain-unavailable with a receipt", async function () {
        const sha256 = randomSha();
        await f.anchored([sha256]);
        const receipt = f.receiptOf(sha256);
        f.guard.state = "unreachable";
        f.registry.failure = outage();
        const error = await rejectionOf(f.verifier.verify(sha256, receipt));
        expect(error.code).to.equal("chain-unavailable");
      });
    });
  });
});
