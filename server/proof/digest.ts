import { DocproofError } from "../errors";

/** A 32-byte value (a digest as the registry takes it, a leaf, a root, a hash) as 0x + 64 lowercase hex. */
export type Hex32 = `0x${string}`;

/** A SHA-256 digest as the API speaks it: 64 lowercase hex characters, no prefix. */
export type Sha256Hex = string & { readonly __brand: "Sha256Hex" };

const DIGEST = /^(?:0x)?([0-9a-fA-F]{64})$/;

/**
 * Accepts 64 hex characters in either case, with or without a `0x` prefix (as `sha256sum`,
 * `openssl dgst` and ethers print them) and returns the canonical lowercase, unprefixed form.
 */
export function parseSha256(input: unknown): Sha256Hex {
  if (typeof input !== "string") {
    throw new DocproofError("invalid-digest", "sha256 must be a string of 64 hexadecimal characters.");
  }
  const match = DIGEST.exec(input.trim());
  if (match === null) {
    const length = input.replace(/^0x/i, "").length;
    throw new DocproofError(
      "invalid-digest",
      /^(0x)?[0-9a-fA-F]*$/.test(input)
        ? `sha256 must have 64 hexadecimal characters, got ${length}.`
        : "sha256 must contain only hexadecimal characters (0-9, a-f).",
    );
  }
  return match[1].toLowerCase() as Sha256Hex;
}

/** The digest as the `bytes32` the registry takes. */
export function toBytes32(digest: Sha256Hex): Hex32 {
  return `0x${digest}`;
}

/** The API form of a `bytes32` digest read from the chain. */
export function fromBytes32(value: string): Sha256Hex {
  return parseSha256(value);
}
