import { expect } from "chai";
import { ChainHead } from "../../../server/chain/chain-head";

/** A head reader whose reads the test answers one by one. */
function controlledReader() {
  const reads: { resolve: (hash: string) => void; reject: (error: Error) => void }[] = [];
  const read = () => new Promise<string>((resolve, reject) => reads.push({ resolve, reject }));
  return { read, reads };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("ChainHead", function () {
  describe("latest", function () {
    it("reads the head once for every caller waiting when a read starts", async function () {
      const { read, reads } = controlledReader();
      const head = new ChainHead(read);
      const first = head.latest();
      const waiting = [head.latest(), head.latest(), head.latest()];
      expect(reads).to.have.length(1);
      reads[0].resolve("0xa");
      expect(await first).to.equal("0xa");
      await tick();
      expect(reads).to.have.length(2);
      reads[1].resolve("0xb");
      expect(await Promise.all(waiting)).to.deep.equal(["0xb", "0xb", "0xb"]);
    });

    describe("when a read is under way", function () {
      it("answers a later caller with a read that starts after it asked", async function () {
        const { read, reads } = controlledReader();
        const head = new ChainHead(read);
        void head.latest();
        const later = head.latest();
        reads[0].resolve("0xold");
        await tick();
        reads[1].resolve("0xnew");
        expect(await later).to.equal("0xnew");
      });
    });

    describe("when a read fails", function () {
      it("fails its callers and reads again for the next", async function () {
        const { read, reads } = controlledReader();
        const head = new ChainHead(read);
        const failing = head.latest();
        reads[0].reject(new Error("node down"));
        expect(await failing.catch((e: Error) => e.message)).to.equal("node down");
        const next = head.latest();
        expect(reads).to.have.length(2);
        reads[1].resolve("0xc");
        expect(await next).to.equal("0xc");
      });
    });
  });

  describe("known", function () {
    it("answers the last head read without asking the node again", async function () {
      const { read, reads } = controlledReader();
      const head = new ChainHead(read);
      const first = head.known();
      expect(reads).to.have.length(1);
      reads[0].resolve("0xa");
      expect(await first).to.equal("0xa");
      expect(await head.known()).to.equal("0xa");
      expect(reads).to.have.length(1);
      const latest = head.latest();
      reads[1].resolve("0xb");
      expect(await latest).to.equal("0xb");
      expect(await head.known()).to.equal("0xb");
    });
  });
});
