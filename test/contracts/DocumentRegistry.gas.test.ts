import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { buildBatch } from "../../server/proof/merkle";
import { deployRegistryFixture, randomDigest, randomDigests } from "./fixtures";

// Budgets from the product's targets; gas is deterministic, so these are exact regression checks.
const SINGLE_ANCHOR_BUDGET = 50_000n;
const BATCH_PER_DOCUMENT_BUDGET_AT_1000 = 1_500n;

describe("DocumentRegistry (gas budgets)", function () {
  it("anchors a single document within 50,000 gas", async function () {
    const { registry, registrar } = await loadFixture(deployRegistryFixture);
    const receipt = await (await registry.connect(registrar).anchor(randomDigest())).wait();
    expect(receipt!.gasUsed).to.be.at.most(SINGLE_ANCHOR_BUDGET);
  });

  it("anchors 1,000 documents within 1,500 gas each", async function () {
    const { registry, registrar } = await loadFixture(deployRegistryFixture);
    const batch = buildBatch(randomDigests(1000));
    const receipt = await (await registry.connect(registrar).anchorBatch(batch.root, [...batch.digests])).wait();
    expect(receipt!.gasUsed / 1000n).to.be.at.most(BATCH_PER_DOCUMENT_BUDGET_AT_1000);
  });
});
