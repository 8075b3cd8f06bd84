import { expect } from "chai";
import Database from "better-sqlite3";
import path from "node:path";
import { isDocproofError } from "../../../server/errors";
import { DocumentStore } from "../../../server/store/document-store";
import { SqliteConnection } from "../../../server/store/sqlite";
import { ChainWitnessStore, TimeStampStore } from "../../../server/store/time-stamp-store";
import type { ChainWitnessRecord } from "../../../server/timestamp/witness-imprint";
import { randomSha, tempDir, tempStore } from "../../support/unit-fixtures";

const T0 = Date.parse("2030-01-02T03:04:05.000Z");

function witness(blockNumber: number, genTimeMs: number, hashByte = blockNumber): ChainWitnessRecord {
  return {
    blockNumber: BigInt(blockNumber),
    blockHash: `0x${hashByte.toString(16).padStart(2, "0").repeat(32)}`,
    sha256: randomSha(),
    authority: "http://tsa.example/",
    genTime: new Date(genTimeMs),
    // An outside TSA's serial may have up to 160 bits.
    serial: 2n ** 150n + BigInt(blockNumber),
    reply: new Uint8Array([blockNumber, 1, 2, 3]),
    witnessedAt: new Date(genTimeMs + 10),
  };
}

describe("TimeStampStore", function () {
  describe("next", function () {
    it("hands out positive serials, increasing, from the time in microseconds", function () {
      const { store, dispose } = tempStore();
      try {
        const serials = Array.from({ length: 2_500 }, () => store.timeStamps.next());
        expect(serials[0] >= BigInt(Date.now() - 60_000) * 1000n).to.equal(true);
        for (let i = 1; i < serials.length; i++) expect(serials[i] > serials[i - 1]).to.equal(true);
      } finally {
        dispose();
      }
    });

    it("never hands out a serial twice: not after a restart, nor after the store is deleted and made again", function () {
      const { dir, remove } = tempDir();
      let now = T0;
      const open = () => {
        const db = new Database(path.join(dir, "docproof.sqlite"));
        const migrated = DocumentStore.open(dir);
        migrated.close();
        return { db, serials: new TimeStampStore(new SqliteConnection(db), () => now) };
      };
      try {
        const seen = new Set<bigint>();
        const take = (serials: TimeStampStore, count: number) => {
          for (let i = 0; i < count; i++) {
            const serial = serials.next();
            expect(seen.has(serial), `serial ${serial} again`).to.equal(false);
            seen.add(serial);
          }
        };
        let first = open();
        take(first.serials, 1_500);
        first.db.close();
        // A restart at the same instant (the clock has not moved): the reserved block is skipped.
        first = open();
        take(first.serials, 10);
        first.db.close();
        // The store is deleted (a new development chain) while the TSA key stays: the clock has moved
        // on further than serials were reserved (3,000 at a thousand a millisecond).
        DocumentStore.delete(dir);
        now += 4;
        first = open();
        take(first.serials, 10);
        first.db.close();
        expect(seen.size).to.equal(1_520);
      } finally {
        remove();
      }
    });
  });

  describe("saveMany and timeStampsOf", function () {
    it("keeps each token with its serial, imprint, time and reply, and refuses a serial twice", function () {
      const { store, dispose } = tempStore();
      try {
        const sha256 = randomSha();
        const tokens = [
          { serial: store.timeStamps.next(), sha256, genTime: new Date(T0), reply: new Uint8Array([1, 2]) },
          { serial: store.timeStamps.next(), sha256, genTime: new Date(T0 + 5), reply: new Uint8Array([3]) },
        ];
        store.timeStamps.saveMany(tokens);
        expect(store.timeStamps.timeStampsOf(sha256)).to.deep.equal(tokens);
        expect(store.timeStamps.timeStampsOf(randomSha())).to.deep.equal([]);
        expect(store.timeStamps.count()).to.equal(2);
        expect(() => store.timeStamps.saveMany([tokens[0]])).to.throw(/UNIQUE/);
        expect(store.timeStamps.count()).to.equal(2);
      } finally {
        dispose();
      }
    });

    it("answers store-unavailable when the store is read-only", function () {
      const { store, dir, dispose } = tempStore();
      store.close();
      const db = new Database(path.join(dir, "docproof.sqlite"), { readonly: true });
      try {
        const timeStamps = new TimeStampStore(new SqliteConnection(db));
        const error = (() => {
          try {
            timeStamps.next();
          } catch (e) {
            return e;
          }
        })();
        expect(isDocproofError(error, "store-unavailable"), String(error)).to.equal(true);
      } finally {
        db.close();
        dispose();
      }
    });
  });
});

describe("ChainWitnessStore", function () {
  it("finds, for a block, the first witness at it or after it", async function () {
    const { store, dispose } = tempStore();
    try {
      const witnesses = store.witnesses;
      expect(await witnesses.latestWitness()).to.equal(undefined);
      const [w10, w20a, w20b, w30] = [
        witness(10, T0),
        witness(20, T0 + 2000),
        witness(20, T0 + 1000, 99),
        witness(30, T0),
      ];
      for (const w of [w10, w20a, w20b, w30]) await witnesses.saveWitness(w);
      expect(witnesses.firstCovering(5)).to.deep.equal(w10);
      expect(witnesses.firstCovering(10)).to.deep.equal(w10);
      expect(witnesses.firstCovering(11)).to.deep.equal(w20b);
      expect(witnesses.firstCovering(30)).to.deep.equal(w30);
      expect(witnesses.firstCovering(31)).to.equal(undefined);
      expect(await witnesses.latestWitness()).to.deep.equal(w30);
    } finally {
      dispose();
    }
  });

  it("answers from what is committed: a witness saved or superseded, not one rolled back", async function () {
    const { store, dir, dispose } = tempStore();
    store.close();
    const db = new Database(path.join(dir, "docproof.sqlite"));
    try {
      const witnesses = new ChainWitnessStore(new SqliteConnection(db));
      const [w20, w15, w40] = [witness(20, T0), witness(15, T0), witness(40, T0)];
      await witnesses.saveWitness(w20);
      expect(witnesses.firstCovering(11)).to.deep.equal(w20);
      expect(witnesses.firstCovering(11), "asked again").to.deep.equal(w20);
      await witnesses.saveWitness(w15);
      expect(witnesses.firstCovering(11), "after an earlier block's witness").to.deep.equal(w15);
      witnesses.supersedeAbove(12, T0 + 1);
      expect(witnesses.firstCovering(11), "after a rollback to block 12").to.equal(undefined);

      expect(() =>
        db.transaction(() => {
          void witnesses.saveWitness(w40);
          expect(witnesses.firstCovering(11)).to.deep.equal(w40);
          throw new Error("rolled back");
        })(),
      ).to.throw("rolled back");
      expect(witnesses.firstCovering(11), "after the transaction rolled back").to.equal(undefined);
    } finally {
      db.close();
      dispose();
    }
  });

  it("lets witnesses of blocks a rollback removed cover nothing", async function () {
    const { store, dispose } = tempStore();
    try {
      const witnesses = store.witnesses;
      for (const w of [witness(10, T0), witness(20, T0), witness(30, T0)]) await witnesses.saveWitness(w);
      expect(witnesses.supersedeAbove(15, T0 + 1)).to.equal(2);
      expect(witnesses.firstCovering(11)).to.equal(undefined);
      expect(Number((await witnesses.latestWitness())?.blockNumber)).to.equal(10);
      expect(witnesses.supersedeAbove(15, T0 + 2)).to.equal(0);
    } finally {
      dispose();
    }
  });
});
