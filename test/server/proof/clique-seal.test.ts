import { expect } from "chai";
import {
  CLIQUE_EXTRA_SEAL,
  CLIQUE_EXTRA_VANITY,
  cliqueEpochTransitionSigners,
  cliqueSigHash,
  cliqueSigner,
  createBlockHeader,
  type BlockHeader,
} from "@ethereumjs/block";
import { Hardfork } from "@ethereumjs/common";
import { bytesToHex } from "@ethereumjs/util";
import { getAddress, getBytes, id } from "ethers";
import {
  CLIQUE_SEAL_BYTES,
  CLIQUE_VANITY_BYTES,
  cliqueCheckpointSigners,
  cliqueSealer,
  cliqueSealHash,
  sealedBlockHash,
  verifyCliqueSeal,
  verifySeals,
  type SealReport,
} from "../../../server/proof/seals";
import { cliqueCommon, cliqueSealOf, keyOf, sealCliqueHeader, withCliqueSeal } from "./sealed-headers";

const SIGNERS = [1, 2, 3].map((n) => keyOf(`signer ${n}`));
const AUTHORISED = SIGNERS.map((signer) => signer.address);
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
 * Rinkeby's block 30000: a checkpoint block sealed by geth's Clique, with its three signers and its
 * block hash as the chain reported them (the header fields as captured from geth's console and
 * published in Besu's CliqueBlockHashingTest), and Rinkeby's genesis block, which lists the same
 * signers with an all-zero seal.
 */
function rinkebyHeader(fields: {
  number: bigint;
  extraData: string;
  timestamp: bigint;
  gasLimit: bigint;
  difficulty: bigint;
}) {
  const zero = `0x${"00".repeat(32)}`;
  const empty = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";
  const genesis = fields.number === 0n;
  return createBlockHeader(
    {
      ...fields,
      gasUsed: 0n,
      logsBloom: new Uint8Array(256),
      coinbase: "0x0000000000000000000000000000000000000000",
      mixHash: new Uint8Array(32),
      nonce: new Uint8Array(8),
      extraData: getBytes(fields.extraData),
      parentHash: getBytes(genesis ? zero : "0xff570bb9893cb9bac64e346419fb9ad51e203c1cf6da5cfcc0c0dff3351b454b"),
      receiptTrie: getBytes(genesis ? zero : empty),
      uncleHash: getBytes(genesis ? zero : "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"),
      stateRoot: getBytes(genesis ? zero : "0x829b58faacea7b0aa625617ba90c93e08150bed160364a7a96505e8205043d34"),
      transactionsTrie: getBytes(genesis ? zero : empty),
    },
    { common: cliqueCommon(Hardfork.Chainstart), skipConsensusFormatValidation: true },
  );
}

const RINKEBY_30000 = rinkebyHeader({
  number: 30000n,
  difficulty: 2n,
  gasLimit: 4712388n,
  timestamp: 1492460444n,
  extraData:
    "0xd783010600846765746887676f312e372e33856c696e7578000000000000000042eb768f2244c8811c63729a21a3569731535f067ffc57839b00206d1ad20c69a1981b489f772031b279182d99e65703f0076e4812653aab85fca0f0c5bc40d0535af16266714ccb26fc49448c10bdf2969411514707d7442956b3397b09a980f4bea9347f70eea52183326247a0239b6d01fa0b07afc44e8a05463301",
});
const RINKEBY_30000_HASH = "0x8b27a29300811af926039b90288d3d384dcb55931049c17c4f762e45c116776e";
const RINKEBY_GENESIS = rinkebyHeader({
  number: 0n,
  difficulty: 1n,
  gasLimit: 4700000n,
  timestamp: 1492009146n,
  extraData:
    "0x52657370656374206d7920617574686f7269746168207e452e436172746d616e42eb768f2244c8811c63729a21a3569731535f067ffc57839b00206d1ad20c69a1981b489f772031b279182d99e65703f0076e4812653aab85fca0f0" +
    "00".repeat(65),
});
const RINKEBY_SIGNERS = [
  "0x42eb768f2244c8811c63729a21a3569731535f06",
  "0x7ffc57839b00206d1ad20c69a1981b489f772031",
  "0xb279182d99e65703f0076e4812653aab85fca0f0",
].map((address) => getAddress(address));

describe("Clique seals (EIP-225)", function () {
  it("uses EIP-225's layout, as EthereumJS does", function () {
    expect([CLIQUE_VANITY_BYTES, CLIQUE_SEAL_BYTES]).to.deep.equal([CLIQUE_EXTRA_VANITY, CLIQUE_EXTRA_SEAL]);
  });

  describe("on Rinkeby's block 30000, sealed by geth", function () {
    it("hashes the header to the block hash Rinkeby reported", function () {
      expect(sealedBlockHash(RINKEBY_30000.serialize(), "clique")).to.equal(RINKEBY_30000_HASH);
    });

    it("recovers the sealer among the signers the block lists, as EthereumJS does", function () {
      const sealer = cliqueSealer(RINKEBY_30000.serialize());
      expect(sealer).to.equal(getAddress(cliqueSigner(RINKEBY_30000).toString()));
      expect(RINKEBY_SIGNERS).to.include(sealer);
      expect(cliqueSealHash(RINKEBY_30000.serialize())).to.equal(bytesToHex(cliqueSigHash(RINKEBY_30000)));
    });

    it("reads the signers of the checkpoint and of the genesis block", function () {
      expect(cliqueCheckpointSigners(RINKEBY_30000.serialize())).to.deep.equal(RINKEBY_SIGNERS);
      expect(cliqueCheckpointSigners(RINKEBY_GENESIS.serialize())).to.deep.equal(
        cliqueEpochTransitionSigners(RINKEBY_GENESIS).map((address) => getAddress(address.toString())),
      );
    });

    it("passes every check with the genesis block as checkpoint", function () {
      const report = verifyCliqueSeal(
        RINKEBY_30000.serialize(),
        { checkpoint: RINKEBY_GENESIS.serialize() },
        { expectedBlockHash: RINKEBY_30000_HASH },
      );
      expect(report.checks.map((step) => step.name)).to.deep.equal([
        "header-format",
        "block-hash",
        "signer-set",
        "seal-format",
        "sealer-authorised",
      ]);
      expect(failedChecks(report)).to.deep.equal([]);
      expect(report.ok).to.be.true;
      expect(report.sealers).to.deep.equal([cliqueSealer(RINKEBY_30000.serialize())]);
      expect(detailOf(report, "signer-set")).to.contain("3 authorised signers from checkpoint block 0");
    });

    it("refuses the genesis block itself: its seal is all zeros", function () {
      const report = verifyCliqueSeal(RINKEBY_GENESIS.serialize(), { signers: RINKEBY_SIGNERS });
      expect(failedChecks(report)).to.deep.equal(["seal-format"]);
      expect(detailOf(report, "seal-format")).to.equal("The seal is all zeros: the block was never sealed.");
    });
  });

  describe("verifyCliqueSeal on headers sealed by EthereumJS's Clique sealer", function () {
    const verify = (rlp: Uint8Array, options?: { expectedBlockHash?: string }) =>
      verifyCliqueSeal(rlp, { signers: AUTHORISED }, options);

    // EthereumJS seals Clique headers up to London (15 and 16 fields); later forks are proof of stake there.
    it("passes when an authorised signer sealed, with and without a base fee", function () {
      for (const hardfork of [Hardfork.Berlin, Hardfork.London]) {
        const header = sealCliqueHeader(SIGNERS[1], { hardfork });
        const report = verify(header.serialize(), { expectedBlockHash: bytesToHex(header.hash()) });
        expect(failedChecks(report), hardfork).to.deep.equal([]);
        expect(report.sealers).to.deep.equal([SIGNERS[1].address]);
        expect(report.blockHash).to.equal(bytesToHex(header.hash()));
      }
    });

    it("reads the signer set from a checkpoint header the verifier trusts", function () {
      const checkpoint = sealCliqueHeader(SIGNERS[0], { number: 0n, signers: AUTHORISED });
      const header = sealCliqueHeader(SIGNERS[2], { number: 9n });
      const report = verifyCliqueSeal(header.serialize(), { checkpoint: checkpoint.serialize() });
      expect(failedChecks(report)).to.deep.equal([]);
      expect(detailOf(report, "signer-set")).to.contain(`from checkpoint block 0 (${bytesToHex(checkpoint.hash())})`);
    });

    describe("when a key outside the signer set sealed", function () {
      it("fails sealer-authorised, naming it", function () {
        const report = verify(sealCliqueHeader(OUTSIDER).serialize());
        expect(failedChecks(report)).to.deep.equal(["sealer-authorised"]);
        expect(detailOf(report, "sealer-authorised")).to.contain(
          `Sealed by ${OUTSIDER.address}, which is not an authorised signer`,
        );
      });
    });

    describe("when the seal was made over another header", function () {
      it("fails sealer-authorised with an address that is no signer's", function () {
        const sealedElsewhere = cliqueSealOf(sealCliqueHeader(SIGNERS[0], { timestamp: 1_700_000_005n }));
        const report = verify(withCliqueSeal(sealCliqueHeader(SIGNERS[0]), sealedElsewhere));
        expect(failedChecks(report)).to.deep.equal(["sealer-authorised"]);
        const detail = detailOf(report, "sealer-authorised");
        for (const key of [...SIGNERS, OUTSIDER]) expect(detail).to.not.contain(key.address);
      });
    });

    describe("when a header field was changed after sealing", function () {
      it("fails block-hash and sealer-authorised", function () {
        const header = sealCliqueHeader(SIGNERS[0]);
        const tampered = createBlockHeader(
          { ...header.toJSON(), stateRoot: getBytes(id("another state")) },
          { common: header.common, skipConsensusFormatValidation: true },
        );
        const report = verify(tampered.serialize(), { expectedBlockHash: bytesToHex(header.hash()) });
        expect(failedChecks(report)).to.deep.equal(["block-hash", "sealer-authorised"]);
        expect(detailOf(report, "block-hash")).to.contain(`not the expected ${bytesToHex(header.hash())}`);
      });
    });

    describe("when the seal is malformed", function () {
      it("fails seal-format with its own words", function () {
        const header = sealCliqueHeader(SIGNERS[0]);
        const badRecoveryId = Uint8Array.from([...cliqueSealOf(header).subarray(0, 64), 4]);
        const report = verify(withCliqueSeal(header, badRecoveryId));
        expect(failedChecks(report)).to.deep.equal(["seal-format"]);
        expect(detailOf(report, "seal-format")).to.equal("The seal ends in recovery id 4, not 0 or 1.");
        const outOfRange = Uint8Array.from([...new Uint8Array(32).fill(0xff), ...new Uint8Array(32).fill(0xff), 0]);
        expect(detailOf(verify(withCliqueSeal(header, outOfRange)), "seal-format")).to.contain(
          "not a valid secp256k1 signature",
        );
      });
    });

    describe("when the checkpoint comes after the block", function () {
      it("fails signer-set", function () {
        const checkpoint = sealCliqueHeader(SIGNERS[0], { number: 30000n, signers: AUTHORISED });
        const report = verifyCliqueSeal(sealCliqueHeader(SIGNERS[0], { number: 12n }).serialize(), {
          checkpoint: checkpoint.serialize(),
        });
        expect(failedChecks(report)).to.deep.equal(["signer-set"]);
        expect(detailOf(report, "signer-set")).to.contain("The checkpoint is block 30000, after block 12");
      });
    });

    describe("when the checkpoint lists no signers", function () {
      it("fails signer-set", function () {
        const report = verifyCliqueSeal(sealCliqueHeader(SIGNERS[0]).serialize(), {
          checkpoint: sealCliqueHeader(SIGNERS[0], { number: 0n }).serialize(),
        });
        expect(failedChecks(report)).to.deep.equal(["signer-set"]);
        expect(detailOf(report, "signer-set")).to.contain("not a Clique checkpoint block");
      });
    });

    describe("when extraData is too short for a seal", function () {
      it("fails header-format alone", function () {
        const header = sealCliqueHeader(SIGNERS[0]);
        const short = createBlockHeader(
          { ...header.toJSON(), extraData: header.extraData.subarray(0, 60) },
          { common: header.common, skipConsensusFormatValidation: true },
        ) as BlockHeader;
        const report = verifySeals(short.serialize(), { engine: "clique", validators: AUTHORISED });
        expect(report.checks.map((step) => `${step.name}:${step.ok}`)).to.deep.equal(["header-format:false"]);
        expect(detailOf(report, "header-format")).to.contain("Clique needs at least 97");
      });
    });
  });
});
