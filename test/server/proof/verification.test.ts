import { expect } from "chai";
import { fromBytes32, toBytes32, type Hex32 } from "../../../server/proof/digest";
import { buildBatch, leafOf } from "../../../server/proof/merkle";
import { buildReceipt, type ReceiptV1 } from "../../../server/proof/receipt";
import { verifyClaim, verifyReceipt } from "../../../server/proof/verification";
import { FakeRegistry } from "../../support/fake-chain";
import { randomShas, rejectionOf } from "../../support/unit-fixtures";

const OTHER_ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const hex32 = (byte: string) => `0x${byte.repeat(32)}` as Hex32;
const randomDigests = (count: number) => randomShas(count).map(toBytes32);

/** A batch anchored on the in-memory registry, and the receipt of one of its members. */
async function anchoredReceipt(registry: FakeRegistry, size = 4) {
  const batch = buildBatch(randomDigests(size));
  const anchored = await registry.anchorBatch(batch);
  const member = batch.digests[1 % size];
  const receipt = buildReceipt(fromBytes32(member), batch.proofOf(member), {
    merkleRoot: batch.root,
    leafCount: size,
    chainId: registry.chainId,
    registry: registry.address,
    txHash: anchored.txHash,
    blockNumber: anchored.blockNumber,
    timestamp: anchored.anchoredAt,
    registrar: anchored.registrar,
  });
  return { batch, member, receipt, anchored };
}

