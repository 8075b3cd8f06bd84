import { expect } from "chai";
import hre from "hardhat";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import DocumentRegistryModule from "../../../ignition/modules/DocumentRegistry";
import type { DocumentRegistry } from "../../../typechain-types";
import { toBytes32, type Hex32 } from "../../../server/proof/digest";
import { buildBatch, leafOf, MAX_BATCH_SIZE, verifyProof } from "../../../server/proof/merkle";
import { randomShas } from "../../support/unit-fixtures";

const randomDigests = (count: number): Hex32[] => randomShas(count).map(toBytes32);

describe("merkle", function () {
  describe("MAX_BATCH_SIZE", function () {
    it("equals the registry's MAX_BATCH_SIZE", async function () {
      const { registry } = await hre.ignition.deploy(DocumentRegistryModule);
      expect(await (registry as unknown as DocumentRegistry).MAX_BATCH_SIZE()).to.equal(BigInt(MAX_BATCH_SIZE));
    });
  });

  describe("leafOf", function () {
    it("is the OpenZeppelin StandardMerkleTree leaf of the digest as bytes32", function () {
      const [digest] = randomDigests(1);
      const tree = StandardMerkleTree.of([[digest]], ["bytes32"]);
      expect(leafOf(digest)).to.equal(tree.leafHash([digest]));
    });
  });

  describe("buildBatch", function () {
    describe("when given one digest", function () {
      it("has the digest's leaf as its root and an empty proof", function () {
        const [digest] = randomDigests(1);
        const batch = buildBatch([digest]);
        expect(batch.root).to.equal(leafOf(digest));
        expect(batch.digests).to.deep.equal([digest]);
        expect(batch.proofOf(digest)).to.deep.equal([]);
      });
    });

    describe("when given several digests", function () {
      it("lists them in ascending order of their leaves", function () {
        const batch = buildBatch(randomDigests(9));
        const leaves = batch.digests.map(leafOf);
        expect(leaves).to.deep.equal([...leaves].sort());
      });

      it("gives every member a proof that leads to the root", function () {
        const digests = randomDigests(13);
        const batch = buildBatch(digests);
        for (const digest of digests) {
          const proof = batch.proofOf(digest);
          expect(proof.length, "at most ceil(log2(13)) siblings").to.be.within(3, 4);
          expect(verifyProof(digest, batch.root, proof), digest).to.equal(true);
        }
      });

      it("has the same root and order whatever order the digests come in", function () {
        const digests = randomDigests(8);
        const batch = buildBatch(digests);
        const shuffled = buildBatch([...digests].reverse());
        expect(shuffled.root).to.equal(batch.root);
        expect(shuffled.digests).to.deep.equal(batch.digests);
      });

      it("has the root OpenZeppelin's StandardMerkleTree builds", function () {
        const digests = randomDigests(6);
        const tree = StandardMerkleTree.of(
          digests.map((digest) => [digest]),
          ["bytes32"],
        );
        expect(buildBatch(digests).root).to.equal(tree.root);
      });
    });

    describe("when given no digest", function () {
      it("throws a RangeError", function () {
        expect(() => buildBatch([])).to.throw(RangeError);
      });
    });

    describe("when a digest is repeated", function () {
      it("throws a RangeError naming it", function () {
        const [repeated, other] = randomDigests(2);
        expect(() => buildBatch([repeated, other, repeated])).to.throw(RangeError, repeated);
      });
    });
  });

  describe("proofOf", function () {
    describe("when the digest is no member", function () {
      it("throws a RangeError", function () {
        const batch = buildBatch(randomDigests(4));
        const [stranger] = randomDigests(1);
        expect(() => batch.proofOf(stranger)).to.throw(RangeError);
      });
    });
  });

  describe("verifyProof", function () {
    describe("when anything in it differs", function () {
      it("answers false", function () {
        const digests = randomDigests(5);
        const batch = buildBatch(digests);
        const [member, otherMember] = digests;
        const proof = batch.proofOf(member);
        const [stranger] = randomDigests(1);
        expect(verifyProof(member, batch.root, proof)).to.equal(true);
        expect(verifyProof(stranger, batch.root, proof), "another digest").to.equal(false);
        expect(verifyProof(otherMember, batch.root, proof), "another member's proof").to.equal(false);
        expect(verifyProof(member, leafOf(stranger), proof), "another root").to.equal(false);
        expect(verifyProof(member, batch.root, [stranger, ...proof.slice(1)]), "a changed sibling").to.equal(false);
        expect(verifyProof(member, batch.root, proof.slice(1)), "a shortened proof").to.equal(false);
      });
    });
  });
});
