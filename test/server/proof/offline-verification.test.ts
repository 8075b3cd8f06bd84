import { expect } from "chai";
import { randomBytes } from "node:crypto";
import hre from "hardhat";
import DocumentRegistryModule from "../../../ignition/modules/DocumentRegistry";
import type { DocumentRegistry } from "../../../typechain-types";
import { buildReceiptV2 } from "../../../server/chain/evidence-builder";
import { eip1193JsonRpc } from "../../../server/chain/json-rpc";
import {
  buildReceiptLink,
  checkpointOf,
  extendHistory,
  startHistory,
  type BlockLink,
} from "../../../server/proof/history-accumulator";
import type { Hex32 } from "../../../server/proof/digest";
import {
  checkpointAnchor,
  nodeAnchor,
  verifyReceiptOffline,
  type TrustAnchor,
} from "../../../server/proof/offline-verification";
import { withLink, type ReceiptV2 } from "../../../server/proof/receipt-v2";
import { anchorSamples, expectGenuine, expectRevealed, TAMPERINGS } from "./evidence-fixture";

const randomHash = (): Hex32 => `0x${randomBytes(32).toString("hex")}`;

/**
 * A checkpoint of a made-up chain whose block `blockNumber` has the given hash, in epochs of 4 so
 * that links cross complete epochs; with the link of that block.
 */
function checkpointCommitting(chainId: number, blockNumber: number, blockHash: Hex32, blocksAfter = 9) {
  const hashes: Hex32[] = Array.from({ length: blockNumber + blocksAfter + 1 }, (_, n) =>
    n === blockNumber ? blockHash : randomHash(),
  );
  const blocks: BlockLink[] = hashes.slice(1).map((hash, i) => ({ number: i + 1, hash, parentHash: hashes[i] }));
  const history = extendHistory(startHistory(chainId, hashes[0], 4), blocks);
  const epoch = Math.floor(blockNumber / 4);
  const epochHashes = epoch < history.epochRoots.length ? hashes.slice(epoch * 4, epoch * 4 + 4) : undefined;
  return { checkpoint: checkpointOf(history), link: buildReceiptLink(history, blockNumber, epochHashes).link };
}

