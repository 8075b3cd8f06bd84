/**
 * The JSON the v1 API answers, as zod schemas: the service builds these shapes, the CLI and the
 * page read them, and the OpenAPI document is generated from them (server/http/openapi.ts).
 */
import { z } from "zod";
import { ReceiptV1Schema } from "../proof/receipt";
import type { Verdict as ProofVerdict } from "../proof/verification";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const uint = z.number().int().nonnegative();

export const DocumentStatusSchema = z.enum(["pending", "anchored", "revoked"]);
export type DocumentStatus = z.infer<typeof DocumentStatusSchema>;

export const RevocationViewSchema = z.object({
  revokedAt: uint.describe("Unix seconds of the revoking block."),
  reason: uint.describe("Reason code (docs/revocation-reasons.md)."),
  revokedBy: address,
  txHash: hex32,
});

/** A registrar address with its organisation's name from the registry's directory, when it has one. */
export const RegistrarRefSchema = z.object({
  address,
  name: z
    .string()
    .optional()
    .describe("The organisation's name, as the registry's admin recorded it (text, never markup)."),
  uri: z.string().optional().describe("The organisation's URI or identifier (such as an LEI)."),
});

/** A document as the service knows it: submitted here, or anchored on the registry by any member. */
export const DocumentViewSchema = z.object({
  sha256,
  status: DocumentStatusSchema,
  acceptedAt: z.iso
    .datetime()
    .optional()
    .describe("When this service accepted it (ISO 8601, UTC); absent for documents another member notarized."),
  anchoredBy: RegistrarRefSchema.optional().describe("The registrar, and its organisation, whose anchoring stands."),
  receipt: ReceiptV1Schema.optional().describe("The receipt, once anchored (docs/receipt-v1.schema.json)."),
  revocation: RevocationViewSchema.optional(),
});
export type DocumentView = z.infer<typeof DocumentViewSchema>;

export const VerdictSchema = z.object({
  valid: z.boolean(),
  status: z.enum(["anchored", "revoked", "unknown", "invalid-receipt"]),
  sha256,
  anchoredAt: uint.optional().describe("Unix seconds of the anchoring block."),
  blockNumber: uint.optional(),
  txHash: hex32.optional(),
  registrar: address.optional(),
  merkleRoot: hex32.optional(),
  chainId: uint.optional(),
  registry: address.optional(),
  revokedAt: uint.optional(),
  revokedBy: address.optional(),
  revocationReason: uint.optional(),
  reason: z.string().optional().describe("Why the verdict is not anchored, in words."),
});
export type Verdict = z.infer<typeof VerdictSchema>;

export const ServiceInfoSchema = z.object({
  version: z.string(),
  chainId: uint,
  registry: address,
  registrar: address,
  apiKeyRequired: z.boolean(),
  maxUploadBytes: uint,
});
export type ServiceInfo = z.infer<typeof ServiceInfoSchema>;

const CheckSchema = z.object({ status: z.enum(["pass", "fail"]), output: z.string().optional() });

export const HealthSchema = z.object({
  status: z.enum(["pass", "fail"]),
  version: z.string(),
  checks: z.object({ chain: CheckSchema, registry: CheckSchema, store: CheckSchema }),
});
export type Health = z.infer<typeof HealthSchema>;

export const ProblemSchema = z.object({
  type: z.string().describe("urn:docproof:problem:<code> (docs/errors.md)."),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  requestId: z.string().optional().describe("The request's id, as in X-Request-Id and the service's log."),
});

// The verdict the proof core returns is the verdict the API answers: it fits the schema, field for field.
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
const _verdictsAgree: [Verdict, SameKeys<ProofVerdict, Verdict>] = [{} as ProofVerdict, true];
void _verdictsAgree;
