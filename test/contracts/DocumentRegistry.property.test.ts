import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { randomInt } from "node:crypto";
import { buildBatch } from "../../server/proof/merkle";
import type { Hex32 } from "../../server/proof/digest";
import { deployRegistryFixture, randomDigest, randomDigests } from "./fixtures";

const ANCHORED = 1n;
const UNKNOWN = 0n;

/** Batch sizes: the edges (1, 2, a power of two and its neighbours, 1,000) and random sizes up to 1,000. */
const SIZES = [1, 2, 3, 127, 128, 129, 1000, ...Array.from({ length: 8 }, () => randomInt(1, 1001))];

function tamper(hex: Hex32): Hex32 {
  const position = randomInt(2, hex.length);
  const flipped = (parseInt(hex[position], 16) ^ (1 + randomInt(15))).toString(16);
  return `${hex.slice(0, position)}${flipped}${hex.slice(position + 1)}` as Hex32;
}

describe("DocumentRegistry (properties over random batches)", function () {
  for (const size of SIZES) {
    describe(`when a batch of ${size} is anchored`, function () {
      async function anchoredRandomBatchFixture() {
        const base = await deployRegistryFixture();
        const batch = buildBatch(randomDigests(size));
        await base.registry.connect(base.registrar).anchorBatch(batch.root, [...batch.digests]);
        return { ...base, batch };
      }

      it("verifies every member with its proof", async function () {
        const { registry, batch } = await loadFixture(anchoredRandomBatchFixture);
        const statuses = await Promise.all(
          batch.digests.map(async (digest) => (await registry.verify(digest, batch.root, batch.proofOf(digest)))[0]),
        );
        expect(statuses.filter((status) => status !== ANCHORED)).to.deep.equal([]);
      });

      it("answers unknown for non-members, tampered digests and tampered proofs", async function () {
        const { registry, batch } = await loadFixture(anchoredRandomBatchFixture);
        const sample = batch.digests.slice(0, 20);
        for (const member of sample) {
          const proof = batch.proofOf(member);
          const cases: [Hex32, Hex32[]][] = [
            [randomDigest(), proof],
            [tamper(member), proof],
          ];
          if (proof.length > 0) {
            const index = randomInt(proof.length);
            cases.push([member, proof.map((node, i) => (i === index ? tamper(node) : node))]);
            cases.push([member, proof.slice(0, -1)]);
          } else {
            cases.push([member, [randomDigest()]]);
          }
          for (const [digest, candidateProof] of cases) {
            const [status] = await registry.verify(digest, batch.root, candidateProof);
            expect(status).to.equal(UNKNOWN);
          }
        }
      });
    });
  }
});
