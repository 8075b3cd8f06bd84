import { expect } from "chai";
import { Hardfork } from "@ethereumjs/common";
import { getBytes, hexlify } from "ethers";
import {
  bftBlockHash,
  bftCommitSealHash,
  bftQuorum,
  decodeBftExtraData,
  sealedBlockHash,
  verifyBftSeals,
  verifySeals,
  type SealReport,
} from "../../../server/proof/seals";
import { isTrustAnchorError } from "../../../server/proof/trust-errors";
import { keyOf, sealBftHeader, sortedAddresses, type BftEngine, type BftHeaderSpec } from "./sealed-headers";

const VALIDATORS = [1, 2, 3, 4].map((n) => keyOf(`validator ${n}`));
const TRUSTED = sortedAddresses(VALIDATORS);
const OUTSIDER = keyOf("outsider");

function failedChecks(report: SealReport): string[] {
  return report.checks.filter((step) => !step.ok).map((step) => step.name);
}

function detailOf(report: SealReport, name: string): string {
  const step = report.checks.find((candidate) => candidate.name === name);
  if (step === undefined) throw new Error(`no check ${name} in ${JSON.stringify(report.checks)}`);
  return step.detail;
}

/**
 * Published data, not built here:
 * - genesis extraData from Besu's documentation ("Configure IBFT 2.0 consensus" and "Configure QBFT
 *   consensus", section Genesis file), encoded by `besu rlp encode`;
 * - a QBFT header of block 7528, proposed in round 1 and sealed by 3 of its 4 validators on a Besu
 *   network, with the commit hash its seals sign, as published in datachainlab/besu-qbft-elc
 *   (elc/src/header.rs, test_parse_header and test_verify_committed_seals).
 */
const BESU_DOCS_IBFT2_GENESIS_EXTRA =
  "0xf83ea00000000000000000000000000000000000000000000000000000000000000000d594c2ab482b506de561668e07f04547232a72897daf808400000000c0";
const BESU_DOCS_QBFT_GENESIS_EXTRA =
  "0xf87aa00000000000000000000000000000000000000000000000000000000000000000f8549464a702e6263b7297a96638cac6ae65e6541f4169943923390ad55e90c237593b3b0e401f3b08a0318594aefdb9a738c9f433e5b6b212a6d62f6370c2f69294c7eeb9a4e00ce683cf93039b212648e01c6c6b78c080c0";
const BESU_DOCS_QBFT_CONTRACT_GENESIS_EXTRA =
  "0xe5a00000000000000000000000000000000000000000000000000000000000000000c0c080c0";
const BESU_QBFT_BLOCK_7528 =
  "0xf9033fa00af93e70b1c6d3974a88a42eb70bb61adbd523bfac0c83027ba4637c52746a0fa01dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d4934794ee3353e587cfa91625a1adaef308a726de3803d3a0166ed98eea93ab2b6f6b1a425526994adc2d675bf9a0d77d600ed1e02d8f77dfa056e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421a056e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421b9010000" +
  "00".repeat(255) +
  "01821d688347b76080846640618bb90147f90144a00000000000000000000000000000000000000000000000000000000000000000f85494647bfdd19655e51e69d35454ff3a92f8828e630294a5c8416b9d13417b45b45ada76408f39d1e504ef94b92e91f4dcc9d28503be521afa2a8fbf3c1acf6094ee3353e587cfa91625a1adaef308a726de3803d3c001f8c9b841bc7633fd65570f610a595086e9a34e5bf6aacfb67b8f8cd01852e6b285147f046a50577b49378b86723ac9b456ef59ef7ab57cda7139d807f10f58e8cb10c67600b841ad1defc2b0b4a48158cff24778bb5ba4d9f373c171022ab0a42e37bdb0d4025718434d303a8d94df56ef9ad5219be9f27b2f67179a7fb82d3323dde29546f9f701b841e233d3670dd97c715f72b440eeb1ccb1e22c8c23f6ab470c46c99c2d0ee6509f0341a42e0e4569782557e93c3815e8ca4294043595f69a90f73f135de8ecf41e00a063746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365880000000000000000";
