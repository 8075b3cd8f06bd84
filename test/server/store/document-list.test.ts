import { expect } from "chai";
import { keccak256, toUtf8Bytes } from "ethers";
import type { Hex32, Sha256Hex } from "../../../server/proof/digest";
import type { DocumentStore } from "../../../server/store/document-store";
import type { ListFilter, ListPosition, ListedDocument } from "../../../server/store/document-list";
import type { IndexUpdate } from "../../../server/store/registry-index";
import { randomShas, tempStore } from "../../support/unit-fixtures";

const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const hashOf = (label: string) => keccak256(toUtf8Bytes(label)) as Hex32;
const ALL: ListFilter = { includeQueue: true };
/** Seconds of the fixtures' anchorings, and milliseconds of their acceptances, far apart. */
const T = 1_800_000_000;

function anchoringStep(
  cursor: number,
  anchorings: { label: string; registrar: string; block: number; members: Sha256Hex[] }[],
  revocations: IndexUpdate["revocations"] = [],
): IndexUpdate {
  return {
    anchorings: anchorings.map(({ label, registrar, block, members }) => ({
      root: hashOf(label),
      registrar,
      txHash: hashOf(`tx ${label}`),
      blockNumber: block,
      timestamp: T + block,
      leafCount: members.length,
      members,
    })),
    revocations,
    organisations: [],
    roles: [],
    blocks: [],
    cursor: { number: cursor, hash: hashOf(`block ${cursor}`) },
  };
}

const digests = (entries: ListedDocument[]) => entries.map((entry) => entry.sha256);

