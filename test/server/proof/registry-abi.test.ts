import { expect } from "chai";
import hre from "hardhat";
import { AbiCoder, Interface as EthersInterface } from "ethers";
import {
  anchorBatchCalldata,
  anchorBatchDigests,
  registryAnchoringInterface,
  REGISTRY_ANCHORING_ABI,
} from "../../../server/proof/registry-abi";
import { toBytes32, type Hex32 } from "../../../server/proof/digest";
import { randomShas } from "../../support/unit-fixtures";

const FUNCTIONS = ["anchor", "anchorBatch"];
const EVENTS = ["DocumentAnchored", "BatchAnchored"];

async function compiledInterface(): Promise<EthersInterface> {
  return new EthersInterface((await hre.artifacts.readArtifact("DocumentRegistry")).abi);
}

describe("registry anchoring ABI", function () {
  it("holds the two anchoring calls and their events, nothing else", function () {
    expect(REGISTRY_ANCHORING_ABI).to.have.length(FUNCTIONS.length + EVENTS.length);
    expect(registryAnchoringInterface.fragments).to.have.length(FUNCTIONS.length + EVENTS.length);
  });

  it("declares each exactly as the compiled DocumentRegistry does, names and indexed topics included", async function () {
    const compiled = await compiledInterface();
    for (const name of FUNCTIONS) {
      expect(registryAnchoringInterface.getFunction(name)!.format("full"), name).to.equal(
        compiled.getFunction(name)!.format("full"),
      );
    }
    for (const name of EVENTS) {
      expect(registryAnchoringInterface.getEvent(name)!.format("full"), name).to.equal(
        compiled.getEvent(name)!.format("full"),
      );
    }
  });

  it("gives the selectors and topics the compiled contract uses", async function () {
    const compiled = await compiledInterface();
    for (const name of FUNCTIONS) {
      expect(registryAnchoringInterface.getFunction(name)!.selector).to.equal(compiled.getFunction(name)!.selector);
    }
    for (const name of EVENTS) {
      expect(registryAnchoringInterface.getEvent(name)!.topicHash).to.equal(compiled.getEvent(name)!.topicHash);
    }
  });

  describe("anchorBatch calldata", function () {
    const digestsOf = (count: number): Hex32[] => randomShas(count).map(toBytes32);

    it("is written as ethers' ABI coder writes it, and read back to the same digests", function () {
      for (const count of [1, 2, 3, 100, 3900]) {
        const digests = digestsOf(count);
        const [root] = digestsOf(1);
        const data = anchorBatchCalldata(root, digests);
        expect(data, `${count} digests`).to.equal(
          registryAnchoringInterface.encodeFunctionData("anchorBatch", [root, digests]),
        );
        expect(anchorBatchDigests(data)).to.deep.equal(digests);
        expect(anchorBatchDigests(data.toUpperCase().replace(/^0X/, "0x"))).to.deep.equal(digests);
      }
    });

    it("reads a layout other than the usual one as ethers' decoder does", function () {
      const digests = digestsOf(3);
      const [root] = digestsOf(1);
      const selector = registryAnchoringInterface.getFunction("anchorBatch")!.selector;
      // The array placed one word further on, behind a padding word: valid ABI, not the usual layout.
      const head = AbiCoder.defaultAbiCoder().encode(["bytes32", "uint256", "uint256"], [root, 96, 0]).slice(2);
      const tail = AbiCoder.defaultAbiCoder()
        .encode(["bytes32[]"], [digests])
        .slice(2 + 64);
      expect(anchorBatchDigests(`${selector}${head}${tail}`)).to.deep.equal(digests);
      const trailing = `${anchorBatchCalldata(root, digests)}${"00".repeat(32)}`;
      expect(anchorBatchDigests(trailing)).to.deep.equal(digests);
    });

    it("answers undefined for another call", function () {
      const [digest] = digestsOf(1);
      expect(anchorBatchDigests(registryAnchoringInterface.encodeFunctionData("anchor", [digest]))).to.equal(undefined);
      expect(anchorBatchDigests("0x")).to.equal(undefined);
    });
  });
});
