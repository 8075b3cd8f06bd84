import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { randomInt } from "node:crypto";
import DocumentRegistryModule, { DEFAULT_ADMIN_DELAY_SECONDS } from "../../ignition/modules/DocumentRegistry";
import type { Hex32 } from "../../server/proof/digest";
import { buildBatch, leafOf } from "../../server/proof/merkle";
import { checkOrganisation, type OrganisationFault } from "../../server/proof/organisation";
import type { DocumentRegistry } from "../../typechain-types";
import {
  ADMIN_DELAY,
  bytesOf,
  deployRegistryFixture,
  randomDigest,
  randomDigests,
  setOrganisationCalldata,
} from "./fixtures";

const { ethers } = hre;
const Status = { Unknown: 0n, Anchored: 1n, Revoked: 2n };
const ZERO = ethers.ZeroHash;

async function latestBlock() {
  const block = await ethers.provider.getBlock("latest");
  if (block === null) throw new Error("no latest block");
  return block;
}

describe("DocumentRegistry", function () {
  describe("deployment", function () {
    it("reports its version and batch limit", async function () {
      const { registry } = await loadFixture(deployRegistryFixture);
      expect(await registry.version()).to.equal("1.1.0");
      expect(await registry.MAX_BATCH_SIZE()).to.equal(12_000n);
      expect(await registry.MAX_ORGANISATION_NAME_LENGTH()).to.equal(64n);
      expect(await registry.MAX_ORGANISATION_URI_LENGTH()).to.equal(256n);
      expect(await registry.REGISTRAR_ROLE()).to.equal(ethers.id("REGISTRAR_ROLE"));
    });

    it("sets the admin, its transfer delay and the first registrar from the module parameters", async function () {
      const { registry, admin, registrar, stranger, REGISTRAR_ROLE } = await loadFixture(deployRegistryFixture);
      expect(await registry.defaultAdmin()).to.equal(admin.address);
      expect(await registry.defaultAdminDelay()).to.equal(BigInt(ADMIN_DELAY));
      expect(await registry.hasRole(REGISTRAR_ROLE, registrar.address)).to.equal(true);
      expect(await registry.hasRole(REGISTRAR_ROLE, stranger.address)).to.equal(false);
      expect(await registry.getRoleAdmin(REGISTRAR_ROLE)).to.equal(await registry.DEFAULT_ADMIN_ROLE());
    });

    it("defaults admin, transfer delay and registrar to the module's defaults when given no parameters", async function () {
      async function deployWithModuleDefaultsFixture() {
        const [deployer, ...others] = await ethers.getSigners();
        const { registry } = await hre.ignition.deploy(DocumentRegistryModule);
        return { registry: registry as unknown as DocumentRegistry, deployer, others };
      }
      const { registry, deployer, others } = await loadFixture(deployWithModuleDefaultsFixture);
      const REGISTRAR_ROLE = await registry.REGISTRAR_ROLE();
      expect(await registry.defaultAdmin()).to.equal(deployer.address);
      expect(await registry.defaultAdminDelay()).to.equal(BigInt(DEFAULT_ADMIN_DELAY_SECONDS));
      expect(await registry.hasRole(REGISTRAR_ROLE, deployer.address)).to.equal(true);
      const granted = await registry.queryFilter(registry.filters.RoleGranted(REGISTRAR_ROLE));
      expect(granted.map((event) => event.args.account)).to.deep.equal([deployer.address]);
      for (const other of others.slice(0, 3)) {
        expect(await registry.hasRole(REGISTRAR_ROLE, other.address)).to.equal(false);
      }
    });

    it("supports the AccessControl interfaces", async function () {
      const { registry } = await loadFixture(deployRegistryFixture);
      expect(await registry.supportsInterface("0x7965db0b")).to.equal(true); // IAccessControl
      expect(await registry.supportsInterface("0x31498786")).to.equal(true); // IAccessControlDefaultAdminRules
      expect(await registry.supportsInterface("0xffffffff")).to.equal(false);
    });
  });

  describe("anchor", function () {
    it("records registrar, block time, block number and one leaf in the anchoring of the digest's leaf", async function () {
      const { registry, registrar } = await loadFixture(deployRegistryFixture);
      const digest = randomDigest();
      await registry.connect(registrar).anchor(digest);
      const block = await latestBlock();

      const record = await registry.documentAnchorOf(digest);
      expect(record.registrar).to.equal(registrar.address);
      expect(record.anchoredAt).to.equal(BigInt(block.timestamp));
      expect(record.blockNumber).to.equal(BigInt(block.number));
      expect(record.leafCount).to.equal(1n);
      expect(await registry.anchorOf(leafOf(digest))).to.deep.equal(record);
    });

    it("emits DocumentAnchored with digest, root and registrar", async function () {
      const { registry, registrar } = await loadFixture(deployRegistryFixture);
      const digest = randomDigest();
      await expect(registry.connect(registrar).anchor(digest))
        .to.emit(registry, "DocumentAnchored")
        .withArgs(digest, leafOf(digest), registrar.address);
    });

    it("verifies as anchored with an empty proof", async function () {
      const { registry, registrar } = await loadFixture(deployRegistryFixture);
      const digest = randomDigest();
      await registry.connect(registrar).anchor(digest);
      const [status, record] = await registry.verify(digest, leafOf(digest), []);
      expect(status).to.equal(Status.Anchored);
      expect(record.registrar).to.equal(registrar.address);
    });

    it("prevents non-registrars from anchoring", async function () {
      const { registry, stranger, REGISTRAR_ROLE } = await loadFixture(deployRegistryFixture);
      await expect(registry.connect(stranger).anchor(randomDigest()))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, REGISTRAR_ROLE);
    });

    it("prevents the admin, which does not hold the registrar role, from anchoring", async function () {
      const { registry, admin, REGISTRAR_ROLE } = await loadFixture(deployRegistryFixture);
      await expect(registry.connect(admin).anchor(randomDigest()))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(admin.address, REGISTRAR_ROLE);
    });

    it("prevents a registrar whose role was removed from anchoring, singly or in a batch", async function () {
      const { registry, admin, registrar, REGISTRAR_ROLE } = await loadFixture(deployRegistryFixture);
      await registry.connect(admin).revokeRole(REGISTRAR_ROLE, registrar.address);
      await expect(registry.connect(registrar).anchor(randomDigest()))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(registrar.address, REGISTRAR_ROLE);
      const batch = buildBatch(randomDigests(3));
      await expect(registry.connect(registrar).anchorBatch(batch.root, [...batch.digests]))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(registrar.address, REGISTRAR_ROLE);
    });

    it("rejects the zero digest", async function () {
      const { registry, registrar } = await loadFixture(deployRegistryFixture);
      await expect(registry.connect(registrar).anchor(ZERO)).to.be.revertedWithCustomError(
        registry,
        "DocumentRegistryZeroDigest",
      );
    });

    it("rejects a digest already anchored, carrying the existing record", async function () {
      const { registry, registrar, otherRegistrar } = await loadFixture(deployRegistryFixture);
      const digest = randomDigest();
      await registry.connect(registrar).anchor(digest);
      const block = await latestBlock();
      await expect(registry.connect(otherRegistrar).anchor(digest))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryAlreadyAnchored")
        .withArgs(leafOf(digest), [registrar.address, block.timestamp, block.number, 1]);
    });
  });

  describe("anchorBatch", function () {
    it("records the batch under its root with the leaf count", async function () {
      const { registry, registrar } = await loadFixture(deployRegistryFixture);
      const batch = buildBatch(randomDigests(10));
      await registry.connect(registrar).anchorBatch(batch.root, [...batch.digests]);
      const block = await latestBlock();
      const record = await registry.anchorOf(batch.root);
      expect(record.registrar).to.equal(registrar.address);
      expect(record.anchoredAt).to.equal(BigInt(block.timestamp));
      expect(record.blockNumber).to.equal(BigInt(block.number));
      expect(record.leafCount).to.equal(10n);
    });

    it("emits BatchAnchored with root, registrar and leaf count", async function () {
      const { registry, registrar } = await loadFixture(deployRegistryFixture);
      const batch = buildBatch(randomDigests(7));
      await expect(registry.connect(registrar).anchorBatch(batch.root, [...batch.digests]))
        .to.emit(registry, "BatchAnchored")
        .withArgs(batch.root, registrar.address, 7);
    });

    it("keeps every digest in the transaction input, so proofs rebuild from chain data alone", async function () {
      const { registry, registrar } = await loadFixture(deployRegistryFixture);
      const batch = buildBatch(randomDigests(25));
      const tx = await registry.connect(registrar).anchorBatch(batch.root, [...batch.digests]);
      const mined = await ethers.provider.getTransaction(tx.hash);
      const call = registry.interface.parseTransaction({ data: mined!.data });
      const rebuilt = buildBatch(call!.args.digests as Hex32[]);
      expect(rebuilt.root).to.equal(batch.root);
      for (const digest of batch.digests) expect(rebuilt.proofOf(digest)).to.deep.equal(batch.proofOf(digest));
    });

    it("prevents non-registrars from anchoring a batch", async function () {
      const { registry, stranger, REGISTRAR_ROLE } = await loadFixture(deployRegistryFixture);
      const batch = buildBatch(randomDigests(3));
      await expect(registry.connect(stranger).anchorBatch(batch.root, [...batch.digests]))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, REGISTRAR_ROLE);
    });

    it("rejects an empty batch", async function () {
      const { registry, registrar } = await loadFixture(deployRegistryFixture);
      await expect(registry.connect(registrar).anchorBatch(randomDigest(), [])).to.be.revertedWithCustomError(
        registry,
        "DocumentRegistryEmptyBatch",
      );
    });

    it("rejects a batch larger than MAX_BATCH_SIZE", async function () {
      const { registry, registrar } = await loadFixture(deployRegistryFixture);
      const digests = randomDigests(12_001);
      await expect(registry.connect(registrar).anchorBatch(randomDigest(), digests))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryBatchTooLarge")
        .withArgs(12_001, 12_000);
    });

    it("rejects a zero digest among the members", async function () {
      const { registry, registrar } = await loadFixture(deployRegistryFixture);
      const batch = buildBatch(randomDigests(3));
      await expect(
        registry.connect(registrar).anchorBatch(batch.root, [...batch.digests, ZERO]),
      ).to.be.revertedWithCustomError(registry, "DocumentRegistryZeroDigest");
    });

    it("rejects digests out of leaf order, naming the first offending index", async function () {
      const { registry, registrar } = await loadFixture(deployRegistryFixture);
      const batch = buildBatch(randomDigests(5));
      const swapped = [...batch.digests];
      [swapped[2], swapped[3]] = [swapped[3], swapped[2]];
      await expect(registry.connect(registrar).anchorBatch(batch.root, swapped))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryUnsortedBatch")
        .withArgs(3);
    });

    it("rejects a digest repeated within the batch", async function () {
      const { registry, registrar } = await loadFixture(deployRegistryFixture);
      const batch = buildBatch(randomDigests(4));
      const repeated = [...batch.digests.slice(0, 2), batch.digests[1], ...batch.digests.slice(2)];
      await expect(registry.connect(registrar).anchorBatch(batch.root, repeated))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryUnsortedBatch")
        .withArgs(2);
    });

    it("rejects a declared root that differs from the digests' root", async function () {
      const { registry, registrar } = await loadFixture(deployRegistryFixture);
      const batch = buildBatch(randomDigests(4));
      const declared = randomDigest();
      await expect(registry.connect(registrar).anchorBatch(declared, [...batch.digests]))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryRootMismatch")
        .withArgs(declared, batch.root);
    });

    it("rejects a root already anchored, carrying the existing record", async function () {
      const { registry, registrar } = await loadFixture(deployRegistryFixture);
      const batch = buildBatch(randomDigests(4));
      await registry.connect(registrar).anchorBatch(batch.root, [...batch.digests]);
      const block = await latestBlock();
      await expect(registry.connect(registrar).anchorBatch(batch.root, [...batch.digests]))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryAlreadyAnchored")
        .withArgs(batch.root, [registrar.address, block.timestamp, block.number, 4]);
    });

    it("treats a one-digest batch as the single anchoring of that digest", async function () {
      const { registry, registrar } = await loadFixture(deployRegistryFixture);
      const digest = randomDigest();
      await registry.connect(registrar).anchor(digest);
      await expect(registry.connect(registrar).anchorBatch(leafOf(digest), [digest])).to.be.revertedWithCustomError(
        registry,
        "DocumentRegistryAlreadyAnchored",
      );
    });

    it("lets the same digest stand in two batches, each verifiable on its own", async function () {
      const { registry, registrar, otherRegistrar } = await loadFixture(deployRegistryFixture);
      const shared = randomDigest();
      const first = buildBatch([shared, ...randomDigests(3)]);
      const second = buildBatch([shared, ...randomDigests(5)]);
      await registry.connect(registrar).anchorBatch(first.root, [...first.digests]);
      await registry.connect(otherRegistrar).anchorBatch(second.root, [...second.digests]);
      const [s1, r1] = await registry.verify(shared, first.root, first.proofOf(shared));
      const [s2, r2] = await registry.verify(shared, second.root, second.proofOf(shared));
      expect([s1, s2]).to.deep.equal([Status.Anchored, Status.Anchored]);
      expect([r1.registrar, r2.registrar]).to.deep.equal([registrar.address, otherRegistrar.address]);
    });
  });

  describe("revoke", function () {
    async function anchoredBatchFixture() {
      const base = await deployRegistryFixture();
      const batch = buildBatch(randomDigests(6));
      await base.registry.connect(base.registrar).anchorBatch(batch.root, [...batch.digests]);
      const single = randomDigest();
      await base.registry.connect(base.registrar).anchor(single);
      return { ...base, batch, single };
    }

    it("lets the anchoring registrar revoke a batch member, recording who, when and why", async function () {
      const { registry, registrar, batch } = await loadFixture(anchoredBatchFixture);
      const member = batch.digests[3];
      await expect(registry.connect(registrar).revoke(batch.root, member, batch.proofOf(member), 4))
        .to.emit(registry, "DocumentRevoked")
        .withArgs(batch.root, member, registrar.address, 4);
      const block = await latestBlock();
      const revocation = await registry.revocationOf(batch.root, member);
      expect(revocation.revokedBy).to.equal(registrar.address);
      expect(revocation.revokedAt).to.equal(BigInt(block.timestamp));
      expect(revocation.blockNumber).to.equal(BigInt(block.number));
      expect(revocation.reason).to.equal(4n);
    });

    it("revokes only the named member: the others still verify as anchored", async function () {
      const { registry, registrar, batch } = await loadFixture(anchoredBatchFixture);
      const [revoked, ...others] = batch.digests;
      await registry.connect(registrar).revoke(batch.root, revoked, batch.proofOf(revoked), 1);
      const [status, , revocation] = await registry.verify(revoked, batch.root, batch.proofOf(revoked));
      expect(status).to.equal(Status.Revoked);
      expect(revocation.reason).to.equal(1n);
      for (const other of others) {
        const [otherStatus] = await registry.verify(other, batch.root, batch.proofOf(other));
        expect(otherStatus).to.equal(Status.Anchored);
      }
    });

    it("lets the anchoring registrar revoke a single document with an empty proof", async function () {
      const { registry, registrar, single } = await loadFixture(anchoredBatchFixture);
      await expect(registry.connect(registrar).revoke(leafOf(single), single, [], 0))
        .to.emit(registry, "DocumentRevoked")
        .withArgs(leafOf(single), single, registrar.address, 0);
      const [status] = await registry.verify(single, leafOf(single), []);
      expect(status).to.equal(Status.Revoked);
    });

    it("lets an admin revoke any registrar's document", async function () {
      const { registry, admin, batch } = await loadFixture(anchoredBatchFixture);
      const member = batch.digests[0];
      await expect(registry.connect(admin).revoke(batch.root, member, batch.proofOf(member), 9))
        .to.emit(registry, "DocumentRevoked")
        .withArgs(batch.root, member, admin.address, 9);
    });

    it("prevents another registrar from revoking", async function () {
      const { registry, registrar, otherRegistrar, batch } = await loadFixture(anchoredBatchFixture);
      const member = batch.digests[0];
      await expect(registry.connect(otherRegistrar).revoke(batch.root, member, batch.proofOf(member), 0))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryUnauthorizedRevoker")
        .withArgs(otherRegistrar.address, registrar.address);
    });

    it("prevents a stranger from revoking", async function () {
      const { registry, registrar, stranger, single } = await loadFixture(anchoredBatchFixture);
      await expect(registry.connect(stranger).revoke(leafOf(single), single, [], 0))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryUnauthorizedRevoker")
        .withArgs(stranger.address, registrar.address);
    });

    it("prevents a registrar whose role was removed from revoking its own documents", async function () {
      const { registry, admin, registrar, single, REGISTRAR_ROLE } = await loadFixture(anchoredBatchFixture);
      await registry.connect(admin).revokeRole(REGISTRAR_ROLE, registrar.address);
      await expect(registry.connect(registrar).revoke(leafOf(single), single, [], 0))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryUnauthorizedRevoker")
        .withArgs(registrar.address, registrar.address);
    });

    it("lets the admin revoke for a registrar whose role was removed", async function () {
      const { registry, admin, registrar, batch, REGISTRAR_ROLE } = await loadFixture(anchoredBatchFixture);
      await registry.connect(admin).revokeRole(REGISTRAR_ROLE, registrar.address);
      const member = batch.digests[2];
      await expect(registry.connect(admin).revoke(batch.root, member, batch.proofOf(member), 7))
        .to.emit(registry, "DocumentRevoked")
        .withArgs(batch.root, member, admin.address, 7);
    });

    it("rejects an unknown root", async function () {
      const { registry, registrar } = await loadFixture(anchoredBatchFixture);
      const root = randomDigest();
      await expect(registry.connect(registrar).revoke(root, randomDigest(), [], 0))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryUnknownRoot")
        .withArgs(root);
    });

    it("rejects a proof that does not place the digest under the root", async function () {
      const { registry, registrar, batch } = await loadFixture(anchoredBatchFixture);
      const outsider = randomDigest();
      await expect(registry.connect(registrar).revoke(batch.root, outsider, batch.proofOf(batch.digests[0]), 0))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryInvalidProof")
        .withArgs(batch.root, outsider);
    });

    it("is final: a second revocation is rejected with the first one's record", async function () {
      const { registry, registrar, admin, single } = await loadFixture(anchoredBatchFixture);
      await registry.connect(registrar).revoke(leafOf(single), single, [], 2);
      const block = await latestBlock();
      await expect(registry.connect(admin).revoke(leafOf(single), single, [], 3))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryAlreadyRevoked")
        .withArgs(leafOf(single), single, [registrar.address, block.timestamp, block.number, 2]);
    });
  });

  describe("verify", function () {
    it("answers unknown for a root never anchored", async function () {
      const { registry } = await loadFixture(deployRegistryFixture);
      const digest = randomDigest();
      const [status, record, revocation] = await registry.verify(digest, leafOf(digest), []);
      expect(status).to.equal(Status.Unknown);
      expect(record.registrar).to.equal(ethers.ZeroAddress);
      expect(revocation.revokedAt).to.equal(0n);
    });

    it("answers unknown, with no record, for a tampered proof", async function () {
      const { registry, registrar } = await loadFixture(deployRegistryFixture);
      const batch = buildBatch(randomDigests(8));
      await registry.connect(registrar).anchorBatch(batch.root, [...batch.digests]);
      const member = batch.digests[5];
      const proof = batch.proofOf(member);
      proof[1] = randomDigest();
      const [status, record] = await registry.verify(member, batch.root, proof);
      expect(status).to.equal(Status.Unknown);
      expect(record.registrar).to.equal(ethers.ZeroAddress);
    });

    it("answers unknown for a one-byte-modified digest", async function () {
      const { registry, registrar } = await loadFixture(deployRegistryFixture);
      const digest = randomDigest();
      await registry.connect(registrar).anchor(digest);
      const modified = `${digest.slice(0, -2)}${digest.endsWith("00") ? "01" : "00"}` as Hex32;
      const [status] = await registry.verify(modified, leafOf(digest), []);
      expect(status).to.equal(Status.Unknown);
    });
  });

  describe("setOrganisation", function () {
    const NAME_64_BYTES = "Banco de España, Sucursal de Intermediación Financiera, Madrid"; // 64 bytes: "ñ" and "ó" take 2

    async function latestEvents(registry: DocumentRegistry, registrar: string) {
      const events = await registry.queryFilter(registry.filters.OrganisationRecorded(registrar));
      return events.map((event) => [event.args.name, event.args.uri]);
    }

    it("records the name, URI and block time for a registrar address", async function () {
      const { registry, admin, registrar } = await loadFixture(deployRegistryFixture);
      await registry.connect(admin).setOrganisation(registrar.address, "Bank A", "5493001KJTIIGC8Y1R12");
      const block = await latestBlock();
      const organisation = await registry.organisationOf(registrar.address);
      expect(organisation.name).to.equal("Bank A");
      expect(organisation.uri).to.equal("5493001KJTIIGC8Y1R12");
      expect(organisation.updatedAt).to.equal(BigInt(block.timestamp));
    });

    it("emits OrganisationRecorded with registrar, name and URI", async function () {
      const { registry, admin, registrar } = await loadFixture(deployRegistryFixture);
      await expect(registry.connect(admin).setOrganisation(registrar.address, "Bank A", "https://bank.example"))
        .to.emit(registry, "OrganisationRecorded")
        .withArgs(registrar.address, "Bank A", "https://bank.example");
    });

    it("answers empty strings and a zero time for an address never named", async function () {
      const { registry, registrar } = await loadFixture(deployRegistryFixture);
      expect([...(await registry.organisationOf(registrar.address))]).to.deep.equal(["", "", 0n]);
    });

    it("accepts an empty URI", async function () {
      const { registry, admin, registrar } = await loadFixture(deployRegistryFixture);
      await registry.connect(admin).setOrganisation(registrar.address, "Bank A", "");
      expect((await registry.organisationOf(registrar.address)).uri).to.equal("");
    });

    it("accepts names in any script, up to 64 bytes of UTF-8", async function () {
      const { registry, admin, registrar } = await loadFixture(deployRegistryFixture);
      const names = [
        "Banco de España",
        "Банк",
        "日本銀行",
        "Ἀθῆναι Τράπεζα",
        "בנק ישראל",
        "Bank 🏦",
        "B",
        NAME_64_BYTES,
      ];
      expect(Buffer.byteLength(NAME_64_BYTES)).to.equal(64);
      for (const name of names) {
        await registry.connect(admin).setOrganisation(registrar.address, name, "");
        expect((await registry.organisationOf(registrar.address)).name).to.equal(name);
      }
    });

    it("names an address that does not hold the registrar role yet, and keeps the name when it is granted", async function () {
      const { registry, admin, stranger, REGISTRAR_ROLE } = await loadFixture(deployRegistryFixture);
      await registry.connect(admin).setOrganisation(stranger.address, "Bank C", "https://bank-c.example");
      await registry.connect(admin).grantRole(REGISTRAR_ROLE, stranger.address);
      await registry.connect(stranger).anchor(randomDigest());
      expect((await registry.organisationOf(stranger.address)).name).to.equal("Bank C");
    });

    it("renames, updating the time and leaving every earlier name in the events", async function () {
      const { registry, admin, registrar } = await loadFixture(deployRegistryFixture);
      await registry.connect(admin).setOrganisation(registrar.address, "Bank A", "https://a.example");
      await time.increase(3600);
      await expect(registry.connect(admin).setOrganisation(registrar.address, "Bank A plc", ""))
        .to.emit(registry, "OrganisationRecorded")
        .withArgs(registrar.address, "Bank A plc", "");
      const block = await latestBlock();
      expect([...(await registry.organisationOf(registrar.address))]).to.deep.equal([
        "Bank A plc",
        "",
        BigInt(block.timestamp),
      ]);
      expect(await latestEvents(registry, registrar.address)).to.deep.equal([
        ["Bank A", "https://a.example"],
        ["Bank A plc", ""],
      ]);
    });

    it("keeps the name of a registrar whose role was removed, so its past anchorings still read as its own", async function () {
      const { registry, admin, registrar, REGISTRAR_ROLE } = await loadFixture(deployRegistryFixture);
      await registry.connect(admin).setOrganisation(registrar.address, "Bank A", "https://bank.example");
      const digest = randomDigest();
      await registry.connect(registrar).anchor(digest);
      const named = await registry.organisationOf(registrar.address);
      await registry.connect(admin).revokeRole(REGISTRAR_ROLE, registrar.address);

      const [, record] = await registry.verify(digest, leafOf(digest), []);
      expect([...(await registry.organisationOf(record.registrar))]).to.deep.equal([...named]);
      expect(await registry.organisationCount()).to.equal(1n);
      expect(await registry.organisationAt(0)).to.equal(registrar.address);
    });

    it("lets the admin rename a registrar whose role was removed", async function () {
      const { registry, admin, registrar, REGISTRAR_ROLE } = await loadFixture(deployRegistryFixture);
      await registry.connect(admin).setOrganisation(registrar.address, "Bank A", "");
      await registry.connect(admin).revokeRole(REGISTRAR_ROLE, registrar.address);
      await registry.connect(admin).setOrganisation(registrar.address, "Bank A (merged into Bank B)", "");
      expect((await registry.organisationOf(registrar.address)).name).to.equal("Bank A (merged into Bank B)");
    });

    it("prevents registrars and strangers from naming, themselves or others", async function () {
      const { registry, registrar, stranger } = await loadFixture(deployRegistryFixture);
      const ADMIN_ROLE = await registry.DEFAULT_ADMIN_ROLE();
      for (const account of [registrar, stranger]) {
        for (const target of [account, registrar]) {
          await expect(registry.connect(account).setOrganisation(target.address, "Bank A", ""))
            .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
            .withArgs(account.address, ADMIN_ROLE);
        }
      }
    });

    it("rejects the zero address", async function () {
      const { registry, admin } = await loadFixture(deployRegistryFixture);
      await expect(registry.connect(admin).setOrganisation(ethers.ZeroAddress, "Bank A", ""))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryInvalidRegistrar")
        .withArgs(ethers.ZeroAddress);
    });

    it("rejects an empty name and a name over 64 bytes, with the length", async function () {
      const { registry, admin, registrar } = await loadFixture(deployRegistryFixture);
      for (const [name, length] of [
        ["", 0],
        ["A".repeat(65), 65],
        [`${NAME_64_BYTES}.`, 65],
        ["東".repeat(22), 66],
      ] as const) {
        await expect(registry.connect(admin).setOrganisation(registrar.address, name, ""))
          .to.be.revertedWithCustomError(registry, "DocumentRegistryInvalidOrganisationNameLength")
          .withArgs(length, 64);
      }
    });

    it("rejects control characters (C0, DEL, C1), naming the byte where each starts", async function () {
      const { registry, admin, registrar } = await loadFixture(deployRegistryFixture);
      for (const [name, position] of [
        ["\u0000Bank", 0],
        ["Bank\tA", 4],
        ["Bank A\n", 6],
        ["Bank\u001fA", 4],
        ["Bank\u007f", 4],
        ["Bänk\u0085A", 5],
        ["Bank\u0080", 4],
        ["\u009fBank", 0],
      ] as const) {
        await expect(registry.connect(admin).setOrganisation(registrar.address, name, ""), JSON.stringify(name))
          .to.be.revertedWithCustomError(registry, "DocumentRegistryInvalidOrganisationNameCharacter")
          .withArgs(position);
      }
    });

    it("rejects leading, trailing and repeated spaces, naming the offending space", async function () {
      const { registry, admin, registrar } = await loadFixture(deployRegistryFixture);
      for (const [name, position] of [
        [" Bank A", 0],
        ["Bank A ", 6],
        ["Bank  A", 5],
        ["Banco de  España", 9],
        [" ", 0],
      ] as const) {
        await expect(registry.connect(admin).setOrganisation(registrar.address, name, ""), JSON.stringify(name))
          .to.be.revertedWithCustomError(registry, "DocumentRegistryInvalidOrganisationNameSpacing")
          .withArgs(position);
      }
    });

    it("rejects malformed UTF-8, naming the first byte of the bad sequence", async function () {
      const { registry, admin, registrar } = await loadFixture(deployRegistryFixture);
      const to = await registry.getAddress();
      for (const [label, name, position] of [
        ["a stray continuation byte", bytesOf("Bank", 0x80), 4],
        ["a truncated two-byte sequence", bytesOf("Bank", 0xc3), 4],
        ["a two-byte sequence cut by ASCII", bytesOf("Ba", 0xc3, "nk"), 2],
        ["an overlong slash", bytesOf(0xc0, 0xaf, "Bank"), 0],
        ["an overlong control character", bytesOf("Bank", 0xc1, 0x81), 4],
        ["an overlong three-byte form", bytesOf("Bank", 0xe0, 0x80, 0xaf), 4],
        ["a surrogate", bytesOf("Bank", 0xed, 0xa0, 0x80), 4],
        ["a truncated three-byte sequence", bytesOf("Bank ", 0xe6, 0x9d), 5],
        ["a bad third byte", bytesOf("Bank", 0xe6, 0x9d, 0x41), 4],
        ["an overlong four-byte form", bytesOf(0xf0, 0x8f, 0xbf, 0xbf), 0],
        ["a code point above U+10FFFF", bytesOf("Bank", 0xf4, 0x90, 0x80, 0x80), 4],
        ["a truncated four-byte sequence", bytesOf("Bank", 0xf3, 0xb0, 0x80), 4],
        ["a bad fourth byte", bytesOf("Bank", 0xf0, 0x9f, 0x8f, 0xc0), 4],
        ["a byte that never starts a sequence", bytesOf("Bank", 0xf5, 0x80, 0x80, 0x80), 4],
        ["a 0xFF byte", bytesOf(0xff), 0],
      ] as const) {
        const data = setOrganisationCalldata(registry, registrar.address, name);
        await expect(admin.sendTransaction({ to, data }), label)
          .to.be.revertedWithCustomError(registry, "DocumentRegistryInvalidOrganisationNameEncoding")
          .withArgs(position);
      }
    });

    it("rejects a URI over 256 bytes, with the length", async function () {
      const { registry, admin, registrar } = await loadFixture(deployRegistryFixture);
      await registry.connect(admin).setOrganisation(registrar.address, "Bank A", `https://${"a".repeat(248)}`);
      await expect(registry.connect(admin).setOrganisation(registrar.address, "Bank A", `https://${"a".repeat(249)}`))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryInvalidOrganisationUriLength")
        .withArgs(257, 256);
    });

    it("rejects URI bytes outside visible ASCII, spaces included, naming the first", async function () {
      const { registry, admin, registrar } = await loadFixture(deployRegistryFixture);
      for (const [uri, position] of [
        ["https://bank.example/a b", 22],
        [" https://bank.example", 0],
        ["https://bank.example\n", 20],
        ["https://bänk.example", 9],
        ["LEI\u007f", 3],
      ] as const) {
        await expect(registry.connect(admin).setOrganisation(registrar.address, "Bank A", uri), JSON.stringify(uri))
          .to.be.revertedWithCustomError(registry, "DocumentRegistryInvalidOrganisationUriCharacter")
          .withArgs(position);
      }
    });

    it("checks the name before the URI", async function () {
      const { registry, admin, registrar } = await loadFixture(deployRegistryFixture);
      await expect(registry.connect(admin).setOrganisation(registrar.address, "Bank  A", "not a uri"))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryInvalidOrganisationNameSpacing")
        .withArgs(5);
    });

    it("changes nothing when it reverts", async function () {
      const { registry, admin, registrar } = await loadFixture(deployRegistryFixture);
      await registry.connect(admin).setOrganisation(registrar.address, "Bank A", "https://bank.example");
      const before = [...(await registry.organisationOf(registrar.address))];
      await expect(registry.connect(admin).setOrganisation(registrar.address, "Bank B", "bad uri")).to.be.reverted;
      expect([...(await registry.organisationOf(registrar.address))]).to.deep.equal(before);
      expect(await registry.organisationCount()).to.equal(1n);
    });
  });

  describe("organisationCount and organisationAt", function () {
    it("start empty", async function () {
      const { registry } = await loadFixture(deployRegistryFixture);
      expect(await registry.organisationCount()).to.equal(0n);
      await expect(registry.organisationAt(0))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryOrganisationIndexOutOfBounds")
        .withArgs(0, 0);
    });

    it("list each named address once, in the order first named, renamed or not", async function () {
      const { registry, admin, registrar, otherRegistrar, stranger } = await loadFixture(deployRegistryFixture);
      await registry.connect(admin).setOrganisation(otherRegistrar.address, "Bank B", "");
      await registry.connect(admin).setOrganisation(registrar.address, "Bank A", "");
      await registry.connect(admin).setOrganisation(otherRegistrar.address, "Bank B plc", "");
      await registry.connect(admin).setOrganisation(stranger.address, "Bank C", "");
      const count = await registry.organisationCount();
      const listed = [];
      for (let i = 0n; i < count; i++) listed.push(await registry.organisationAt(i));
      expect(listed).to.deep.equal([otherRegistrar.address, registrar.address, stranger.address]);
    });

    it("rejects an index past the end, with the count", async function () {
      const { registry, admin, registrar, otherRegistrar } = await loadFixture(deployRegistryFixture);
      await registry.connect(admin).setOrganisation(registrar.address, "Bank A", "");
      await registry.connect(admin).setOrganisation(otherRegistrar.address, "Bank B", "");
      await expect(registry.organisationAt(2))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryOrganisationIndexOutOfBounds")
        .withArgs(2, 2);
      await expect(registry.organisationAt(ethers.MaxUint256))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryOrganisationIndexOutOfBounds")
        .withArgs(ethers.MaxUint256, 2);
    });
  });

  describe("off-chain parity", function () {
    it("computes the same leaf as StandardMerkleTree and the TypeScript core", async function () {
      const { registry } = await loadFixture(deployRegistryFixture);
      for (const digest of randomDigests(20)) {
        const expected = StandardMerkleTree.of([[digest]], ["bytes32"]).leafHash([digest]);
        expect(await registry.leafOf(digest)).to.equal(expected);
        expect(leafOf(digest)).to.equal(expected);
      }
    });

    it("computes the same root as StandardMerkleTree for sizes 1 to 64", async function () {
      const { registry } = await loadFixture(deployRegistryFixture);
      for (let size = 1; size <= 64; size++) {
        const digests = randomDigests(size);
        const tree = StandardMerkleTree.of(
          digests.map((d) => [d]),
          ["bytes32"],
        );
        const batch = buildBatch(digests);
        expect(batch.root).to.equal(tree.root);
        expect(await registry.computeRoot([...batch.digests])).to.equal(tree.root);
      }
    });

    it("judges directory entries exactly as the TypeScript check does, over edge cases and random bytes", async function () {
      const { registry, admin, registrar } = await loadFixture(deployRegistryFixture);
      const errorOf: Record<OrganisationFault["code"], string> = {
        "name-length": "DocumentRegistryInvalidOrganisationNameLength",
        "name-encoding": "DocumentRegistryInvalidOrganisationNameEncoding",
        "name-character": "DocumentRegistryInvalidOrganisationNameCharacter",
        "name-spacing": "DocumentRegistryInvalidOrganisationNameSpacing",
        "uri-length": "DocumentRegistryInvalidOrganisationUriLength",
        "uri-character": "DocumentRegistryInvalidOrganisationUriCharacter",
      };
      const expectedError = (fault: OrganisationFault | undefined) => {
        if (fault === undefined) return undefined;
        const args = fault.code.endsWith("length")
          ? [BigInt(fault.at), fault.code === "name-length" ? 64n : 256n]
          : [BigInt(fault.at)];
        return { name: errorOf[fault.code], args };
      };
      const onChainError = async (name: Uint8Array, uri: Uint8Array) => {
        const data = setOrganisationCalldata(registry, registrar.address, name, uri);
        try {
          await admin.call({ to: await registry.getAddress(), data });
          return undefined;
        } catch (error) {
          const parsed = registry.interface.parseError((error as { data: string }).data);
          return { name: parsed!.name, args: [...parsed!.args] };
        }
      };

      // Bytes that sit on the rules' edges, and whole characters of 1 to 4 bytes.
      const edges = [0x00, 0x1f, 0x20, 0x20, 0x41, 0x7e, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf];
      const moreEdges = [0xe0, 0xed, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff, 0x21, 0x2f];
      const pieces = [...edges, ...moreEdges, "é", "Б", "東", "🏦", "\u{F0000}", "\u0085", "\u00a0", " ", "ab"];
      const randomEntry = (maxPieces: number) =>
        bytesOf(...Array.from({ length: randomInt(maxPieces) }, () => pieces[randomInt(pieces.length)]));
      const cases: [Uint8Array, Uint8Array][] = [
        [bytesOf("Bank A"), bytesOf("https://bank.example")],
        [bytesOf("A".repeat(64)), bytesOf("u".repeat(256))],
        [bytesOf("A".repeat(63), 0xc3, 0xa9), bytesOf("")],
        [bytesOf("A".repeat(63), 0xc3), bytesOf("")],
        [bytesOf("Bank A"), bytesOf("u".repeat(257))],
        ...Array.from({ length: 300 }, (): [Uint8Array, Uint8Array] => [randomEntry(40), bytesOf("")]),
        ...Array.from({ length: 60 }, (): [Uint8Array, Uint8Array] => [bytesOf("Bank A"), randomEntry(8)]),
      ];
      const outcomes = new Set<string>();
      for (const [name, uri] of cases) {
        const expected = expectedError(checkOrganisation(name, uri));
        expect(await onChainError(name, uri), `name ${ethers.hexlify(name)}, uri ${ethers.hexlify(uri)}`).to.deep.equal(
          expected,
        );
        outcomes.add(expected?.name ?? "accepted");
      }
      // The random cases must reach every rule, or the comparison proves little.
      expect(outcomes.size, [...outcomes].join(", ")).to.equal(7);
    });

    it("applies the same ordering checks in computeRoot as in anchorBatch", async function () {
      const { registry } = await loadFixture(deployRegistryFixture);
      const batch = buildBatch(randomDigests(3));
      await expect(registry.computeRoot([...batch.digests].reverse()))
        .to.be.revertedWithCustomError(registry, "DocumentRegistryUnsortedBatch")
        .withArgs(1);
      await expect(registry.computeRoot([])).to.be.revertedWithCustomError(registry, "DocumentRegistryEmptyBatch");
    });
  });

  describe("admin transfer", function () {
    it("takes two steps and waits out the delay", async function () {
      const { registry, admin, newAdmin } = await loadFixture(deployRegistryFixture);
      await registry.connect(admin).beginDefaultAdminTransfer(newAdmin.address);
      await expect(registry.connect(newAdmin).acceptDefaultAdminTransfer()).to.be.revertedWithCustomError(
        registry,
        "AccessControlEnforcedDefaultAdminDelay",
      );
      await time.increase(ADMIN_DELAY + 1);
      await expect(registry.connect(newAdmin).acceptDefaultAdminTransfer())
        .to.emit(registry, "RoleGranted")
        .withArgs(await registry.DEFAULT_ADMIN_ROLE(), newAdmin.address, newAdmin.address);
      expect(await registry.defaultAdmin()).to.equal(newAdmin.address);
    });

    it("leaves the old admin powerless and gives the new admin the registrar role's control", async function () {
      const { registry, admin, newAdmin, stranger, REGISTRAR_ROLE } = await loadFixture(deployRegistryFixture);
      await registry.connect(admin).beginDefaultAdminTransfer(newAdmin.address);
      await time.increase(ADMIN_DELAY + 1);
      await registry.connect(newAdmin).acceptDefaultAdminTransfer();
      await expect(registry.connect(admin).grantRole(REGISTRAR_ROLE, stranger.address))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(admin.address, await registry.DEFAULT_ADMIN_ROLE());
      await registry.connect(newAdmin).grantRole(REGISTRAR_ROLE, stranger.address);
      expect(await registry.hasRole(REGISTRAR_ROLE, stranger.address)).to.equal(true);
    });

    it("can be begun by the admin only", async function () {
      const { registry, registrar, stranger } = await loadFixture(deployRegistryFixture);
      for (const account of [registrar, stranger]) {
        await expect(registry.connect(account).beginDefaultAdminTransfer(account.address))
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(account.address, await registry.DEFAULT_ADMIN_ROLE());
      }
    });

    it("can be cancelled by the admin before acceptance, after which it cannot be accepted", async function () {
      const { registry, admin, newAdmin, stranger } = await loadFixture(deployRegistryFixture);
      await registry.connect(admin).beginDefaultAdminTransfer(newAdmin.address);
      await expect(registry.connect(stranger).cancelDefaultAdminTransfer()).to.be.revertedWithCustomError(
        registry,
        "AccessControlUnauthorizedAccount",
      );
      await registry.connect(admin).cancelDefaultAdminTransfer();
      const [pending, schedule] = await registry.pendingDefaultAdmin();
      expect(pending).to.equal(ethers.ZeroAddress);
      expect(schedule).to.equal(0n);
      await time.increase(ADMIN_DELAY + 1);
      await expect(registry.connect(newAdmin).acceptDefaultAdminTransfer())
        .to.be.revertedWithCustomError(registry, "AccessControlInvalidDefaultAdmin")
        .withArgs(newAdmin.address);
      expect(await registry.defaultAdmin()).to.equal(admin.address);
    });

    it("does not let registrars grant or revoke the registrar role", async function () {
      const { registry, registrar, otherRegistrar, stranger, REGISTRAR_ROLE } =
        await loadFixture(deployRegistryFixture);
      const ADMIN_ROLE = await registry.DEFAULT_ADMIN_ROLE();
      await expect(registry.connect(registrar).grantRole(REGISTRAR_ROLE, stranger.address))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(registrar.address, ADMIN_ROLE);
      await expect(registry.connect(registrar).revokeRole(REGISTRAR_ROLE, otherRegistrar.address))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(registrar.address, ADMIN_ROLE);
    });

    it("cannot be accepted by anyone but the pending admin", async function () {
      const { registry, admin, newAdmin, stranger } = await loadFixture(deployRegistryFixture);
      await registry.connect(admin).beginDefaultAdminTransfer(newAdmin.address);
      await time.increase(ADMIN_DELAY + 1);
      await expect(registry.connect(stranger).acceptDefaultAdminTransfer())
        .to.be.revertedWithCustomError(registry, "AccessControlInvalidDefaultAdmin")
        .withArgs(stranger.address);
    });
  });
});
