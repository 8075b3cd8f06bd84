import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Hex32 } from "../../server/proof/digest";
import { buildBatch } from "../../server/proof/merkle";
import { deployRegistryFixture, randomDigest, randomDigests } from "./fixtures";

// Budgets from the product's targets; gas is deterministic, so these are exact regression checks.
const SINGLE_ANCHOR_BUDGET = 50_000n;
const BATCH_PER_DOCUMENT_BUDGET_AT_1000 = 1_500n;
// An admin's occasional transaction, dominated by storage: a first naming fills seven slots
// (three for a 64-byte name, the URI, the time, the directory's length and entry).
const FIRST_NAMING_BUDGET = 220_000n;
const RENAMING_BUDGET = 80_000n;

/** 64 bytes of two-byte characters: the costliest name per byte to check. */
const NAME_64_BYTES = "Б".repeat(32);
const LEI = "5493001KJTIIGC8Y1R12";

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

  it("names an organisation with a 64-byte name and an LEI within 220,000 gas, and renames it within 80,000", async function () {
    const { registry, admin, registrar } = await loadFixture(deployRegistryFixture);
    expect(Buffer.byteLength(NAME_64_BYTES)).to.equal(64);
    const first = await (await registry.connect(admin).setOrganisation(registrar.address, NAME_64_BYTES, LEI)).wait();
    expect(first!.gasUsed).to.be.at.most(FIRST_NAMING_BUDGET);
    const renamed = "Д".repeat(32);
    const second = await (await registry.connect(admin).setOrganisation(registrar.address, renamed, LEI)).wait();
    expect(second!.gasUsed).to.be.at.most(RENAMING_BUDGET);
  });

  it("costs an anchoring nothing when its registrar is named", async function () {
    const { registry, admin, registrar } = await loadFixture(deployRegistryFixture);
    // Two digests with the same calldata cost: no zero bytes, differing in one byte.
    const digest = `0x${"5a".repeat(32)}` as Hex32;
    const twin = `0x${"5a".repeat(31)}5b` as Hex32;
    const before = (await (await registry.connect(registrar).anchor(digest)).wait())!.gasUsed;
    await registry.connect(admin).setOrganisation(registrar.address, NAME_64_BYTES, LEI);
    const after = (await (await registry.connect(registrar).anchor(twin)).wait())!.gasUsed;
    expect(after).to.equal(before);
  });
});