describe("DocumentListStore", function () {
  let store: DocumentStore;
  let dispose: () => void;

  beforeEach(function () {
    ({ store, dispose } = tempStore());
  });
  afterEach(function () {
    dispose();
  });

  /** A page of the list as it is now. */
  const page = (filter: ListFilter, limit: number, after?: ListPosition) =>
    store.listing.page(filter, limit, store.listing.snapshot(), after);

  /** Anchors `members` as this service's batch `label` in `block`, as the anchorer records it. */
  function ownBatch(label: string, members: Sha256Hex[], block: number) {
    const batch = store.prepareBatch(hashOf(label), members, 0);
    store.markSent(batch.id, hashOf(`tx ${label}`));
    store.markAnchored(
      batch.id,
      {
        txHash: hashOf(`tx ${label}`),
        blockNumber: block,
        blockHash: hashOf(`block ${block}`),
        timestamp: T + block,
        registrar: A,
      },
      0,
    );
  }

  describe("page", function () {
    it("lists every document of every indexed anchoring, newest anchoring first, revocations included", function () {
      const [x, y, z] = randomShas(3).sort();
      store.index.apply(
        anchoringStep(
          12,
          [
            { label: "older", registrar: A, block: 10, members: [x, y] },
            { label: "newer", registrar: B, block: 11, members: [y, z] },
          ],
          [
            {
              root: hashOf("older"),
              sha256: x,
              revokedBy: A,
              reason: 2,
              txHash: hashOf("revoking"),
              blockNumber: 12,
              revokedAt: T + 12,
            },
          ],
        ),
      );
      const listed = page(ALL, 10);
      expect(listed.map((e) => [e.sha256, e.anchoring?.root, e.status])).to.deep.equal([
        [z, hashOf("newer"), "anchored"],
        [y, hashOf("newer"), "anchored"],
        [y, hashOf("older"), "anchored"],
        [x, hashOf("older"), "revoked"],
      ]);
      expect(listed[3].revocation).to.deep.equal({
        revokedAt: T + 12,
        reason: 2,
        revokedBy: A,
        txHash: hashOf("revoking"),
      });
      expect(listed[0].anchoring).to.deep.equal({
        root: hashOf("newer"),
        registrar: B,
        txHash: hashOf("tx newer"),
        blockNumber: 11,
        timestamp: T + 11,
        leafCount: 2,
      });
    });

    it("lists this service's documents the index does not hold yet first, newest accepted first", function () {
      const [queued, early, late, indexed] = randomShas(4);
      store.acceptMany([
        { sha256: indexed, acceptedAtMs: 1 },
        { sha256: early, acceptedAtMs: 2 },
        { sha256: late, acceptedAtMs: 3 },
        { sha256: queued, acceptedAtMs: 4 },
      ]);
      ownBatch("indexed", [indexed], 5);
      store.index.apply(anchoringStep(6, [{ label: "indexed", registrar: A, block: 5, members: [indexed] }]));
      ownBatch("above the cursor", [early], 7);
      store.prepareBatch(hashOf("prepared"), [late], 0);

      const listed = page(ALL, 10);
      expect(listed.map((e) => [e.sha256, e.status, e.position.part])).to.deep.equal([
        [queued, "pending", "queue"],
        [late, "pending", "queue"],
        [early, "anchored", "queue"],
        [indexed, "anchored", "index"],
      ]);
      expect(listed[2].anchoring).to.include({ root: hashOf("above the cursor"), blockNumber: 7, registrar: A });
      expect(listed[0]).to.include({ acceptedAtMs: 4 }).and.not.have.property("anchoring");
      expect(page({ includeQueue: false }, 10).map((e) => e.sha256)).to.deep.equal([indexed]);
    });

    it("shows a revocation this service sent before the index reads its block", function () {
      const [x] = randomShas(1);
      store.acceptMany([{ sha256: x, acceptedAtMs: 1 }]);
      ownBatch("own", [x], 5);
      store.index.apply(anchoringStep(6, [{ label: "own", registrar: A, block: 5, members: [x] }]));
      store.markRevoked(x, { revokedAt: T + 7, reason: 1, revokedBy: A, txHash: hashOf("revocation") });
      const [entry] = page(ALL, 10);
      expect(entry).to.deep.include({ status: "revoked", sha256: x });
      expect(page({ ...ALL, status: "revoked" }, 10)).to.deep.equal([entry]);
      expect(page({ ...ALL, status: "anchored" }, 10)).to.deep.equal([]);
      expect(entry.revocation).to.deep.equal({
        revokedAt: T + 7,
        reason: 1,
        revokedBy: A,
        txHash: hashOf("revocation"),
      });
    });

    describe("when filtered", function () {
      let byA: Sha256Hex, byB: Sha256Hex, revoked: Sha256Hex, pending: Sha256Hex;

      beforeEach(function () {
        [byA, byB, revoked, pending] = randomShas(4);
        store.index.apply(
          anchoringStep(
            30,
            [
              { label: "a", registrar: A, block: 10, members: [byA, revoked] },
              { label: "b", registrar: B, block: 20, members: [byB] },
            ],
            [
              {
                root: hashOf("a"),
                sha256: revoked,
                revokedBy: A,
                reason: 1,
                txHash: hashOf("r"),
                blockNumber: 30,
                revokedAt: T + 30,
              },
            ],
          ),
        );
        store.acceptMany([{ sha256: pending, acceptedAtMs: (T + 25) * 1000 }]);
      });

      it("keeps one registrar's anchorings", function () {
        expect(digests(page({ registrar: B, includeQueue: false }, 10))).to.deep.equal([byB]);
        expect(new Set(digests(page({ registrar: A, includeQueue: false }, 10)))).to.deep.equal(
          new Set([byA, revoked]),
        );
      });

      it("keeps one status; pending ones come from the queue only", function () {
        expect(digests(page({ ...ALL, status: "pending" }, 10))).to.deep.equal([pending]);
        expect(digests(page({ ...ALL, status: "revoked" }, 10))).to.deep.equal([revoked]);
        expect(new Set(digests(page({ ...ALL, status: "anchored" }, 10)))).to.deep.equal(new Set([byA, byB]));
      });

      it("keeps a time range: anchoring time, or acceptance time while pending; from inclusive, to exclusive", function () {
        const ms = (seconds: number) => seconds * 1000;
        expect(digests(page({ ...ALL, fromMs: ms(T + 20) }, 10))).to.deep.equal([pending, byB]);
        expect(digests(page({ ...ALL, fromMs: ms(T + 20), toMs: ms(T + 25) }, 10))).to.deep.equal([byB]);
        expect(digests(page({ ...ALL, toMs: ms(T + 20) }, 10))).to.have.members([byA, revoked]);
        // Anchoring times are whole seconds: a bound within a second rounds up to the next one.
        expect(digests(page({ ...ALL, fromMs: ms(T + 20) - 500, toMs: ms(T + 21) }, 10))).to.deep.equal([byB]);
      });
    });

    it("lists as of its snapshot: later documents and anchorings are left out, and no entry changes part", function () {
      const [pendingThen, anchoredThen] = randomShas(2);
      store.acceptMany([
        { sha256: anchoredThen, acceptedAtMs: 1 },
        { sha256: pendingThen, acceptedAtMs: 2 },
      ]);
      ownBatch("before", [anchoredThen], 5);
      store.index.apply(anchoringStep(6, [{ label: "before", registrar: A, block: 5, members: [anchoredThen] }]));
      const snapshot = store.listing.snapshot();
      expect(snapshot).to.deep.equal({ indexedTo: 6, lastDocument: 2 });

      const [later] = randomShas(1);
      store.acceptMany([{ sha256: later, acceptedAtMs: 3 }]);
      ownBatch("after", [pendingThen, later], 7);
      const [other] = randomShas(1);
      store.index.apply(
        anchoringStep(8, [
          { label: "after", registrar: A, block: 7, members: [pendingThen, later].sort() },
          { label: "other", registrar: B, block: 8, members: [other] },
        ]),
      );

      const asOf = store.listing.page(ALL, 10, snapshot);
      expect(asOf.map((e) => [e.sha256, e.position.part, e.status])).to.deep.equal([
        [pendingThen, "queue", "anchored"],
        [anchoredThen, "index", "anchored"],
      ]);
      expect(digests(page(ALL, 10))).to.deep.equal([other, ...[pendingThen, later].sort().reverse(), anchoredThen]);
    });

    it("goes on after a position in either part, and returns at most the limit", function () {
      const members = randomShas(5).sort();
      store.index.apply(anchoringStep(3, [{ label: "batch", registrar: A, block: 2, members }]));
      const queued = randomShas(3);
      store.acceptMany(queued.map((sha256, i) => ({ sha256, acceptedAtMs: 100 + i })));
      const everything = page(ALL, 100);
      expect(everything).to.have.length(8);
      for (const [at, size] of [
        [0, 2],
        [1, 4],
        [3, 2],
        [5, 10],
      ]) {
        expect(page(ALL, size, everything[at].position)).to.deep.equal(everything.slice(at + 1, at + 1 + size));
      }
    });
  });
});
