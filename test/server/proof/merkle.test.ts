import { expect } from "chai";
import hre from "hardhat";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import DocumentRegistryModule from "../../../ignition/modules/DocumentRegistry";
import type { DocumentRegistry } from "../../../typechain-types";
import { toBytes32, type Hex32 } from "../../../server/proof/digest";
import { keccak_256 } from "@noble/hashes/sha3";
import { randomBytes } from "node:crypto";
import { buildBatch, leafOf, MAX_BATCH_SIZE, useKeccak, verifyProof } from "../../../server/proof/merkle";
import { wasmKeccak256 } from "../../../server/proof/wasm-keccak";
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

      it("is OpenZeppelin's StandardMerkleTree: the same root, order and proofs at every size tried", function () {
        for (const size of [2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 31, 100, 257, 1000]) {
          const digests = randomDigests(size);
          const tree = StandardMerkleTree.of(
            digests.map((digest) => [digest]),
            ["bytes32"],
          );
          const batch = buildBatch(digests);
          expect(batch.root, `root of ${size}`).to.equal(tree.root);
          const treeOrder = [...tree.entries()]
            .map(([i, [digest]]) => ({ digest, leaf: tree.leafHash([digest]), i }))
            .sort((a, b) => (a.leaf < b.leaf ? -1 : 1))
            .map(({ digest }) => digest);
          expect(batch.digests, `order of ${size}`).to.deep.equal(treeOrder);
          for (const [i, [digest]] of tree.entries()) {
            expect(batch.proofOf(digest as Hex32), `proof in ${size}`).to.deep.equal(tree.getProof(i));
          }
        }
      });

      it("accepts what OpenZeppelin's StandardMerkleTree.verify accepts, and only that", function () {
        const digests = randomDigests(11);
        const tree = StandardMerkleTree.of(
          digests.map((digest) => [digest]),
          ["bytes32"],
        );
        const [stranger] = randomDigests(1);
        for (const [i, [digest]] of tree.entries()) {
          const proof = tree.getProof(i);
          expect(verifyProof(digest as Hex32, tree.root as Hex32, proof as Hex32[])).to.equal(true);
          const other = digests[(digests.indexOf(digest as Hex32) + 1) % digests.length];
          for (const [candidate, candidateProof] of [
            [stranger, proof],
            [other, proof],
            [digest, [stranger, ...proof.slice(1)]],
          ] as [Hex32, Hex32[]][]) {
            expect(verifyProof(candidate, tree.root as Hex32, candidateProof)).to.equal(
              StandardMerkleTree.verify(tree.root, ["bytes32"], [candidate], candidateProof),
            );
          }
        }
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

  describe("useKeccak", function () {
    afterEach(function () {
      useKeccak(keccak_256);
    });

    it("takes the WebAssembly keccak-256, which hashes every length as @noble/hashes does", async function () {
      const wasm = await wasmKeccak256();
      for (const length of [0, 1, 31, 32, 63, 64, 135, 136, 137, 1000]) {
        const data = randomBytes(length);
        expect(Buffer.from(wasm(data)).toString("hex"), `${length} bytes`).to.equal(
          Buffer.from(keccak_256(data)).toString("hex"),
        );
      }
      const first = wasm(randomBytes(64));
      const kept = Buffer.from(first).toString("hex");
      wasm(randomBytes(64));
      expect(Buffer.from(first).toString("hex"), "a result is not overwritten by the next hash").to.equal(kept);
      const digests = randomDigests(50);
      const before = buildBatch(digests);
      useKeccak(wasm);
      const after = buildBatch(digests);
      expect(after.root).to.equal(before.root);
      expect(after.digests).to.deep.equal(before.digests);
    });

    it("refuses a function that is not keccak-256, and keeps the one it had", function () {
      const [digest] = randomDigests(1);
      const leaf = leafOf(digest);
      expect(() => useKeccak((data) => keccak_256(new Uint8Array([...data, 0])))).to.throw(/Not keccak-256/);
      expect(leafOf(digest)).to.equal(leaf);
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
