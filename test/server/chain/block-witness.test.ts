import { expect } from "chai";
import hre from "hardhat";
import { FetchRequest, JsonRpcProvider, Network } from "ethers";
import { BlockWitness } from "../../../server/chain/block-witness";
import { isDocproofError } from "../../../server/errors";
import type { Hex32 } from "../../../server/proof/digest";
import { isTrustAnchorError } from "../../../server/proof/trust-errors";
import { buildTrustFile } from "../../../server/proof/trust-file";
import { verifyWitnesses } from "../../../server/proof/witness";
import { devAccount } from "../../support/dev-accounts";
import { freePort } from "../../support/processes";

const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const MEMBERS = [1, 2, 3].map(devAccount);

async function chainId(): Promise<number> {
  return Number((await hre.ethers.provider.getNetwork()).chainId);
}

async function witnessFor(index: number, confirmations = 3): Promise<BlockWitness> {
  return new BlockWitness(hre.ethers.provider, MEMBERS[index], {
    chainId: await chainId(),
    registry: REGISTRY,
    confirmations,
  });
}

async function refusal(action: Promise<unknown>): Promise<Error> {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isTrustAnchorError(error, "witness-refused"), String(error)).to.be.true;
  return error as Error;
}

describe("BlockWitness", function () {
  before(async function () {
    await hre.network.provider.send("hardhat_mine", ["0x5"]);
  });

  describe("witness", function () {
    it("signs the hash the node has for a final block, and members' cosignatures meet the threshold", async function () {
      const head = await hre.ethers.provider.getBlockNumber();
      const block = await hre.ethers.provider.getBlock(head - 2);
      const witnessed = await Promise.all([0, 1, 2].map(async (index) => (await witnessFor(index)).witness(head - 2)));
      expect(witnessed[0].blockHash).to.equal(block!.hash);
      const trust = buildTrustFile({
        chainId: await chainId(),
        registry: REGISTRY,
        registrars: MEMBERS.map((member) => ({ address: member.address })),
      });
      const report = verifyWitnesses(
        witnessed[0],
        witnessed.map((entry) => entry.cosignature),
        trust,
      );
      expect(report.ok, JSON.stringify(report.checks)).to.be.true;
      expect(report.counted).to.have.length(3);
    });

    describe("when the block is not final yet", function () {
      it("refuses, with the confirmations it has", async function () {
        const head = await hre.ethers.provider.getBlockNumber();
        const error = await refusal((await witnessFor(0)).witness(head));
        expect(error.message).to.equal(`Block ${head} has 1 of the 3 confirmations this member waits for.`);
      });
    });

    describe("when the node has no such block", function () {
      it("refuses", async function () {
        const head = await hre.ethers.provider.getBlockNumber();
        const error = await refusal((await witnessFor(0)).witness(head + 100));
        expect(error.message).to.contain("has no block");
      });
    });
  });

  describe("cosign", function () {
    it("signs another member's claim when its own node agrees", async function () {
      const head = await hre.ethers.provider.getBlockNumber();
      const mine = await (await witnessFor(0)).witness(head - 3);
      const theirs = await (await witnessFor(1)).cosign({ blockNumber: mine.blockNumber, blockHash: mine.blockHash });
      expect(theirs.blockHash).to.equal(mine.blockHash);
      expect(theirs.cosignature.signer).to.equal(MEMBERS[1].address);
    });

    describe("when its own node has another hash at that height", function () {
      it("refuses", async function () {
        const head = await hre.ethers.provider.getBlockNumber();
        const claim = { blockNumber: head - 3, blockHash: `0x${"ab".repeat(32)}` as Hex32 };
        const error = await refusal((await witnessFor(1)).cosign(claim));
        expect(error.message).to.contain(`not ${claim.blockHash}`);
      });
    });
  });

  describe("when its node is on another chain", function () {
    it("refuses", async function () {
      const witness = new BlockWitness(hre.ethers.provider, MEMBERS[0], {
        chainId: 5,
        registry: REGISTRY,
        confirmations: 1,
      });
      const error = await refusal(witness.witness(1));
      expect(error.message).to.contain("not chain 5");
    });
  });

  describe("when its node does not answer", function () {
    it("fails with chain-unavailable", async function () {
      const request = new FetchRequest(`http://127.0.0.1:${await freePort()}`);
      request.timeout = 2_000;
      const provider = new JsonRpcProvider(request, Network.from(31337), { staticNetwork: true });
      try {
        const witness = new BlockWitness(provider, MEMBERS[0], {
          chainId: 31337,
          registry: REGISTRY,
          confirmations: 1,
        });
        const error = await witness.witness(1).catch((e: unknown) => e);
        expect(isDocproofError(error, "chain-unavailable"), String(error)).to.be.true;
      } finally {
        provider.destroy();
      }
    });
  });
});
