import { expect } from "chai";
import { keccak256, toUtf8Bytes } from "ethers";
import type { Hex32 } from "../../../server/proof/digest";
import type { DocumentStore } from "../../../server/store/document-store";
import type { IndexUpdate } from "../../../server/store/registry-index";
import { randomShas, tempStore } from "../../support/unit-fixtures";

const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const hashOf = (label: string) => keccak256(toUtf8Bytes(label)) as Hex32;
const block = (n: number) => ({ number: n, hash: hashOf(`block ${n}`) });

function update(cursor: number, parts: Partial<IndexUpdate> = {}): IndexUpdate {
  return {
    anchorings: [],
    revocations: [],
    organisations: [],
    roles: [],
    blocks: [],
    cursor: block(cursor),
    ...parts,
  };
}

describe("RegistryIndexStore", function () {
  let store: DocumentStore;
  let dispose: () => void;

  beforeEach(function () {
    ({ store, dispose } = tempStore());
  });
  afterEach(function () {
    dispose();
  });

  describe("apply", function () {
    it("indexes anchorings with their members, revocations and the cursor, in one write", function () {
      const [x, y, z] = randomShas(3).sort();
      const revocationOfY = {
        root: hashOf("r1"),
        sha256: y,
        revokedBy: A,
        reason: 1,
        txHash: hashOf("t3"),
        blockNumber: 12,
        revokedAt: 1002,
      };
      const index = store.index;
      expect(index.cursor()).to.equal(undefined);
      index.apply(
        update(12, {
          anchorings: [
            {
              root: hashOf("r1"),
              registrar: A,
              txHash: hashOf("t1"),
              blockNumber: 10,
              timestamp: 1000,
              leafCount: 2,
              members: [x, y],
            },
            {
              root: hashOf("r2"),
              registrar: B,
              txHash: hashOf("t2"),
              blockNumber: 11,
              timestamp: 1001,
              leafCount: 2,
              members: [y, z],
            },
          ],
          revocations: [revocationOfY],
          blocks: [block(10), block(11)],
        }),
      );
      expect(index.cursor()).to.deep.equal(block(12));
      expect(index.members(hashOf("r1"))).to.deep.equal([x, y]);
      const ofY = index.anchoringsOf(y);
      expect(ofY.map((a) => a.root)).to.deep.equal([hashOf("r1"), hashOf("r2")]);
      // Every field read back as written, through the join that reads them with their anchoring.
      expect(ofY[0].revocation).to.deep.equal(revocationOfY);
      expect(ofY[0]).to.include({ txHash: hashOf("t1"), blockNumber: 10, timestamp: 1000, registrar: A });
      expect(ofY[1].revocation).to.equal(undefined);
      expect(index.counts()).to.deep.equal({ anchorings: 2, documents: 4, revocations: 1 });
      expect(index.knownBlocks(100, 10).map((b) => b.number)).to.deep.equal([12, 11, 10]);
    });

    it("is idempotent: the same step written twice changes nothing", function () {
      const [x] = randomShas(1);
      const step = update(5, {
        anchorings: [
          {
            root: hashOf("r"),
            registrar: A,
            txHash: hashOf("t"),
            blockNumber: 5,
            timestamp: 9,
            leafCount: 1,
            members: [x],
          },
        ],
      });
      store.index.apply(step);
      store.index.apply(step);
      expect(store.index.counts()).to.deep.equal({ anchorings: 1, documents: 1, revocations: 0 });
    });
  });

  describe("registrars", function () {
    it("lists each member with its latest name, its role and its anchorings", function () {
      const [x, y] = randomShas(2);
      store.index.apply(
        update(30, {
          organisations: [
            { registrar: A, name: "Bank A", uri: "", blockNumber: 1, logIndex: 0 },
            { registrar: A, name: "Bank A plc", uri: "https://a.example", blockNumber: 20, logIndex: 1 },
            { registrar: B, name: "Registry B", uri: "", blockNumber: 2, logIndex: 0 },
          ],
          roles: [
            { registrar: A, granted: true, blockNumber: 1, logIndex: 1 },
            { registrar: B, granted: true, blockNumber: 2, logIndex: 1 },
            { registrar: B, granted: false, blockNumber: 25, logIndex: 0 },
          ],
          anchorings: [
            {
              root: hashOf("a1"),
              registrar: A,
              txHash: hashOf("ta1"),
              blockNumber: 21,
              timestamp: 21,
              leafCount: 1,
              members: [x],
            },
            {
              root: hashOf("a2"),
              registrar: A,
              txHash: hashOf("ta2"),
              blockNumber: 22,
              timestamp: 22,
              leafCount: 1,
              members: [y],
            },
          ],
        }),
      );
      const [first, second] = store.index.registrars();
      expect(first).to.deep.include({ address: A, name: "Bank A plc", uri: "https://a.example", active: true });
      expect(first).to.include({ anchorings: 2, documents: 2 });
      expect(first.lastAnchoring).to.include({ blockNumber: 22, txHash: hashOf("ta2") });
      expect(second).to.deep.include({ address: B, name: "Registry B", active: false, anchorings: 0 });
      expect(store.index.organisationOf(A.toLowerCase())).to.deep.equal({
        name: "Bank A plc",
        uri: "https://a.example",
      });
    });
  });

  describe("organisationOf", function () {
    it("answers a renaming and a rollback at once, though every verdict reads it", function () {
      store.index.apply(
        update(10, { organisations: [{ registrar: A, name: "Bank A", uri: "", blockNumber: 5, logIndex: 0 }] }),
      );
      expect(store.index.organisationOf(A)).to.deep.equal({ name: "Bank A", uri: "" });
      expect(store.index.organisationOf(B), "never named").to.equal(undefined);
      store.index.apply(
        update(20, {
          organisations: [
            { registrar: A, name: "Bank A plc", uri: "https://a.example", blockNumber: 15, logIndex: 0 },
            { registrar: B, name: "Registry B", uri: "", blockNumber: 16, logIndex: 0 },
          ],
          blocks: [block(15), block(16)],
        }),
      );
      expect(store.index.organisationOf(A.toLowerCase())).to.deep.equal({
        name: "Bank A plc",
        uri: "https://a.example",
      });
      expect(store.index.organisationOf(B)).to.deep.equal({ name: "Registry B", uri: "" });
      store.index.rollBackTo(block(10), 123);
      expect(store.index.organisationOf(A)).to.deep.equal({ name: "Bank A", uri: "" });
      expect(store.index.organisationOf(B)).to.equal(undefined);
    });
  });

  describe("holdsRole", function () {
    it("answers the latest grant or revocation of an address, in any case, and undefined for one never seen", function () {
      store.index.apply(
        update(30, {
          roles: [
            { registrar: A, granted: true, blockNumber: 1, logIndex: 1 },
            { registrar: B, granted: true, blockNumber: 2, logIndex: 1 },
            { registrar: B, granted: false, blockNumber: 25, logIndex: 0 },
          ],
        }),
      );
      expect([store.index.holdsRole(A), store.index.holdsRole(B.toLowerCase())]).to.deep.equal([true, false]);
      expect(store.index.holdsRole("0x90F79bf6EB2c4f870365E785982E1f101E93b906")).to.equal(undefined);
      store.index.apply(update(31, { roles: [{ registrar: B, granted: true, blockNumber: 31, logIndex: 0 }] }));
      expect(store.index.holdsRole(B)).to.equal(true);
    });
  });

  describe("rollBackTo", function () {
    it("forgets everything above the block, keeps the removed anchorings as superseded, and moves the cursor back", function () {
      const [x, y] = randomShas(2);
      store.index.apply(
        update(20, {
          anchorings: [
            {
              root: hashOf("kept"),
              registrar: A,
              txHash: hashOf("t1"),
              blockNumber: 10,
              timestamp: 10,
              leafCount: 1,
              members: [x],
            },
            {
              root: hashOf("gone"),
              registrar: A,
              txHash: hashOf("t2"),
              blockNumber: 15,
              timestamp: 15,
              leafCount: 1,
              members: [y],
            },
          ],
          revocations: [
            {
              root: hashOf("kept"),
              sha256: x,
              revokedBy: A,
              reason: 2,
              txHash: hashOf("t3"),
              blockNumber: 16,
              revokedAt: 16,
            },
          ],
          blocks: [block(10), block(15), block(16)],
        }),
      );
      const removed = store.index.rollBackTo(block(10), 123);
      expect(removed).to.deep.equal([{ root: hashOf("gone"), txHash: hashOf("t2"), blockNumber: 15, timestamp: 15 }]);
      expect(store.index.cursor()).to.deep.equal(block(10));
      expect(store.index.anchoringsOf(y)).to.deep.equal([]);
      expect(store.index.anchoringsOf(x)[0].revocation).to.equal(undefined);
      expect(store.index.knownBlocks(100, 10)).to.deep.equal([block(10)]);
      expect(store.index.superseded(hashOf("gone"), hashOf("t2"))).to.include({ blockNumber: 15 });
      expect(store.index.wasSuperseded(hashOf("gone"))).to.equal(true);
      expect(store.index.wasSuperseded(hashOf("kept"))).to.equal(false);
    });
  });
});