describe("verification", function () {
  let registry: FakeRegistry;

  beforeEach(function () {
    registry = new FakeRegistry();
  });

  describe("verifyReceipt", function () {
    describe("when the receipt is genuine", function () {
      it("answers anchored with the chain's facts", async function () {
        const { receipt, anchored } = await anchoredReceipt(registry);
        const verdict = await verifyReceipt(receipt.sha256, receipt, registry);
        expect(verdict).to.deep.equal({
          valid: true,
          status: "anchored",
          sha256: receipt.sha256,
          merkleRoot: receipt.merkleRoot,
          chainId: registry.chainId,
          registry: registry.address,
          anchoredAt: anchored.anchoredAt,
          blockNumber: anchored.blockNumber,
          txHash: anchored.txHash,
          registrar: anchored.registrar,
        });
      });
    });

    describe("when the document was anchored alone", function () {
      it("answers anchored with the leaf as root and an empty proof", async function () {
        const { receipt } = await anchoredReceipt(registry, 1);
        expect(receipt.merkleRoot).to.equal(receipt.leaf);
        expect(receipt.proof).to.deep.equal([]);
        expect((await verifyReceipt(receipt.sha256, receipt, registry)).status).to.equal("anchored");
      });
    });

    describe("when the receipt's leaf was changed", function () {
      it("throws receipt-tampered", async function () {
        const { receipt } = await anchoredReceipt(registry);
        const tampered = { ...receipt, leaf: hex32("11") };
        expect((await rejectionOf(verifyReceipt(receipt.sha256, tampered, registry))).code).to.equal(
          "receipt-tampered",
        );
      });
    });

    describe("when the receipt's proof was changed", function () {
      it("throws receipt-tampered", async function () {
        const { receipt } = await anchoredReceipt(registry);
        const tampered = { ...receipt, proof: [hex32("22"), ...receipt.proof.slice(1)] };
        expect((await rejectionOf(verifyReceipt(receipt.sha256, tampered, registry))).code).to.equal(
          "receipt-tampered",
        );
      });
    });

    describe("when the receipt names another chain or registry", function () {
      it("throws receipt-wrong-chain", async function () {
        const { receipt } = await anchoredReceipt(registry);
        for (const other of [
          { ...receipt, chainId: registry.chainId + 1 },
          { ...receipt, registry: OTHER_ACCOUNT },
        ] as ReceiptV1[]) {
          const error = await rejectionOf(verifyReceipt(receipt.sha256, other, registry));
          expect(error.code, JSON.stringify(other)).to.equal("receipt-wrong-chain");
        }
        expect(registry.verifyCalls).to.equal(0);
      });
    });

    describe("when the document differs from the receipt's", function () {
      it("answers unknown without asking the chain", async function () {
        const { receipt } = await anchoredReceipt(registry);
        const modified = fromBytes32(randomDigests(1)[0]);
        const verdict = await verifyReceipt(modified, receipt, registry);
        expect(verdict).to.include({ valid: false, status: "unknown", sha256: modified });
        expect(verdict.reason).to.match(/modified/);
        expect(registry.verifyCalls).to.equal(0);
      });
    });

    describe("when the chain contradicts the receipt", function () {
      const contradictions: [field: string, change: (receipt: ReceiptV1) => Partial<ReceiptV1>][] = [
        ["block number", (r) => ({ blockNumber: r.blockNumber + 1 })],
        ["timestamp", (r) => ({ timestamp: r.timestamp - 1 })],
        ["registrar", () => ({ registrar: OTHER_ACCOUNT })],
        ["transaction", () => ({ txHash: hex32("33") })],
      ];
      for (const [field, change] of contradictions) {
        it(`answers invalid-receipt naming the ${field}`, async function () {
          const { receipt } = await anchoredReceipt(registry);
          const verdict = await verifyReceipt(receipt.sha256, { ...receipt, ...change(receipt) }, registry);
          expect(verdict).to.include({ valid: false, status: "invalid-receipt" });
          expect(verdict.reason).to.equal(`The chain contradicts the receipt's ${field}.`);
        });
      }

      it("names every field the chain contradicts", async function () {
        const { receipt } = await anchoredReceipt(registry);
        const forged = { ...receipt, blockNumber: 1, registrar: OTHER_ACCOUNT, txHash: hex32("44") };
        const verdict = await verifyReceipt(receipt.sha256, forged, registry);
        expect(verdict.reason).to.equal("The chain contradicts the receipt's block number, registrar, transaction.");
      });

      it("accepts the registrar in another letter case", async function () {
        const { receipt } = await anchoredReceipt(registry);
        const lower = { ...receipt, registrar: receipt.registrar.toLowerCase() };
        expect((await verifyReceipt(receipt.sha256, lower, registry)).status).to.equal("anchored");
      });
    });

    describe("when the root is not on chain", function () {
      it("answers invalid-receipt", async function () {
        const unanchored = buildBatch(randomDigests(3));
        const member = unanchored.digests[0];
        const receipt = buildReceipt(fromBytes32(member), unanchored.proofOf(member), {
          merkleRoot: unanchored.root,
          leafCount: 3,
          chainId: registry.chainId,
          registry: registry.address,
          txHash: hex32("55"),
          blockNumber: 2,
          timestamp: 1_700_000_002,
          registrar: registry.registrar,
        });
        const verdict = await verifyReceipt(receipt.sha256, receipt, registry);
        expect(verdict).to.include({ valid: false, status: "invalid-receipt" });
        expect(verdict.reason).to.match(/no anchoring/);
      });
    });

    describe("when the document was revoked", function () {
      it("answers revoked with who revoked it, when and why", async function () {
        const { receipt, member } = await anchoredReceipt(registry);
        const { blockNumber } = await registry.revoke(receipt.merkleRoot, member, receipt.proof, 5);
        const verdict = await verifyReceipt(receipt.sha256, receipt, registry);
        expect(verdict).to.include({
          valid: false,
          status: "revoked",
          revokedBy: registry.registrar,
          revocationReason: 5,
          revokedAt: await registry.blockTimestamp(blockNumber),
          txHash: receipt.txHash,
        });
        expect(verdict.reason).to.match(/revoked/);
      });
    });
  });

  describe("verifyClaim", function () {
    describe("when the claim gives only the root, the proof and the transaction", function () {
      it("answers anchored with the facts read from the chain", async function () {
        const { batch, member, anchored } = await anchoredReceipt(registry);
        const verdict = await verifyClaim(
          fromBytes32(member),
          { merkleRoot: batch.root, proof: batch.proofOf(member), txHash: anchored.txHash },
          registry,
        );
        expect(verdict).to.include({
          valid: true,
          status: "anchored",
          blockNumber: anchored.blockNumber,
          anchoredAt: anchored.anchoredAt,
          registrar: anchored.registrar,
        });
      });
    });

    describe("when the proof places the digest under another root", function () {
      it("answers invalid-receipt", async function () {
        const { member, anchored } = await anchoredReceipt(registry);
        const verdict = await verifyClaim(
          fromBytes32(member),
          { merkleRoot: leafOf(member), proof: [], txHash: anchored.txHash },
          registry,
        );
        expect(verdict.status).to.equal("invalid-receipt");
      });
    });
  });
});
