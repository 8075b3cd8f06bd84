import { z } from "zod";
import { DocproofError } from "../errors";
import { ReceiptLinkSchema, type ReceiptLink } from "./history-accumulator";
import {
  addressSchema,
  bytes32Schema,
  describeIssues,
  receiptJson,
  receiptV1Fields,
  ReceiptV1Schema,
  uintSchema,
  type ReceiptV1,
} from "./receipt";

/** Bytes as 0x-prefixed lowercase hex, an even number of digits. */
export const hexBytesSchema = z
  .string()
  .regex(/^0x(?:[0-9a-f]{2})*$/, "must be 0x followed by lowercase hexadecimal bytes")
  .meta({ id: "bytes" });

/** A Merkle-Patricia proof: the RLP of each trie node from the root down to the value's leaf. */
const trieProofSchema = z.array(hexBytesSchema).min(1).max(64);

/**
 * A witness's cosignature of the anchoring block. Checked by the witness verifier, not by the
 * evidence checks, which pass it through unread.
 */
export const WitnessCosignatureSchema = z
  .strictObject({
    signer: addressSchema.describe("The witness's account (EIP-55 checksummed)."),
    signature: hexBytesSchema.describe("Its signature over the message {chainId, blockNumber, blockHash}."),
  })
  .describe("A witness's signature over {chainId, blockNumber, blockHash} of the anchoring block.");

export type WitnessCosignature = z.infer<typeof WitnessCosignatureSchema>;

export const EvidenceSchema = z
  .strictObject({
    block: z
      .strictObject({
        hash: bytes32Schema.describe("Hash of the anchoring block: keccak256(header)."),
        header: hexBytesSchema.describe("The block header, RLP-encoded as hashed by the chain."),
      })
      .describe("The anchoring block."),
    transaction: z
      .strictObject({
        index: uintSchema.describe("Position in the block; the trie key is rlp(index)."),
        raw: hexBytesSchema.describe(
          "The transaction as the transactions trie holds it (typed envelope or legacy RLP).",
        ),
        proof: trieProofSchema.describe("Merkle-Patricia proof of raw under the header's transactionsRoot."),
      })
      .describe("The anchoring transaction: anchor(digest) or anchorBatch(root, digests) to the registry."),
    receipt: z
      .strictObject({
        raw: hexBytesSchema.describe("The transaction's receipt in consensus encoding (typed envelope or legacy RLP)."),
        proof: trieProofSchema.describe(
          "Merkle-Patricia proof of raw under the header's receiptsRoot, key rlp(index).",
        ),
      })
      .describe("Its receipt: status 1 and the registry's anchoring event."),
    link: ReceiptLinkSchema.optional(),
    witnesses: z
      .array(WitnessCosignatureSchema)
      .max(256)
      .optional()
      .describe("Cosignatures of the anchoring block by witnesses."),
  })
  .describe("Chain data that proves the anchoring without asking a node.");

export type Evidence = z.infer<typeof EvidenceSchema>;

/**
 * Receipt, version 2: every field of version 1 with the same meaning, and the evidence that lets it
 * be checked offline. JSON Schema: docs/receipt-v2.schema.json (written by scripts/receipt-schemas.ts).
 */
export const ReceiptV2Schema = z
  .strictObject({ ...receiptV1Fields, version: z.literal(2), evidence: EvidenceSchema })
  .meta({
    $id: "urn:docproof:receipt:v2",
    title: "Docproof receipt, version 2",
    description:
      "A version 1 receipt with evidence: the anchoring block's header, the transaction and its receipt with " +
      "Merkle-Patricia proofs against the header, and optionally a link to a checkpoint. With the document alone, " +
      "without any node: sha256 -> leaf -> proof -> merkleRoot -> transaction input -> transactionsRoot, " +
      "receipt (status, event) -> receiptsRoot, header -> block hash -> checkpoint or a node the verifier trusts.",
  });

export type ReceiptV2 = z.infer<typeof ReceiptV2Schema>;

const AnyReceiptSchema = z.discriminatedUnion("version", [ReceiptV1Schema, ReceiptV2Schema]);

export type AnyReceipt = ReceiptV1 | ReceiptV2;

/** Parses an untrusted receipt of version 1 or 2; throws `receipt-malformed` with the first problems. */
export function parseAnyReceipt(input: unknown): AnyReceipt {
  const value = receiptJson(input);
  const result = AnyReceiptSchema.safeParse(value);
  if (!result.success) {
    const version = (value as { version?: unknown } | null)?.version;
    throw new DocproofError(
      "receipt-malformed",
      version === 1 || version === 2
        ? `The receipt is not a version ${version} Docproof receipt: ${describeIssues(result.error)}.`
        : `The receipt is not a Docproof receipt of version 1 or 2: ${describeIssues(result.error)}.`,
    );
  }
  return result.data;
}

/** Parses an untrusted version 2 receipt; throws `receipt-malformed` otherwise. */
export function parseReceiptV2(input: unknown): ReceiptV2 {
  const receipt = parseAnyReceipt(input);
  if (receipt.version !== 2) {
    throw new DocproofError("receipt-malformed", "The receipt is version 1: it carries no evidence to check offline.");
  }
  return receipt;
}

/** The version 1 receipt inside a version 2 one (same fields, no evidence). */
export function receiptV1Of(receipt: ReceiptV2): ReceiptV1 {
  const { evidence: _evidence, ...fields } = receipt;
  return { ...fields, version: 1 };
}

/** The receipt with a link to a (newer) checkpoint, replacing any earlier link. */
export function withLink(receipt: ReceiptV2, link: ReceiptLink): ReceiptV2 {
  return { ...receipt, evidence: { ...receipt.evidence, link } };
}
