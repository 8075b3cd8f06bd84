import { expect } from "chai";
import hre from "hardhat";
import { Interface } from "ethers";
import { registryAnchoringInterface, REGISTRY_ANCHORING_ABI } from "../../../server/proof/registry-abi";

const FUNCTIONS = ["anchor", "anchorBatch"];
const EVENTS = ["DocumentAnchored", "BatchAnchored"];

async function compiledInterface(): Promise<Interface> {
  return new Interface((await hre.artifacts.readArtifact("DocumentRegistry")).abi);
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
});
