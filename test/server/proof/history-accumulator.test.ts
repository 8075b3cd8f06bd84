import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { concat, keccak256, solidityPackedKeccak256 } from "ethers";
import { isEvidenceError } from "../../../server/proof/evidence-error";
import {
  accumulatorOf,
  buildReceiptLink,
  checkpointOf,
  checkReceiptLink,
  CheckpointSchema,
  epochRootOf,
  extendHistory,
  startHistory,
  type BlockHashHistory,
  type BlockLink,
} from "../../../server/proof/history-accumulator";
import type { Hex32 } from "../../../server/proof/digest";

const ZERO = `0x${"00".repeat(32)}`;
const randomHash = (): Hex32 => `0x${randomBytes(32).toString("hex")}`;

/** A chain of `count` blocks after the genesis, each naming the one before as its parent. */
function chainOf(genesis: Hex32, count: number, firstNumber = 1): BlockLink[] {
  const blocks: BlockLink[] = [];
  let parent = genesis;
  for (let i = 0; i < count; i++) {
    const hash = randomHash();
    blocks.push({ number: firstNumber + i, hash, parentHash: parent });
    parent = hash;
  }
  return blocks;
}

/** The model: every tree padded with zero leaves to its full width and hashed level by level. */
function modelRoot(hashes: readonly string[], epochSize: number): string {
  const treeRoot = (leaves: string[]): string => {
    let level = leaves;
    while (level.length > 1) {
      const up: string[] = [];
      for (let i = 0; i < level.length; i += 2) up.push(keccak256(concat([level[i], level[i + 1]])));
      level = up;
    }
    return level[0];
  };
  const pad = (leaves: string[], width: number) => [...leaves, ...Array(width - leaves.length).fill(ZERO)];
  const epochRoots: string[] = [];
  for (let start = 0; start < hashes.length; start += epochSize) {
    epochRoots.push(treeRoot(pad(hashes.slice(start, start + epochSize), epochSize)));
  }
  let width = 1;
  while (width < epochRoots.length) width *= 2;
  return solidityPackedKeccak256(["bytes32", "uint256"], [treeRoot(pad(epochRoots, width)), hashes.length]);
}

function historyOf(blockCount: number, epochSize: number): { history: BlockHashHistory; hashes: Hex32[] } {
  const genesis = randomHash();
  const blocks = chainOf(genesis, blockCount - 1);
  return {
    history: extendHistory(startHistory(31337, genesis, epochSize), blocks),
    hashes: [genesis, ...blocks.map((block) => block.hash)],
  };
}

