import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { readRegistrarDirectory } from "../../../server/chain/registrar-directory";
import { buildTrustFile } from "../../../server/proof/trust-file";
import { deployRegistryFixture } from "../../contracts/fixtures";

describe("readRegistrarDirectory", function () {
  it("lists the registrars the registry holds now, in order of their grant", async function () {
    const { registry, admin, registrar, otherRegistrar, stranger, REGISTRAR_ROLE } =
      await loadFixture(deployRegistryFixture);
    await registry.connect(admin).revokeRole(REGISTRAR_ROLE, otherRegistrar.address);
    await registry.connect(admin).grantRole(REGISTRAR_ROLE, stranger.address);
    await registry.connect(admin).grantRole(REGISTRAR_ROLE, otherRegistrar.address);
    const directory = await readRegistrarDirectory(hre.ethers.provider, await registry.getAddress());
    expect(directory.map((entry) => entry.address)).to.deep.equal([
      registrar.address,
      stranger.address,
      otherRegistrar.address,
    ]);
  });

  it("leaves out a registrar whose role was revoked", async function () {
    const { registry, admin, registrar, otherRegistrar, REGISTRAR_ROLE } = await loadFixture(deployRegistryFixture);
    await registry.connect(admin).revokeRole(REGISTRAR_ROLE, otherRegistrar.address);
    const directory = await readRegistrarDirectory(hre.ethers.provider, await registry.getAddress());
    expect(directory.map((entry) => entry.address)).to.deep.equal([registrar.address]);
  });

  it("is what a trust file is built from", async function () {
    const { registry, registrar, otherRegistrar } = await loadFixture(deployRegistryFixture);
    const address = await registry.getAddress();
    const directory = await readRegistrarDirectory(hre.ethers.provider, address);
    const { chainId } = await hre.ethers.provider.getNetwork();
    const trust = buildTrustFile({ chainId: Number(chainId), registry: address, registrars: directory });
    expect(trust.witnesses).to.deep.equal([{ address: registrar.address }, { address: otherRegistrar.address }]);
    expect(trust.threshold).to.equal(2);
  });
});
