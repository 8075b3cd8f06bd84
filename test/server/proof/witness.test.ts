import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { getAddress, id, Signature, TypedDataEncoder, verifyTypedData, Wallet } from "ethers";
import type { Hex32 } from "../../../server/proof/digest";
import { isTrustAnchorError } from "../../../server/proof/trust-errors";
import { buildTrustFile } from "../../../server/proof/trust-file";
import {
  BLOCK_CHECKPOINT_TYPES,
  checkpointDigest,
  signBlock,
  verifyWitnesses,
  witnessDomain,
  type BlockCheckpoint,
  type Cosignature,
  type WitnessReport,
} from "../../../server/proof/witness";
import { devAccount } from "../../support/dev-accounts";
import { ROOT } from "../../support/processes";

const member = (name: string) => new Wallet(id(`member ${name}`));
const ALICE = member("Alice");
const BOB = member("Bob");
const CAROL = member("Carol");
const MALLORY = member("Mallory");

const REGISTRY = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");
const CHECKPOINT: BlockCheckpoint = {
  chainId: 31337,
  registry: REGISTRY,
  blockNumber: 1234,
  blockHash: id("block 1234") as Hex32,
};
const DOMAIN = witnessDomain(CHECKPOINT.chainId, CHECKPOINT.registry);
const TRUST = buildTrustFile({
  chainId: 31337,
  registry: REGISTRY,
  registrars: [
    { address: ALICE.address, name: "Alice Notaries" },
    { address: BOB.address, name: "Bob & Co" },
    { address: CAROL.address },
  ],
  threshold: 2,
});

function failedChecks(report: WitnessReport): string[] {
  return report.checks.filter((step) => !step.ok).map((step) => step.name);
}

function detailOf(report: WitnessReport, name: string): string {
  const step = report.checks.find((candidate) => candidate.name === name);
  if (step === undefined) throw new Error(`no check ${name}`);
  return step.detail;
}

async function cosign(...wallets: Wallet[]): Promise<Cosignature[]> {
  return Promise.all(wallets.map((wallet) => signBlock(wallet, DOMAIN, CHECKPOINT)));
}