describe("verifyReceiptOffline (evidence from the in-process Hardhat network)", function () {
  const samples: Record<"batch" | "single", ReceiptV2> = {} as Record<"batch" | "single", ReceiptV2>;
  let chainId: number;
  let node: TrustAnchor;

  before(async function () {
    const [registrar, , , , , stranger] = await hre.ethers.getSigners();
    const { registry } = await hre.ignition.deploy(DocumentRegistryModule);
    chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
    const anchored = await anchorSamples({
      registry: (registry as unknown as DocumentRegistry).connect(registrar),
      stranger,
      provider: hre.ethers.provider,
      send: (method, params) => hre.network.provider.request({ method, params }),
      chainId,
    });
    const port = eip1193JsonRpc(hre.network.provider);
    samples.batch = await buildReceiptV2(port, anchored.batch);
    samples.single = await buildReceiptV2(port, anchored.single);
    node = nodeAnchor(
      "in-process Hardhat network",
      async (n) => (await hre.ethers.provider.getBlock(n))?.hash ?? undefined,
    );
  });

  for (const kind of ["batch", "single"] as const) {
    describe(`for a ${kind === "batch" ? "member of a batch" : "single document"}`, function () {
      it("verifies the genuine receipt and names the node that held the block hash", async function () {
        const result = await verifyReceiptOffline(samples[kind].sha256, samples[kind], node);
        expectGenuine(result);
        expect(result.verdict.summary).to.equal(
          "anchored; revocation not checked — offline; the block hash is held by the node in-process Hardhat network.",
        );
        expect(result.verdict).to.include({
          sha256: samples[kind].sha256,
          merkleRoot: samples[kind].merkleRoot,
          blockNumber: samples[kind].blockNumber,
          anchoredAt: samples[kind].timestamp,
          registrar: samples[kind].registrar,
        });
      });

      for (const tampering of TAMPERINGS.filter((t) => kind === "batch" || !t.batchOnly)) {
        it(`reveals ${tampering.what}`, async function () {
          const { receipt, sha256 } = tampering.tamper(samples[kind], samples[kind].sha256);
          expectRevealed(await verifyReceiptOffline(sha256, receipt, node), tampering);
        });
      }
    });
  }

  describe("with a checkpoint as trust anchor", function () {
    it("holds when the receipt's link places its block hash under the checkpoint", async function () {
      const receipt = samples.batch;
      const { checkpoint, link } = checkpointCommitting(chainId, receipt.blockNumber, receipt.evidence.block.hash);
      const result = await verifyReceiptOffline(receipt.sha256, withLink(receipt, link), checkpointAnchor(checkpoint));
      expectGenuine(result);
      expect(result.verdict.trustAnchor).to.deep.equal({
        kind: "checkpoint",
        held: true,
        description: `checkpoint at block ${checkpoint.blockNumber} (${checkpoint.blockHash}) of chain ${chainId}`,
      });
    });

    it("fails for a checkpoint that commits to another hash at that height", async function () {
      const receipt = samples.single;
      const { checkpoint, link } = checkpointCommitting(chainId, receipt.blockNumber, randomHash());
      const result = await verifyReceiptOffline(receipt.sha256, withLink(receipt, link), checkpointAnchor(checkpoint));
      expect(result.checks.filter((check) => !check.passed).map((check) => check.name)).to.deep.equal(["trust-anchor"]);
      expect(result.verdict.reason).to.match(/is not the one the checkpoint at block \d+ commits to/);
      expect(result.verdict.trustAnchor.held).to.equal(false);
    });

    it("fails for a checkpoint other than the one the link was made for", async function () {
      const receipt = samples.batch;
      const made = checkpointCommitting(chainId, receipt.blockNumber, receipt.evidence.block.hash);
      const other = checkpointCommitting(chainId, receipt.blockNumber, receipt.evidence.block.hash, 20);
      const result = await verifyReceiptOffline(
        receipt.sha256,
        withLink(receipt, made.link),
        checkpointAnchor(other.checkpoint),
      );
      expect(result.verdict.reason).to.match(/link was made for the checkpoint at block \d+ .* not for this one/);
    });

    it("fails for a checkpoint of another chain", async function () {
      const receipt = samples.batch;
      const { checkpoint, link } = checkpointCommitting(chainId + 1, receipt.blockNumber, receipt.evidence.block.hash);
      const result = await verifyReceiptOffline(receipt.sha256, withLink(receipt, link), checkpointAnchor(checkpoint));
      expect(result.verdict.reason).to.equal(
        `The checkpoint is for chain ${chainId + 1}; the receipt for chain ${chainId}.`,
      );
    });

    it("fails for a receipt that carries no link", async function () {
      const receipt = samples.batch;
      const { checkpoint } = checkpointCommitting(chainId, receipt.blockNumber, receipt.evidence.block.hash);
      const result = await verifyReceiptOffline(receipt.sha256, receipt, checkpointAnchor(checkpoint));
      expect(result.verdict.reason).to.equal("The receipt carries no link to a checkpoint.");
    });
  });

  describe("with a node as trust anchor", function () {
    it("fails when the node has no such block", async function () {
      const result = await verifyReceiptOffline(
        samples.batch.sha256,
        samples.batch,
        nodeAnchor("empty", async () => undefined),
      );
      expect(result.verdict.reason).to.equal(`The node empty has no block ${samples.batch.blockNumber}.`);
    });

    it("fails when the node cannot be asked", async function () {
      const result = await verifyReceiptOffline(
        samples.batch.sha256,
        samples.batch,
        nodeAnchor("gone", () => Promise.reject(new Error("connection refused"))),
      );
      expect(result.verdict.reason).to.match(/The node gone could not be asked for block \d+: connection refused/);
      expect(result.verdict.trustAnchor).to.deep.include({ kind: "node", held: false });
    });
  });

  describe("a receipt whose transaction is not an anchoring", function () {
    it("fails the call check when the transaction goes elsewhere", async function () {
      // The batch's evidence with the receipt naming another registry: the call, log and event must all disagree.
      const receipt = { ...samples.batch, registry: "0x000000000000000000000000000000000000dEaD" };
      const result = await verifyReceiptOffline(receipt.sha256, receipt, node);
      expect(result.checks.filter((check) => !check.passed).map((check) => check.name)).to.deep.equal([
        "transaction-call",
        "receipt-log",
      ]);
      expect(result.verdict.reason).to.match(
        /sent to 0x[0-9a-f]{40}, not to the registry 0x000000000000000000000000000000000000dEaD/,
      );
    });

    it("fails the sender check when the registrar is not the signer", async function () {
      const receipt = { ...samples.single, registrar: "0x000000000000000000000000000000000000dEaD" };
      const result = await verifyReceiptOffline(receipt.sha256, receipt, node);
      expect(result.checks.filter((check) => !check.passed).map((check) => check.name)).to.deep.equal([
        "transaction-sender",
        "receipt-log",
      ]);
    });
  });
});
