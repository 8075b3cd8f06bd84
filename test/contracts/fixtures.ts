import { randomBytes } from "node:crypto";
import hre from "hardhat";
import { AbiCoder, getBytes, hexlify, toUtf8Bytes } from "ethers";
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

/**
 * Calldata of `setOrganisation` with the name and URI as raw bytes, so that tests can send what no
 * ethers string can hold (malformed UTF-8). A `string` argument is ABI-encoded exactly like `bytes`.
 */
export function setOrganisationCalldata(
  registry: DocumentRegistry,
  registrar: string,
  name: string | Uint8Array,
  uri: string | Uint8Array = "",
): string {
  const asBytes = (value: string | Uint8Array) => hexlify(typeof value === "string" ? toUtf8Bytes(value) : value);
  const args = AbiCoder.defaultAbiCoder().encode(
    ["address", "bytes", "bytes"],
    [registrar, asBytes(name), asBytes(uri)],
  );
  return registry.interface.getFunction("setOrganisation").selector + args.slice(2);
}

/** Bytes from a list of byte values and strings (taken as UTF-8). */
export function bytesOf(...parts: (number | string)[]): Uint8Array {
  return new Uint8Array(
    parts.flatMap((part) => (typeof part === "number" ? [part] : [...getBytes(toUtf8Bytes(part))])),
  );
}
