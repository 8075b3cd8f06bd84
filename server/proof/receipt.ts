import { z } from "zod";
import { getAddress, isAddress } from "ethers";
import { DocproofError } from "../errors";
import { leafOf, verifyProof } from "./merkle";
import { toBytes32, type Sha256Hex, type Hex32 } from "./digest";

/** Deepest proof a batch of at most 2^64 documents can have; anything longer is not ours. */
export const MAX_PROOF_LENGTH = 64;

const hex32 = z
  .string()
  .regex(/^0x[0-9a-f]{64}$/, "must be 0x followed by 64 lowercase hexadecimal characters")
  .transform((value) => value as Hex32);
const address = z
  .string()
  .refine((value) => isAddress(value), "must be an Ethereum address")
  .transform((value) => getAddress(value));
const uint = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * Receipt, version 1: everything needed to check a document's anchoring against any node of the
 * chain, without the service. JSON Schema: docs/receipt-v1.schema.json.
 */
export const ReceiptV1Schema = z.strictObject({
  version: z.literal(1),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hexadecimal characters")
    .transform((value) => value as Sha256Hex),
  leaf: hex32,
  merkleRoot: hex32,
  proof: z.array(hex32).max(MAX_PROOF_LENGTH),
  leafCount: uint.min(1),
  chainId: uint.min(1),
  registry: address,
  txHash: hex32,
  blockNumber: uint,
  timestamp: uint,
  registrar: address,
});

export type ReceiptV1 = z.infer<typeof ReceiptV1Schema>;

/** Parses an untrusted receipt (text or already-parsed JSON); throws `receipt-malformed` with the first problems. */
export function parseReceipt(input: unknown): ReceiptV1 {
  let value = input;
  if (typeof input === "string" || input instanceof Uint8Array) {
    try {
      value = JSON.parse(typeof input === "string" ? input : Buffer.from(input).toString("utf8"));
    } catch {
      throw new DocproofError("receipt-malformed", "The receipt is not valid JSON.");
    }
  }
  const result = ReceiptV1Schema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join(".") || "receipt"}: ${issue.message}`)
      .join("; ");
    throw new DocproofError("receipt-malformed", `The receipt is not a version 1 Docproof receipt: ${problems}.`);
  }
  return result.data;
}

/**
 * Checks what a receipt says about itself, without the chain: the leaf is the sha256's leaf and the
 * proof leads from it to the Merkle root. Throws `receipt-tampered` otherwise.
 */
export function checkReceiptConsistency(receipt: ReceiptV1): void {
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
export function serializeReceipt(receipt: ReceiptV1): string {
  return `${JSON.stringify(receipt, null, 2)}\n`;
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
    registry: getAddress(facts.registry),
    txHash: facts.txHash,
    blockNumber: facts.blockNumber,
    timestamp: facts.timestamp,
    registrar: getAddress(facts.registrar),
  };
}
