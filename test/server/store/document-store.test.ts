import { expect } from "chai";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { isStorageFailure, DocumentStore, type RevocationRecord } from "../../../server/store/document-store";
import { isDocproofError } from "../../../server/errors";
import type { Hex32, Sha256Hex } from "../../../server/proof/digest";
import { randomSha, randomShas, tempDir, tempStore } from "../../support/unit-fixtures";

const withCode = (code: string) => Object.assign(new Error(code), { code });
const T0 = Date.parse("2030-01-02T03:04:05.000Z");

describe("DocumentStore", function () {
  describe("isStorageFailure", function () {
    it("recognises a full, read-only or failing disk", function () {
      for (const code of [
        "SQLITE_FULL",
        "SQLITE_READONLY",
        "SQLITE_READONLY_DBMOVED",
        "SQLITE_IOERR",
        "SQLITE_IOERR_WRITE",
        "SQLITE_CANTOPEN",
        "SQLITE_BUSY",
        "ENOSPC",
        "EROFS",
        "EACCES",
      ]) {
        expect(isStorageFailure(withCode(code)), code).to.equal(true);
      }
    });

    it("leaves other failures alone", function () {
      for (const error of [withCode("SQLITE_CONSTRAINT_UNIQUE"), withCode("SQLITE_ERROR"), new TypeError("x"), null]) {
        expect(isStorageFailure(error), String(error)).to.equal(false);
      }
    });
  });

  describe("open", function () {
    it("answers store-unavailable for a data directory that cannot be created", function () {
      const dir = mkdtempSync(path.join(tmpdir(), "docproof-store-"));
      try {
        // A regular file where the directory should be: ENOTDIR on every platform and for root too.
        const store = DocumentStore.open(dir);
        store.close();
        const error = (() => {
          try {
            DocumentStore.open(path.join(dir, "docproof.sqlite", "below"));
          } catch (e) {
            return e;
          }
        })();
        expect(isDocproofError(error, "store-unavailable"), String(error)).to.equal(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("with a store in a temporary folder", function () {
    let temp: ReturnType<typeof tempStore>;
    let store: DocumentStore;

    beforeEach(function () {
      temp = tempStore();
      store = temp.store;
    });
    afterEach(function () {
      temp.dispose();
    });

    const accept = (digests: readonly Sha256Hex[], acceptedAtMs = T0) =>
      store.acceptMany(digests.map((sha256) => ({ sha256, acceptedAtMs })));
    /** A root for tests that do not check it: the store keeps what it is given. */
    const rootOf = (label: string) => `0x${Buffer.from(label.padEnd(32, ".")).toString("hex")}` as Hex32;

    describe("acceptMany", function () {
      describe("when the digests are new", function () {
        it("queues each and answers true for each", function () {
          const digests = randomShas(3);
          expect(accept(digests)).to.deep.equal([true, true, true]);
          expect(store.countUnbatched()).to.equal(3);
          for (const sha256 of digests) expect(store.document(sha256)).to.deep.include({ sha256, acceptedAtMs: T0 });
        });
      });

      describe("when some were accepted before", function () {
        it("answers false for those and keeps their first acceptance time", function () {
          const [known, fresh] = randomShas(2);
          accept([known], T0);
          expect(accept([known, fresh], T0 + 1_000)).to.deep.equal([false, true]);
          expect(store.document(known)?.acceptedAtMs).to.equal(T0);
          expect(store.document(fresh)?.acceptedAtMs).to.equal(T0 + 1_000);
          expect(store.countUnbatched()).to.equal(2);
        });
      });

      describe("when a digest is repeated in the list", function () {
        it("answers new for its first occurrence only", function () {
          const [a, b] = randomShas(2);
          expect(accept([a, b, a, a])).to.deep.equal([true, true, false, false]);
          expect(store.countUnbatched()).to.equal(2);
        });
      });
    });

    describe("document", function () {
      describe("when the digest is unknown", function () {
        it("answers undefined", function () {
          expect(store.document(randomSha())).to.equal(undefined);
        });
      });
    });

    describe("unbatched", function () {
      describe("when more are queued than asked for", function () {
        it("answers the oldest first, up to the limit", function () {
          const [newest, oldest, middle] = randomShas(3);
          accept([newest], T0 + 20);
          accept([oldest], T0);
          accept([middle], T0 + 10);
          expect(store.unbatched(2)).to.deep.equal([oldest, middle]);
          expect(store.unbatched(10)).to.deep.equal([oldest, middle, newest]);
        });

        it("orders documents accepted at the same time by digest", function () {
          const digests = randomShas(5);
          accept(digests);
          expect(store.unbatched(5)).to.deep.equal([...digests].sort());
        });
      });

      describe("when some are in a batch", function () {
        it("leaves them out", function () {
          const [batched, waiting] = randomShas(2);
          accept([batched, waiting]);
          store.prepareBatch(rootOf("one"), [batched], T0);
          expect(store.unbatched(10)).to.deep.equal([waiting]);
          expect(store.countUnbatched()).to.equal(1);
        });
      });
    });

    describe("prepareBatch", function () {
      describe("when every member is waiting", function () {
        it("records a prepared batch and assigns every member to it", function () {
          const members = randomShas(4);
          accept(members);
          const batch = store.prepareBatch(rootOf("batch"), members, T0 + 5);
          expect(batch).to.deep.include({
            root: rootOf("batch"),
            leafCount: 4,
            state: "prepared",
            createdAtMs: T0 + 5,
          });
          expect(batch.txHash).to.equal(undefined);
          for (const sha256 of members) expect(store.document(sha256)?.batch).to.deep.equal(batch);
          expect(store.countUnbatched()).to.equal(0);
        });
      });

      describe("when a member is already in a batch", function () {
        it("refuses and leaves nothing half-done", function () {
          const [shared, first, second] = randomShas(3);
          accept([shared, first, second]);
          const earlier = store.prepareBatch(rootOf("earlier"), [shared, first], T0);
          expect(() => store.prepareBatch(rootOf("later"), [second, shared], T0)).to.throw(/not waiting for a batch/);
          expect(store.document(second)?.batch).to.equal(undefined);
          expect(store.document(shared)?.batch?.id).to.equal(earlier.id);
          expect(store.unfinishedBatches().map((b) => b.root)).to.deep.equal([rootOf("earlier")]);
          expect(store.stats()).to.include({ batches: 1, unbatched: 1 });
        });
      });

      describe("when a member is listed twice", function () {
        it("refuses and records no batch", function () {
          const [once, twice] = randomShas(2);
          accept([once, twice]);
          expect(() => store.prepareBatch(rootOf("twice"), [twice, once, twice], T0)).to.throw(/listed twice/);
          expect(store.document(twice)?.batch).to.equal(undefined);
          expect(store.stats().batches).to.equal(0);
        });
      });

      describe("when a member was never accepted", function () {
        it("refuses and records no batch", function () {
          const [accepted] = randomShas(1);
          accept([accepted]);
          expect(() => store.prepareBatch(rootOf("ghost"), [accepted, randomSha()], T0)).to.throw();
          expect(store.document(accepted)?.batch).to.equal(undefined);
          expect(store.stats().batches).to.equal(0);
        });
      });
    });

    describe("members", function () {
      it("answers a batch's members in digest order", function () {
        const members = randomShas(6);
        accept(members);
        const batch = store.prepareBatch(rootOf("sorted"), members, T0);
        expect(store.members(batch.id)).to.deep.equal([...members].sort());
      });
    });

    describe("markSent, markAnchored and unfinishedBatches", function () {
      it("follows each batch from prepared to sent to anchored", function () {
        const [a, b, c] = randomShas(3);
        accept([a, b, c]);
        const first = store.prepareBatch(rootOf("first"), [a, b], T0);
        const second = store.prepareBatch(rootOf("second"), [c], T0 + 1);
        expect(store.unfinishedBatches().map((batch) => [batch.id, batch.state])).to.deep.equal([
          [first.id, "prepared"],
          [second.id, "prepared"],
        ]);

        const txHash = `0x${"ab".repeat(32)}` as Hex32;
        store.markSent(first.id, txHash);
        expect(store.unfinishedBatches().map((batch) => [batch.id, batch.state, batch.txHash])).to.deep.equal([
          [first.id, "sent", txHash],
          [second.id, "prepared", undefined],
        ]);

        const facts = {
          txHash,
          blockNumber: 42,
          blockHash: `0x${"42".repeat(32)}`,
          timestamp: 1_900_000_000,
          registrar: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        };
        store.markAnchored(first.id, facts, T0 + 2_000);
        expect(store.unfinishedBatches().map((batch) => batch.id)).to.deep.equal([second.id]);
        const { blockHash, ...recorded } = facts;
        expect(store.document(a)?.batch).to.deep.include({ ...recorded, state: "anchored", anchoredAtMs: T0 + 2_000 });
        expect(store.index.knownBlocks(42, 1), "the anchoring's block is remembered").to.deep.equal([
          { number: 42, hash: blockHash },
        ]);
        expect(store.stats()).to.include({ batches: 2, anchoredBatches: 1 });
      });
    });

    describe("markRevoked", function () {
      it("records the revocation of one document", function () {
        const [revoked, kept] = randomShas(2);
        accept([revoked, kept]);
        const revocation: RevocationRecord = {
          revokedAt: 1_900_000_100,
          reason: 3,
          revokedBy: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
          txHash: `0x${"cd".repeat(32)}` as Hex32,
        };
        store.markRevoked(revoked, revocation);
        expect(store.document(revoked)?.revocation).to.deep.equal(revocation);
        expect(store.document(kept)?.revocation).to.equal(undefined);
      });
    });

    describe("isEmpty", function () {
      it("answers true until a document is accepted", function () {
        expect(store.isEmpty()).to.equal(true);
        accept([randomSha()]);
        expect(store.isEmpty()).to.equal(false);
      });
    });

    describe("chainIdentity", function () {
      it("answers undefined until recorded, then what was recorded last", function () {
        expect(store.chainIdentity()).to.equal(undefined);
        const identity = {
          chainId: 31337,
          registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
          genesisHash: `0x${"12".repeat(32)}`,
        };
        store.recordChainIdentity(identity);
        expect(store.chainIdentity()).to.deep.equal(identity);
        const replaced = { ...identity, chainId: 700_001, genesisHash: `0x${"34".repeat(32)}` };
        store.recordChainIdentity(replaced);
        expect(store.chainIdentity()).to.deep.equal(replaced);
      });
    });

    describe("when reopened after close", function () {
      it("keeps documents, batches, revocations and the chain identity", function () {
        const [anchored, queued] = randomShas(2);
        accept([anchored, queued]);
        const batch = store.prepareBatch(rootOf("kept"), [anchored], T0);
        const facts = {
          txHash: `0x${"aa".repeat(32)}` as Hex32,
          blockNumber: 3,
          blockHash: `0x${"03".repeat(32)}`,
          timestamp: 1_900_000_000,
          registrar: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        };
        store.markSent(batch.id, facts.txHash);
        store.markAnchored(batch.id, facts, T0 + 1);
        const revocation = { revokedAt: 1_900_000_009, reason: 1, revokedBy: facts.registrar, txHash: facts.txHash };
        store.markRevoked(anchored, revocation);
        const identity = {
          chainId: 31337,
          registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
          genesisHash: "0x01",
        };
        store.recordChainIdentity(identity);
        const before = { anchored: store.document(anchored), queued: store.document(queued), stats: store.stats() };
        store.close();

        const reopened = DocumentStore.open(temp.dir);
        try {
          expect(reopened.document(anchored)).to.deep.equal(before.anchored);
          expect(reopened.document(anchored)?.revocation).to.deep.equal(revocation);
          expect(reopened.document(queued)).to.deep.equal(before.queued);
          expect(reopened.stats()).to.deep.equal(before.stats);
          expect(reopened.chainIdentity()).to.deep.equal(identity);
          expect(reopened.unbatched(10)).to.deep.equal([queued]);
        } finally {
          reopened.close();
        }
      });
    });
  });

  describe("delete", function () {
    describe("when the store is closed", function () {
      it("removes the database and its write-ahead files, and nothing else", function () {
        const { dir, remove } = tempDir();
        try {
          const store = DocumentStore.open(dir);
          store.acceptMany([{ sha256: randomSha(), acceptedAtMs: T0 }]);
          store.close();
          // What a process that died with the database open leaves beside it.
          writeFileSync(path.join(dir, "docproof.sqlite-wal"), "wal");
          writeFileSync(path.join(dir, "docproof.sqlite-shm"), "shm");
          writeFileSync(path.join(dir, "notes.txt"), "not the store's");

          DocumentStore.delete(dir);

          expect(readdirSync(dir)).to.deep.equal(["notes.txt"]);
          const fresh = DocumentStore.open(dir);
          try {
            expect(fresh.isEmpty()).to.equal(true);
          } finally {
            fresh.close();
          }
        } finally {
          remove();
        }
      });

      it("does nothing where there is no store", function () {
        const { dir, remove } = tempDir();
        try {
          expect(() => DocumentStore.delete(dir)).to.not.throw();
          expect(existsSync(dir)).to.equal(true);
        } finally {
          remove();
        }
      });
    });
  });
});
