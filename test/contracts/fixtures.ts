import { randomBytes } from "node:crypto";
import hre from "hardhat";
import DocumentRegistryModule from "../../ignition/modules/DocumentRegistry";
import type { DocumentRegistry } from "../../typechain-types";
import type { Hex32 } from "../../server/proof/digest";

export const ADMIN_DELAY = 3 * 24 * 60 * 60;

/** A random 32-byte digest, standing in for the SHA-256 of a document. */
export function randomDigest(): Hex32 {
  return `0x${randomBytes(32).toString("hex")}`;
}

export function randomDigests(count: number): Hex32[] {
  return Array.from({ length: count }, randomDigest);
}

/** The registry deployed through the Ignition module, as users deploy it. */
export async function deployRegistryFixture() {
  const [admin, registrar, otherRegistrar, stranger, newAdmin] = await hre.ethers.getSigners();
  const { registry: deployed } = await hre.ignition.deploy(DocumentRegistryModule, {
    parameters: {
      DocumentRegistryModule: {
        admin: admin.address,
        adminDelaySeconds: ADMIN_DELAY,
        registrar: registrar.address,
      },
    },
  });
  const registry = deployed as unknown as DocumentRegistry;
  const REGISTRAR_ROLE = await registry.REGISTRAR_ROLE();
  await registry.connect(admin).grantRole(REGISTRAR_ROLE, otherRegistrar.address);
  return { registry, admin, registrar, otherRegistrar, stranger, newAdmin, REGISTRAR_ROLE };
}
