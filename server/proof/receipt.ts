import { z } from "zod";
import { getAddress, isAddress } from "ethers";
import { DocproofError } from "../errors";
import { leafOf, verifyProof } from "./merkle";
import { toBytes32, type Hex32, type Sha256Hex } from "./digest";
import type { ReceiptV2 } from "./receipt-v2";

/** Deepest proof a batch of at most 2^64 documents can have; anything longer is not ours. */
export const MAX_PROOF_LENGTH = 64;

/** 32 bytes as 0x-prefixed lowercase hex: hashes, roots, digests as the chain holds them. */
export const bytes32Schema = z
  .string()
  .regex(/^0x[0-9a-f]{64}$/, "must be 0x followed by 64 lowercase hexadecimal characters")
  .meta({ id: "bytes32" })
  .transform((value) => value as Hex32);
/** An account address, returned EIP-55 checksummed; mixed case must carry a valid checksum. */
export const addressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be 0x followed by 40 hexadecimal characters")
  .refine((value) => isAddress(value), "must be an Ethereum address with a valid checksum")
  .meta({ id: "address" })
  .transform((value) => getAddress(value));
/** A non-negative integer that JSON numbers carry exactly. */
export const uintSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).meta({ id: "uint" });

/** The fields of a version 1 receipt, which every later version keeps with the same meaning. */
export const receiptV1Fields = {
  version: z.literal(1),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hexadecimal characters")
    .transform((value) => value as Sha256Hex)
    .describe("SHA-256 of the document, lowercase hex without prefix."),
  leaf: bytes32Schema.describe(
    "keccak256(bytes.concat(keccak256(abi.encode(bytes32 sha256)))): OpenZeppelin StandardMerkleTree leaf.",
  ),
  merkleRoot: bytes32Schema.describe("Root of the anchoring; equals leaf for a single-document anchoring."),
  proof: z
    .array(bytes32Schema)
    .max(MAX_PROOF_LENGTH)
    .describe("Sibling hashes from the leaf up; pairs are hashed sorted, as OpenZeppelin's MerkleProof."),
  leafCount: uintSchema.min(1).describe("Documents in the anchoring."),
  chainId: uintSchema.min(1).describe("EIP-155 chain id."),
  registry: addressSchema.describe("Address of the DocumentRegistry (EIP-55 checksummed)."),
  txHash: bytes32Schema.describe("Transaction that anchored merkleRoot."),
  blockNumber: uintSchema.describe("Block of that transaction."),
  timestamp: uintSchema.describe("Unix seconds of that block."),
  registrar: addressSchema.describe("Account that anchored it (EIP-55 checksummed)."),
};

/**
 * Receipt, version 1: everything needed to check a document's anchoring against any node of the
 * chain, without the service. JSON Schema: docs/receipt-v1.schema.json (scripts/receipt-schemas.ts
 * writes it from this schema).
 */
export const ReceiptV1Schema = z.strictObject(receiptV1Fields).meta({
  $id: "urn:docproof:receipt:v1",
  title: "Docproof receipt, version 1",
  description:
    "Proof that a document (by its SHA-256) is a leaf of a Merkle root anchored in a DocumentRegistry. " +
    "With the document and any JSON-RPC endpoint of the chain it can be checked without the issuing service: " +
    "sha256 -> leaf -> proof -> merkleRoot -> registry.verify(digest, merkleRoot, proof).",
});

export type ReceiptV1 = z.infer<typeof ReceiptV1Schema>;

/** The JSON value of an untrusted receipt given as text, bytes or already-parsed JSON. */
export function receiptJson(input: unknown): unknown {
  if (typeof input !== "string" && !(input instanceof Uint8Array)) return input;
  try {
    return JSON.parse(typeof input === "string" ? input : Buffer.from(input).toString("utf8"));
  } catch {
    throw new DocproofError("receipt-malformed", "The receipt is not valid JSON.");
  }
}

/** The first problems zod found, as one line a person can act on. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join(".") || "receipt"}: ${issue.message}`)
    .join("; ");
}

/** Parses an untrusted receipt (text or already-parsed JSON); throws `receipt-malformed` with the first problems. */
export function parseReceipt(input: unknown): ReceiptV1 {
  const result = ReceiptV1Schema.safeParse(receiptJson(input));
  if (!result.success) {
    throw new DocproofError(
      "receipt-malformed",
      `The receipt is not a version 1 Docproof receipt: ${describeIssues(result.error)}.`,
    );
  }
  return result.data;
}

/**
 * Checks what a receipt says about itself, without the chain: the leaf is the sha256's leaf and the
 * proof leads from it to the Merkle root. Throws `receipt-tampered` otherwise.
 */
export function checkReceiptConsistency(receipt: Pick<ReceiptV1, "sha256" | "leaf" | "merkleRoot" | "proof">): void {
  const digest = toBytes32(receipt.sha256);
  if (leafOf(digest) !== receipt.leaf) {
    throw new DocproofError("receipt-tampered", "The receipt's leaf is not the leaf of its sha256.");
  }
  if (!verifyProof(digest, receipt.merkleRoot, receipt.proof)) {
    throw new DocproofError("receipt-tampered", "The receipt's proof does not lead from its leaf to its merkleRoot.");
  }
}

/** The facts a receipt is built from: the batch it belongs to, as recorded on chain. */
export interface AnchoringFacts {
  merkleRoot: Hex32;
  leafCount: number;
  chainId: number;
  registry: string;
  txHash: Hex32;
  blockNumber: number;
  timestamp: number;
  registrar: string;
}

/** The receipt as a file holds it and the service serves it: indented JSON with a final newline. */
export function serializeReceipt(receipt: ReceiptV1 | ReceiptV2): string {
  return `${JSON.stringify(receipt, null, 2)}\n`;
}

/** Checksummed addresses already made: a consortium's registry and registrars are few. */
const checksummed = new Map<string, string>();
const CHECKSUMMED_KEPT = 1_024;

/** `address` in EIP-55 form. Making it hashes the address: a receipt asks for the same two every time. */
function checksumOf(address: string): string {
  let result = checksummed.get(address);
  if (result === undefined) {
    result = getAddress(address);
    if (checksummed.size >= CHECKSUMMED_KEPT) checksummed.clear();
    checksummed.set(address, result);
  }
  return result;
}

export function buildReceipt(sha256: Sha256Hex, proof: readonly Hex32[], facts: AnchoringFacts): ReceiptV1 {
  return {
    version: 1,
    sha256,
    leaf: leafOf(toBytes32(sha256)),
    merkleRoot: facts.merkleRoot,
    proof: [...proof],
    leafCount: facts.leafCount,
    chainId: facts.chainId,
    registry: checksumOf(facts.registry),
    txHash: facts.txHash,
    blockNumber: facts.blockNumber,
    timestamp: facts.timestamp,
    registrar: checksumOf(facts.registrar),
  };
}
