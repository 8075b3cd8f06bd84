import { expect } from "chai";
import hre from "hardhat";
import { Interface } from "ethers";
import { registryAnchoringInterface, REGISTRY_ANCHORING_ABI } from "../../../server/proof/registry-abi";

describe("registry anchoring ABI", function () {
  it("declares each call and event exactly as the compiled DocumentRegistry does", async function () {
    const compiled = new Interface((await hre.artifacts.readArtifact("DocumentRegistry")).abi);
    const written = registryAnchoringInterface.fragments;
    expect(written).to.have.length(REGISTRY_ANCHORING_ABI.length);
    for (const fragment of written) {
      const name = (fragment as { name: string }).name;
      const counterpart =
        fragment.type === "function" ? compiled.getFunction(name) : fragment.type === "event" ? compiled.getEvent(name) : null;
      expect(counterpart, name).to.not.equal(null);
      expect(fragment.format("full"), name).to.equal(counterpart!.format("full"));
    }
  });

  it("gives the selectors and topics the compiled contract uses", async function () {
    const compiled = new Interface((await hre.artifacts.readArtifact("DocumentRegistry")).abi);
    for (const name of ["anchor", "anchorBatch"]) {
      expect(registryAnchoringInterface.getFunction(name)!.selector).to.equal(compiled.getFunction(name)!.selector);
    }
    for (const name of ["DocumentAnchored", "BatchAnchored"]) {
      expect(registryAnchoringInterface.getEvent(name)!.topicHash).to.equal(compiled.getEvent(name)!.topicHash);
    }
  });
});