const BESU_QBFT_BLOCK_7528_COMMIT_HASH = "0x75ea184f58cd3f0ef89032a069df01f07ec524ef3a85cf6d3e424d62130c0a32";
const BESU_QBFT_BLOCK_7528_VALIDATORS = [
  "0x647bfdd19655e51e69d35454ff3a92f8828e6302",
  "0xa5c8416b9d13417b45b45ada76408f39d1e504ef",
  "0xb92e91f4dcc9d28503be521afa2a8fbf3c1acf60",
  "0xee3353e587cfa91625a1adaef308a726de3803d3",
];

describe("BFT seals (QBFT, IBFT 2.0)", function () {
  describe("bftQuorum", function () {
    it("asks for ceil(2n/3) seals, as Besu does", function () {
      expect([1, 2, 3, 4, 5, 6, 7, 10, 100].map(bftQuorum)).to.deep.equal([1, 2, 2, 3, 4, 4, 5, 7, 67]);
    });
  });

  describe("decodeBftExtraData", function () {
    it("reads the IBFT 2.0 genesis extraData of Besu's documentation", function () {
      const extra = decodeBftExtraData(getBytes(BESU_DOCS_IBFT2_GENESIS_EXTRA), "ibft2");
      expect(extra.validators).to.deep.equal(["0xc2ab482B506de561668e07f04547232a72897DAf"]);
      expect(extra.round).to.equal(0);
      expect(hexlify(extra.roundBytes)).to.equal("0x00000000");
      expect(extra.seals).to.have.length(0);
    });

    it("reads the QBFT genesis extraData of Besu's documentation, with header and contract validator selection", function () {
      const extra = decodeBftExtraData(getBytes(BESU_DOCS_QBFT_GENESIS_EXTRA), "qbft");
      expect(extra.validators.map((address) => address.toLowerCase())).to.deep.equal([
        "0x64a702e6263b7297a96638cac6ae65e6541f4169",
        "0x3923390ad55e90c237593b3b0e401f3b08a03185",
        "0xaefdb9a738c9f433e5b6b212a6d62f6370c2f692",
        "0xc7eeb9a4e00ce683cf93039b212648e01c6c6b78",
      ]);
      expect(extra.round).to.equal(0);
      expect(decodeBftExtraData(getBytes(BESU_DOCS_QBFT_CONTRACT_GENESIS_EXTRA), "qbft").validators).to.deep.equal([]);
    });

    it("tells the engines apart: an IBFT 2.0 vote and round are not QBFT's, nor the reverse", function () {
      for (const [extraData, engine] of [
        [BESU_DOCS_IBFT2_GENESIS_EXTRA, "qbft"],
        [BESU_DOCS_QBFT_GENESIS_EXTRA, "ibft2"],
      ] as const) {
        expect(() => decodeBftExtraData(getBytes(extraData), engine))
          .to.throw()
          .that.satisfies(isTrustAnchorError);
      }
    });
  });

  describe("verifyBftSeals", function () {
    describe("on a QBFT header sealed by Besu validators (published test data)", function () {
      it("recovers all three seals to validators over the commit hash, which keeps round 1", function () {
        expect(bftCommitSealHash(BESU_QBFT_BLOCK_7528, "qbft")).to.equal(BESU_QBFT_BLOCK_7528_COMMIT_HASH);
        const report = verifyBftSeals(BESU_QBFT_BLOCK_7528, {
          engine: "qbft",
          validators: BESU_QBFT_BLOCK_7528_VALIDATORS,
        });
        expect(failedChecks(report)).to.deep.equal([]);
        expect(report.ok).to.be.true;
        expect(report.blockNumber).to.equal(7528);
        expect(report.sealers).to.have.length(3);
      });

      it("gives the block a hash without round and seals, unlike its commit hash", function () {
        expect(bftBlockHash(BESU_QBFT_BLOCK_7528, "qbft")).to.not.equal(BESU_QBFT_BLOCK_7528_COMMIT_HASH);
      });
    });

    for (const engine of ["qbft", "ibft2"] as const) {
      describe(`on ${engine} headers sealed the way Besu seals them`, function () {
        const spec = (overrides: Partial<BftHeaderSpec> = {}): BftHeaderSpec => ({
          engine,
          validators: VALIDATORS,
          ...overrides,
        });
        const verify = (rlp: Uint8Array, options?: { expectedBlockHash?: string }) =>
          verifyBftSeals(rlp, { engine, validators: TRUSTED }, options);

        it("passes every check when all validators sealed", function () {
          const sealed = sealBftHeader(spec());
          const report = verify(sealed.rlp, { expectedBlockHash: sealed.blockHash });
          expect(report.checks.map((step) => step.name)).to.deep.equal([
            "header-format",
            "block-hash",
            "validator-set",
            "seal-format",
            "seals-by-validators",
            "seals-distinct",
            "seal-quorum",
          ]);
          expect(failedChecks(report)).to.deep.equal([]);
          expect(report.ok).to.be.true;
          expect(report.blockHash).to.equal(sealed.blockHash);
          expect(report.sealers).to.deep.equal(TRUSTED);
        });

        it("computes the block hash Besu gives the block, not keccak of the sealed header", function () {
          const sealed = sealBftHeader(spec({ round: 3 }));
          expect(bftBlockHash(sealed.rlp, engine)).to.equal(sealed.blockHash);
          expect(sealedBlockHash(sealed.rlp, engine)).to.equal(sealed.blockHash);
          expect(hexlify(sealed.header.hash())).to.not.equal(sealed.blockHash);
          expect(bftCommitSealHash(sealed.rlp, engine)).to.equal(sealed.commitHash);
        });

        it("gives every round's proposal of a block one block hash", function () {
          const hashes = [0, 1, 7].map((round) => sealBftHeader(spec({ round })).blockHash);
          expect(new Set(hashes).size).to.equal(1);
        });

        it("passes with exactly ceil(2n/3) seals, a vote and a later round", function () {
          const sealed = sealBftHeader(
            spec({ sealers: VALIDATORS.slice(1), round: 2, vote: { recipient: OUTSIDER.address, add: true } }),
          );
          const report = verify(sealed.rlp, { expectedBlockHash: sealed.blockHash });
          expect(failedChecks(report)).to.deep.equal([]);
          expect(report.sealers).to.have.length(3);
        });

        it("reads headers of every fork's field count", function () {
          for (const hardfork of [
            Hardfork.Berlin,
            Hardfork.London,
            Hardfork.Shanghai,
            Hardfork.Cancun,
            Hardfork.Prague,
          ]) {
            const sealed = sealBftHeader(spec({ hardfork, vote: { recipient: OUTSIDER.address, add: false } }));
            const report = verify(sealed.rlp, { expectedBlockHash: sealed.blockHash });
            expect(failedChecks(report), hardfork).to.deep.equal([]);
          }
        });

        describe("when a seal is forged with a key outside the set", function () {
          it("fails seals-by-validators, naming the forger", function () {
            const sealed = sealBftHeader(spec({ sealers: [...VALIDATORS.slice(0, 3), OUTSIDER] }));
            const report = verify(sealed.rlp);
            expect(failedChecks(report)).to.deep.equal(["seals-by-validators"]);
            expect(detailOf(report, "seals-by-validators")).to.contain(
              `seal #4 recovers to ${OUTSIDER.address}, which is not a trusted validator`,
            );
            expect(report.ok).to.be.false;
          });
        });

        describe("when a validator's seal was made over another header", function () {
          it("fails seals-by-validators with an address that is no one's", function () {
            const sealed = sealBftHeader(spec({ sealOtherHeader: [VALIDATORS[2]] }));
            const report = verify(sealed.rlp);
            expect(failedChecks(report)).to.deep.equal(["seals-by-validators"]);
            const detail = detailOf(report, "seals-by-validators");
            expect(detail).to.match(/seal #3 recovers to 0x[0-9a-fA-F]{40}, which is not a trusted validator/);
            for (const key of [...VALIDATORS, OUTSIDER]) expect(detail).to.not.contain(key.address);
          });
        });

        describe("when too few validators sealed", function () {
          it("fails seal-quorum with the count and the quorum", function () {
            const sealed = sealBftHeader(spec({ sealers: VALIDATORS.slice(0, 2) }));
            const report = verify(sealed.rlp);
            expect(failedChecks(report)).to.deep.equal(["seal-quorum"]);
            expect(detailOf(report, "seal-quorum")).to.match(
              /^Too few seals: 2 of 4 trusted validators sealed the block; .* needs 3/,
            );
          });
        });

        describe("when the header adds a validator the verifier does not trust, who seals", function () {
          it("fails validator-set and seals-by-validators, saying the header lists it", function () {
            const sealed = sealBftHeader(spec({ validators: [...VALIDATORS, OUTSIDER] }));
            const report = verify(sealed.rlp);
            expect(failedChecks(report)).to.deep.equal(["validator-set", "seals-by-validators"]);
            expect(detailOf(report, "validator-set")).to.contain(`it adds ${OUTSIDER.address}`);
            expect(detailOf(report, "seals-by-validators")).to.contain(
              `recovers to ${OUTSIDER.address}, which is not a trusted validator, though the header lists it`,
            );
          });
        });

        describe("when a header field was changed after sealing", function () {
          it("fails block-hash, and the seals no longer recover to validators", function () {
            const sealed = sealBftHeader(spec({ tamper: { gasUsed: 21_000n } }));
            const report = verify(sealed.rlp, { expectedBlockHash: sealed.blockHash });
            expect(failedChecks(report)).to.deep.equal(["block-hash", "seals-by-validators", "seal-quorum"]);
            expect(detailOf(report, "block-hash")).to.contain(`not the expected ${sealed.blockHash}`);
          });
        });

        describe("when a validator's seal appears twice", function () {
          it("fails seals-distinct, as Besu refuses duplicated seals", function () {
            const sealed = sealBftHeader(spec({ sealers: [...VALIDATORS.slice(0, 3), VALIDATORS[0]] }));
            const report = verify(sealed.rlp);
            expect(failedChecks(report)).to.deep.equal(["seals-distinct"]);
            expect(detailOf(report, "seals-distinct")).to.contain(`${VALIDATORS[0].address} (seals #1, #4)`);
          });
        });

        describe("when the extraData is not this engine's", function () {
          it("fails header-format alone", function () {
            const other: BftEngine = engine === "qbft" ? "ibft2" : "qbft";
            const sealed = sealBftHeader(spec({ engine: other }));
            const report = verify(sealed.rlp);
            expect(report.checks.map((step) => `${step.name}:${step.ok}`)).to.deep.equal(["header-format:false"]);
            expect(report.blockHash).to.be.undefined;
          });
        });
      });
    }

    describe("when a seal is not a 65-byte signature", function () {
      it("fails seal-format, saying which and why", function () {
        const sealed = sealBftHeader({
          engine: "qbft",
          validators: VALIDATORS,
          editSeals: ([first, second, third, fourth]) => [
            first,
            second.subarray(0, 64),
            Uint8Array.from([...third.subarray(0, 64), 27]),
            fourth,
          ],
        });
        const report = verifyBftSeals(sealed.rlp, { engine: "qbft", validators: TRUSTED });
        expect(failedChecks(report)).to.deep.equal(["seal-format", "seal-quorum"]);
        expect(detailOf(report, "seal-format")).to.equal(
          "Malformed: seal #2 is 64 bytes, not 65; seal #3 ends in recovery id 27, not 0 or 1.",
        );
      });
    });

    describe("when the verifier lists a validator twice", function () {
      it("counts the set without repeats, so the quorum stays ceil(2n/3) of the real set", function () {
        const sealed = sealBftHeader({ engine: "qbft", validators: VALIDATORS, sealers: VALIDATORS.slice(0, 2) });
        const report = verifyBftSeals(sealed.rlp, { engine: "qbft", validators: [...TRUSTED, ...TRUSTED] });
        expect(detailOf(report, "seal-quorum")).to.contain("2 of 4 trusted validators");
        expect(report.ok).to.be.false;
      });
    });

    describe("when the header is not RLP", function () {
      it("fails header-format", function () {
        const report = verifySeals("0xdeadbeef", { engine: "ibft2", validators: TRUSTED });
        expect(report.checks.map((step) => `${step.name}:${step.ok}`)).to.deep.equal(["header-format:false"]);
        expect(report.ok).to.be.false;
      });
    });
  });
});