describe("Consortium witnesses", function () {
  describe("signBlock", function () {
    it("signs EIP-712 typed data that ethers' verifyTypedData recovers to the signer", async function () {
      const cosignature = await signBlock(ALICE, DOMAIN, CHECKPOINT);
      expect(cosignature.signer).to.equal(ALICE.address);
      const message = {
        chainId: CHECKPOINT.chainId,
        blockNumber: CHECKPOINT.blockNumber,
        blockHash: CHECKPOINT.blockHash,
      };
      expect(verifyTypedData(DOMAIN, BLOCK_CHECKPOINT_TYPES, message, cosignature.signature)).to.equal(ALICE.address);
      expect(TypedDataEncoder.hash(DOMAIN, BLOCK_CHECKPOINT_TYPES, message)).to.equal(
        checkpointDigest(DOMAIN, CHECKPOINT),
      );
    });

    it("produces the very signature a node's eth_signTypedData_v4 produces", async function () {
      const account = devAccount(0);
      const cosignature = await signBlock(account, DOMAIN, CHECKPOINT);
      const fromNode = await hre.network.provider.request({
        method: "eth_signTypedData_v4",
        params: [
          account.address,
          JSON.stringify({
            types: {
              EIP712Domain: [
                { name: "name", type: "string" },
                { name: "version", type: "string" },
                { name: "chainId", type: "uint256" },
                { name: "verifyingContract", type: "address" },
              ],
              ...BLOCK_CHECKPOINT_TYPES,
            },
            primaryType: "BlockCheckpoint",
            domain: DOMAIN,
            message: {
              chainId: CHECKPOINT.chainId,
              blockNumber: CHECKPOINT.blockNumber,
              blockHash: CHECKPOINT.blockHash,
            },
          }),
        ],
      });
      expect(fromNode).to.equal(cosignature.signature);
    });

    it("signs the type docs/witnesses.md documents", function () {
      const encoded = TypedDataEncoder.from(BLOCK_CHECKPOINT_TYPES).encodeType("BlockCheckpoint");
      const documentation = readFileSync(path.join(ROOT, "docs", "witnesses.md"), "utf8");
      expect(documentation).to.contain(`\`${encoded}\``);
      expect(documentation).to.contain(`\`${id(encoded)}\``);
    });

    it("refuses a block hash that is not 32 bytes", async function () {
      const error = await signBlock(ALICE, DOMAIN, { blockNumber: 1, blockHash: "0x1234" as Hex32 }).catch(
        (e: unknown) => e,
      );
      expect(isTrustAnchorError(error, "checkpoint-invalid")).to.be.true;
    });
  });

  describe("verifyWitnesses", function () {
    it("passes with k distinct trusted cosigners, naming them", async function () {
      const report = verifyWitnesses(CHECKPOINT, await cosign(BOB, ALICE), TRUST);
      expect(report.checks.map((step) => step.name)).to.deep.equal([
        "trust-file-scope",
        "cosignature-format",
        "cosignature-signers",
        "witness-threshold",
      ]);
      expect(failedChecks(report)).to.deep.equal([]);
      expect(report.ok).to.be.true;
      expect(report.counted.map((witness) => witness.address)).to.deep.equal([ALICE.address, BOB.address]);
      expect(detailOf(report, "witness-threshold")).to.equal(
        `2 of 3 trusted witnesses cosigned, 2 needed: Alice Notaries (${ALICE.address}), Bob & Co (${BOB.address}).`,
      );
    });

    describe("when too few trusted members cosigned", function () {
      it("fails witness-threshold with its own message", async function () {
        const report = verifyWitnesses(CHECKPOINT, await cosign(CAROL), TRUST);
        expect(failedChecks(report)).to.deep.equal(["witness-threshold"]);
        expect(detailOf(report, "witness-threshold")).to.match(
          /^Too few witnesses: 1 of 3 trusted witnesses cosigned, the trust file requires 2/,
        );
      });

      it("fails with no cosignature at all", function () {
        const report = verifyWitnesses(CHECKPOINT, [], TRUST);
        expect(failedChecks(report)).to.deep.equal(["witness-threshold"]);
      });
    });

    describe("when a key outside the trust file cosigned", function () {
      it("does not count it and reports it", async function () {
        const short = verifyWitnesses(CHECKPOINT, await cosign(ALICE, MALLORY), TRUST);
        expect(failedChecks(short)).to.deep.equal(["witness-threshold"]);
        expect(detailOf(short, "witness-threshold")).to.contain(
          `${MALLORY.address} is not in the trust file and does not count`,
        );

        const enough = verifyWitnesses(CHECKPOINT, await cosign(ALICE, MALLORY, CAROL), TRUST);
        expect(enough.ok).to.be.true;
        expect(enough.ignored).to.deep.equal([{ index: 1, signer: MALLORY.address, reason: "untrusted" }]);
      });
    });

    describe("when a member cosigned twice", function () {
      it("counts it once", async function () {
        const [alice] = await cosign(ALICE);
        const report = verifyWitnesses(CHECKPOINT, [alice, { ...alice }], TRUST);
        expect(failedChecks(report)).to.deep.equal(["witness-threshold"]);
        expect(report.counted).to.have.length(1);
        expect(detailOf(report, "witness-threshold")).to.contain("Alice Notaries");
        expect(detailOf(report, "witness-threshold")).to.contain("cosigned more than once and counts once");
      });
    });

    describe("when a cosignature is forged", function () {
      it("fails cosignature-signers, naming the key that really signed", async function () {
        const [mallory] = await cosign(MALLORY);
        const forged = { signer: BOB.address, signature: mallory.signature };
        const report = verifyWitnesses(CHECKPOINT, [...(await cosign(ALICE, CAROL)), forged], TRUST);
        expect(failedChecks(report)).to.deep.equal(["cosignature-signers"]);
        expect(detailOf(report, "cosignature-signers")).to.contain(
          `cosignature #3 names ${BOB.address} but was made by ${MALLORY.address}`,
        );
      });
    });

    describe("when a cosignature was made over another block", function () {
      it("fails cosignature-signers", async function () {
        const other = await signBlock(BOB, DOMAIN, { blockNumber: 1235, blockHash: CHECKPOINT.blockHash });
        const report = verifyWitnesses(CHECKPOINT, [...(await cosign(ALICE)), other], TRUST);
        expect(failedChecks(report)).to.deep.equal(["cosignature-signers", "witness-threshold"]);
        expect(detailOf(report, "cosignature-signers")).to.contain(
          `cosignature #2 names ${BOB.address} but was made by 0x`,
        );
      });
    });

    describe("when a cosignature is malformed", function () {
      it("fails cosignature-format with a message for each", async function () {
        const [alice, bob] = await cosign(ALICE, BOB);
        const sig = Signature.from(bob.signature);
        const highS = `0x${sig.r.slice(2)}${(0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n - BigInt(sig.s)).toString(16).padStart(64, "0")}${sig.v === 27 ? "1c" : "1b"}`;
        const report = verifyWitnesses(
          CHECKPOINT,
          [
            alice,
            { signer: BOB.address, signature: bob.signature.slice(0, 130) },
            { signer: BOB.address, signature: `${bob.signature.slice(0, 130)}05` },
            { signer: BOB.address, signature: highS },
            { signer: "not an address", signature: bob.signature },
          ],
          TRUST,
        );
        expect(failedChecks(report)).to.deep.equal(["cosignature-format", "witness-threshold"]);
        expect(detailOf(report, "cosignature-format")).to.equal(
          "Malformed: cosignature #2: its signature is 64 bytes, not 65; " +
            "cosignature #3: its signature ends in v = 5, not 27 or 28; " +
            "cosignature #4: its signature has r or s out of range; " +
            'cosignature #5: its signer "not an address" is not an address.',
        );
      });
    });

    describe("when the checkpoint is no block", function () {
      it("throws checkpoint-invalid rather than judging the cosignatures", async function () {
        const cosignatures = await cosign(ALICE, BOB);
        const noBlock = { ...CHECKPOINT, blockHash: "0x1234" as Hex32 };
        let thrown: unknown;
        try {
          verifyWitnesses(noBlock, cosignatures, TRUST);
        } catch (error) {
          thrown = error;
        }
        expect(isTrustAnchorError(thrown, "checkpoint-invalid")).to.be.true;
      });
    });

    describe("when the trust file is for another chain or registry", function () {
      it("fails trust-file-scope", async function () {
        const cosignatures = await cosign(ALICE, BOB);
        const otherChain = verifyWitnesses({ ...CHECKPOINT, chainId: 1 }, cosignatures, TRUST);
        expect(failedChecks(otherChain)).to.include("trust-file-scope");
        const otherRegistry = verifyWitnesses({ ...CHECKPOINT, registry: BOB.address }, cosignatures, TRUST);
        expect(failedChecks(otherRegistry)).to.include("trust-file-scope");
        expect(detailOf(otherRegistry, "trust-file-scope")).to.contain(
          `the receipt is for chain 31337 and registry ${BOB.address}`,
        );
      });
    });
  });
});