describe("history accumulator", function () {
  describe("accumulatorOf", function () {
    for (const blockCount of [1, 2, 3, 4, 5, 8, 9, 16, 17, 33]) {
      it(`equals the zero-padded model for ${blockCount} blocks in epochs of 4`, function () {
        const { history, hashes } = historyOf(blockCount, 4);
        const accumulator = accumulatorOf(history);
        expect(accumulator.blockCount).to.equal(blockCount);
        expect(accumulator.root).to.equal(modelRoot(hashes, 4));
      });
    }

    for (const blockCount of [8192, 8193]) {
      it(`equals the model for ${blockCount} blocks in epochs of 8192`, function () {
        const { history, hashes } = historyOf(blockCount, 8192);
        expect(history.epochRoots).to.have.length(Math.floor(blockCount / 8192));
        expect(accumulatorOf(history).root).to.equal(modelRoot(hashes, 8192));
      });
    }

    it("is the same whether blocks are appended at once or in pieces", function () {
      const genesis = randomHash();
      const blocks = chainOf(genesis, 40);
      const atOnce = extendHistory(startHistory(1, genesis, 8), blocks);
      let inPieces = startHistory(1, genesis, 8);
      for (const [from, to] of [
        [0, 3],
        [3, 8],
        [8, 9],
        [9, 31],
        [31, 40],
      ]) {
        inPieces = extendHistory(inPieces, blocks.slice(from, to));
      }
      expect(inPieces).to.deep.equal(atOnce);
      expect(accumulatorOf(inPieces)).to.deep.equal(accumulatorOf(atOnce));
    });

    it("commits to the block count as well as the hashes", function () {
      const { history } = historyOf(5, 8);
      const withZero = extendHistory(history, [{ number: 5, hash: ZERO as Hex32, parentHash: history.head.blockHash }]);
      expect(accumulatorOf(withZero).root).to.not.equal(accumulatorOf(history).root);
    });
  });

  describe("extendHistory", function () {
    it("refuses a block that does not name the head as its parent", function () {
      const { history } = historyOf(10, 4);
      const error = captureError(() =>
        extendHistory(history, [{ number: 10, hash: randomHash(), parentHash: randomHash() }]),
      );
      expect(isEvidenceError(error, "history-broken")).to.equal(true);
      expect((error as Error).message).to.match(/names parent .* but block 9 is/);
    });

    it("refuses a gap in the block numbers", function () {
      const { history } = historyOf(10, 4);
      const error = captureError(() => extendHistory(history, chainOf(history.head.blockHash, 1, 11)));
      expect(isEvidenceError(error, "history-broken")).to.equal(true);
    });
  });

  describe("buildReceiptLink and checkReceiptLink", function () {
    it("link every block of a history to its checkpoint", function () {
      const { history, hashes } = historyOf(37, 4);
      const checkpoint = checkpointOf(history);
      for (let n = 0; n < hashes.length; n++) {
        const epoch = Math.floor(n / 4);
        const epochHashes = epoch < history.epochRoots.length ? hashes.slice(epoch * 4, epoch * 4 + 4) : undefined;
        const { blockHash, link } = buildReceiptLink(history, n, epochHashes);
        expect(blockHash).to.equal(hashes[n]);
        expect(checkReceiptLink(checkpoint, n, blockHash, link), `block ${n}`).to.equal(undefined);
      }
    });

    it("needs the block hashes of a complete epoch, and checks them against its root", function () {
      const { history, hashes } = historyOf(20, 4);
      expect(
        isEvidenceError(
          captureError(() => buildReceiptLink(history, 5)),
          "link-unavailable",
        ),
      ).to.equal(true);
      const altered = hashes.slice(4, 8);
      altered[2] = randomHash();
      const error = captureError(() => buildReceiptLink(history, 5, altered));
      expect(isEvidenceError(error, "link-unavailable")).to.equal(true);
      expect((error as Error).message).to.match(/do not match its recorded root/);
    });

    it("refuses a block after the checkpoint", function () {
      const { history } = historyOf(20, 4);
      expect(
        isEvidenceError(
          captureError(() => buildReceiptLink(history, 20)),
          "link-unavailable",
        ),
      ).to.equal(true);
    });

    describe("when the link or the block is altered", function () {
      const { history, hashes } = historyOf(37, 4);
      const checkpoint = checkpointOf(history);
      const { link } = buildReceiptLink(history, 6, hashes.slice(4, 8));

      it("fails for another block hash at the same height", function () {
        expect(checkReceiptLink(checkpoint, 6, randomHash(), link)).to.match(
          /is not the one the checkpoint at block 36 commits to/,
        );
      });

      it("fails for the right hash placed at another height", function () {
        expect(checkReceiptLink(checkpoint, 7, hashes[6], link)).to.match(/commits to/);
      });

      it("fails for an altered sibling", function () {
        const altered = { ...link, accumulatorProof: [randomHash(), ...link.accumulatorProof.slice(1)] };
        expect(checkReceiptLink(checkpoint, 6, hashes[6], altered)).to.match(/commits to/);
      });

      it("fails for a proof of the wrong length", function () {
        const short = { ...link, epochProof: link.epochProof.slice(1) };
        expect(checkReceiptLink(checkpoint, 6, hashes[6], short)).to.match(/needs 2 and 4/);
      });

      it("fails for a link made for another checkpoint", function () {
        const later = extendHistory(history, chainOf(history.head.blockHash, 1, 37));
        expect(checkReceiptLink(checkpointOf(later), 6, hashes[6], link)).to.match(
          /made for the checkpoint at block 36/,
        );
      });

      it("fails for a block newer than the checkpoint", function () {
        expect(checkReceiptLink(checkpoint, 40, hashes[6], link)).to.match(/newer than the checkpoint/);
      });
    });

    it("stays 25 hashes for a block a year of 1-second blocks older than the checkpoint", function () {
      this.timeout(60_000);
      const epochSize = 8192;
      const blockCount = 365 * 24 * 3600;
      const firstEpoch = Array.from({ length: epochSize }, randomHash);
      const completeEpochs = Math.floor(blockCount / epochSize);
      const tail = Array.from({ length: blockCount - completeEpochs * epochSize }, randomHash);
      // Complete epochs other than the first are never opened by this link: their roots stand in.
      const history: BlockHashHistory = {
        chainId: 1,
        genesisHash: firstEpoch[0],
        epochSize,
        head: { blockNumber: blockCount - 1, blockHash: tail[tail.length - 1] },
        epochRoots: [epochRootOf(firstEpoch, epochSize), ...Array.from({ length: completeEpochs - 1 }, randomHash)],
        tail,
      };
      const checkpoint = checkpointOf(history);
      const { blockHash, link } = buildReceiptLink(history, 1000, firstEpoch);
      expect(link.epochProof.length + link.accumulatorProof.length).to.equal(25);
      expect(checkReceiptLink(checkpoint, 1000, blockHash, link)).to.equal(undefined);
      expect(JSON.stringify(link).length).to.be.below(2_000);
    });
  });

  describe("CheckpointSchema", function () {
    it("accepts a checkpoint and refuses one whose block count is not its block number + 1", function () {
      const checkpoint = checkpointOf(historyOf(9, 4).history);
      expect(CheckpointSchema.parse(JSON.parse(JSON.stringify(checkpoint)))).to.deep.equal(checkpoint);
      const wrong = { ...checkpoint, blockNumber: checkpoint.blockNumber + 1 };
      expect(CheckpointSchema.safeParse(wrong).success).to.equal(false);
    });

    it("refuses an epoch size that is not a power of two", function () {
      const checkpoint = checkpointOf(historyOf(9, 4).history);
      const wrong = { ...checkpoint, accumulator: { ...checkpoint.accumulator, epochSize: 6 } };
      expect(CheckpointSchema.safeParse(wrong).success).to.equal(false);
    });
  });
});

function captureError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}
