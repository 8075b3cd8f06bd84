import { expect } from "chai";
import { randomBytes } from "node:crypto";
import type { Hex32, Sha256Hex } from "../../../server/proof/digest";
import { buildBatch, verifyProof } from "../../../server/proof/merkle";
import { ReceiptBook, TREE_CACHE_LEAVES, type DocumentAnchoring } from "../../../server/service/receipt-book";

const REGISTRY = { chainId: 31337, address: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };

/** An anchoring of `size` random documents that counts how often its members are read (each read builds its tree). */
function anchoringOf(size: number, blockNumber: number): DocumentAnchoring & { reads: number; docs: Sha256Hex[] } {
  const docs = Array.from({ length: size }, () => randomBytes(32).toString("hex") as Sha256Hex).sort();
  const anchoring = {
    root: buildBatch(docs.map((sha256) => `0x${sha256}` as Hex32)).root,
    leafCount: size,
    txHash: `0x${randomBytes(32).toString("hex")}` as Hex32,
    blockNumber,
    timestamp: 1_790_000_000 + blockNumber,
    registrar: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    reads: 0,
    docs,
    members() {
      anchoring.reads++;
      return docs;
    },
  };
  return anchoring;
}

describe("ReceiptBook", function () {
  it("builds each batch's receipts from one tree, with proofs that hold", function () {
    const book = new ReceiptBook(REGISTRY);
    const batch = anchoringOf(50, 10);
    for (const sha256 of batch.docs.slice(0, 5)) {
      const receipt = book.receiptOf(sha256, batch);
      expect(receipt.merkleRoot).to.be.a("string");
      expect(verifyProof(`0x${sha256}`, receipt.merkleRoot, receipt.proof), sha256).to.equal(true);
    }
    expect(batch.reads).to.equal(1);
  });

  it("keeps trees up to a number of leaves, so that large batches cannot pile up, and 64 small ones at most", function () {
    this.timeout(60_000);
    const book = new ReceiptBook(REGISTRY);
    const [first, second] = [anchoringOf(TREE_CACHE_LEAVES / 2 + 1, 1), anchoringOf(TREE_CACHE_LEAVES / 2 + 1, 2)];
    book.receiptOf(first.docs[0], first);
    book.receiptOf(second.docs[0], second);
    // Both trees together exceed the leaves kept: the first was let go, and is built again.
    book.receiptOf(first.docs[1], first);
    expect([first.reads, second.reads]).to.deep.equal([2, 1]);

    const small = Array.from({ length: 64 }, (_, i) => anchoringOf(4, 100 + i));
    for (const batch of small) book.receiptOf(batch.docs[0], batch);
    for (const batch of small) book.receiptOf(batch.docs[1], batch);
    expect(
      small.map((batch) => batch.reads),
      "64 small trees fit",
    ).to.deep.equal(small.map(() => 1));
    // And no more than 64, however small: the 65th lets the oldest go.
    const extra = anchoringOf(4, 200);
    book.receiptOf(extra.docs[0], extra);
    book.receiptOf(small[0].docs[2], small[0]);
    expect(small[0].reads).to.equal(2);
  });
});
