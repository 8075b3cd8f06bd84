/**
 * The JSON the v1 API answers, as zod schemas: the service builds these shapes, the CLI and the
 * page read them, and the OpenAPI document is generated from them (server/http/openapi.ts).
 */
import { z } from "zod";
import { addressSchema, ReceiptV1Schema } from "../proof/receipt";
import { revocationReasonName } from "../proof/revocation-reasons";
import type { Verdict as ProofVerdict } from "../proof/verification";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const uint = z.number().int().nonnegative();
/** Chain times travel as Unix seconds (what the chain holds) and, beside them, as ISO 8601 in UTC. */
const isoTime = (what: string) => z.iso.datetime().describe(`${what} (ISO 8601, UTC).`);

/** Unix seconds as ISO 8601 in UTC, without the fraction a block time never has: 2026-11-25T23:40:15Z. */
export function isoFromUnixSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.000Z$/, "Z");
}

export const DocumentStatusSchema = z.enum(["pending", "anchored", "revoked"]);
export type DocumentStatus = z.infer<typeof DocumentStatusSchema>;

export const RevocationViewSchema = z.object({
  revokedAt: uint.describe("Unix seconds of the revoking block."),
  revokedAtIso: isoTime("The revoking block's time"),
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

/**
 * An outside Time-Stamp Authority's word on a block: the block (and every anchoring in it or before
 * it) existed no later than `genTime`. The token's imprint is the SHA-256 of the block hash's 32
 * bytes (docs/time-stamping.md).
 */
export const WitnessViewSchema = z.object({
  authority: z.string().describe("The outside TSA's URL."),
  genTime: z.iso.datetime().describe("The token's time (ISO 8601, UTC)."),
  blockNumber: uint.describe("The block the TSA time-stamped: the anchoring's block or a later one."),
  blockHash: hex32,
  token: z.string().describe("The DER TimeStampResp, base64: `openssl ts -verify -in` takes it decoded."),
});
export type WitnessView = z.infer<typeof WitnessViewSchema>;

const witnessedBy = WitnessViewSchema.optional().describe(
  "The first outside TSA token over the anchoring's block or a later one, when the service has one.",
);

/** A document as the service knows it: submitted here, or anchored on the registry by any member. */
export const DocumentViewSchema = z.object({
  sha256,
  status: DocumentStatusSchema,
  acceptedAt: z.iso
    .datetime()
    .optional()
    .describe("When this service accepted it (ISO 8601, UTC); absent for documents another member notarized."),
  anchoredBy: RegistrarRefSchema.optional().describe("The registrar, and its organisation, whose anchoring stands."),
  anchoredAtIso: isoTime("Once anchored: the anchoring block's time, the receipt's `timestamp`").optional(),
  receipt: ReceiptV1Schema.optional().describe("The receipt, once anchored (docs/receipt-v1.schema.json)."),
  revocation: RevocationViewSchema.optional(),
  witnessedBy,
});
export type DocumentView = z.infer<typeof DocumentViewSchema>;

/** The answer to a list of digests to notarize: each document's view, in the order sent. */
export const DocumentListSchema = z.object({
  created: uint.describe("How many digests of the list were new here."),
  documents: z.array(DocumentViewSchema),
});
export type DocumentList = z.infer<typeof DocumentListSchema>;

export const VerdictSchema = z.object({
  valid: z.boolean(),
  status: z.enum(["anchored", "revoked", "unknown", "invalid-receipt", "receipt-superseded"]),
  sha256,
  anchoredAt: uint.optional().describe("Unix seconds of the anchoring block."),
  anchoredAtIso: isoTime("The anchoring block's time").optional(),
  blockNumber: uint.optional(),
  txHash: hex32.optional(),
  registrar: address.optional(),
  anchoredBy: RegistrarRefSchema.optional().describe(
    "The registrar with its organisation from the registry's directory.",
  ),
  merkleRoot: hex32.optional(),
  chainId: uint.optional(),
  registry: address.optional(),
  revokedAt: uint.optional().describe("Unix seconds of the revoking block."),
  revokedAtIso: isoTime("The revoking block's time").optional(),
  revokedBy: address.optional(),
  revocationReason: uint.optional(),
  reason: z.string().optional().describe("Why the verdict is not anchored, in words."),
  checkedAt: z
    .object({ blockNumber: uint, blockHash: hex32 })
    .optional()
    .describe("The block whose chain state the verdict states, when the service answered from its index."),
  supersededBy: z
    .object({ txHash: hex32, blockNumber: uint, anchoredAt: uint })
    .optional()
    .describe("For a receipt a rollback of the chain superseded: the anchoring that stands now."),
  witnessedBy,
});
export type Verdict = z.infer<typeof VerdictSchema>;

/** A member of the consortium, as `GET /api/v1/registrars` lists it. */
export const RegistrarEntrySchema = z.object({
  address,
  name: z
    .string()
    .optional()
    .describe("The organisation's name, as the registry's admin recorded it (text, never markup)."),
  uri: z.string().optional(),
  active: z.boolean().describe("Holds the registrar role now, as far as the index has followed the chain."),
  anchorings: uint.describe("Anchorings (transactions) by this registrar."),
  documents: uint.describe("Documents in them."),
  lastAnchoring: z
    .object({ root: hex32, txHash: hex32, blockNumber: uint, timestamp: uint, timestampIso: z.iso.datetime() })
    .optional(),
});
export type RegistrarEntry = z.infer<typeof RegistrarEntrySchema>;

export const RegistrarsSchema = z.object({
  registrars: z.array(RegistrarEntrySchema),
  indexedTo: uint.optional().describe("The last block the index has followed the chain to."),
});
export type Registrars = z.infer<typeof RegistrarsSchema>;

export const ServiceInfoSchema = z.object({
  version: z.string(),
  chainId: uint,
  registry: address,
  registrar: address,
  apiKeyRequired: z.boolean(),
  maxUploadBytes: uint,
  publicRpcUrl: z
    .string()
    .optional()
    .describe("A JSON-RPC URL of the chain the page may call to check receipts itself (PUBLIC_RPC_URL)."),
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

/** The organisation behind a registrar address, from the registry's directory, if it was named. */
export type OrganisationLookup = (registrar: string) => { name: string; uri: string } | undefined;

/** The first outside TSA token covering a block (at it or after it), if the service has one. */
export type WitnessLookup = (blockNumber: number) => WitnessView | undefined;

/**
 * The verdict as the API answers it: the proof core's, field for field, with its times also in ISO
 * 8601, the anchoring registrar's organisation when the directory names it, and the first outside
 * TSA token over its block when there is one.
 */
export function verdictView(
  verdict: ProofVerdict,
  organisationOf?: OrganisationLookup,
  witnessOf?: WitnessLookup,
): Verdict {
  const organisation = verdict.registrar === undefined ? undefined : organisationOf?.(verdict.registrar);
  const onChain = verdict.status === "anchored" || verdict.status === "revoked";
  const witness = onChain && verdict.blockNumber !== undefined ? witnessOf?.(verdict.blockNumber) : undefined;
  return {
    ...verdict,
    ...(witness === undefined ? {} : { witnessedBy: witness }),
    ...(verdict.registrar === undefined ? {} : { anchoredBy: { address: verdict.registrar, ...organisation } }),
    ...(verdict.anchoredAt === undefined ? {} : { anchoredAtIso: isoFromUnixSeconds(verdict.anchoredAt) }),
    ...(verdict.revokedAt === undefined ? {} : { revokedAtIso: isoFromUnixSeconds(verdict.revokedAt) }),
  };
}

// The API's verdict is the proof core's plus the ISO times: a field added to one must be added to the other.
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type IsoTimes = { anchoredAtIso?: string; revokedAtIso?: string; anchoredBy?: unknown; witnessedBy?: unknown };
const _verdictsAgree: SameKeys<ProofVerdict & IsoTimes, Verdict> = true;
void _verdictsAgree;

/**
 * The revocation reason codes that have a name (docs/revocation-reasons.md): the listed ones, up to
 * the first reserved code.
 */
const NAMED_REASONS: ReadonlyMap<string, number> = (() => {
  const named = new Map<string, number>();
  for (let code = 0; code < 1000 && revocationReasonName(code) !== "reserved"; code++) {
    named.set(revocationReasonName(code), code);
  }
  return named;
})();

/** The names a revocation reason may be given by, in code order. */
export const REVOCATION_REASON_NAMES = [...NAMED_REASONS.keys()] as [string, ...string[]];

/** A revocation reason: a code (uint16, as the chain stores it) or the name of a listed code. */
export const RevocationReasonSchema = z
  .union(
    [
      z.number().int().min(0).max(65_535).describe("A reason code, 0–65535."),
      z.enum(REVOCATION_REASON_NAMES).describe("The name of a listed code."),
    ],
    {
      error: () =>
        `must be a reason code (an integer from 0 to 65535) or one of the names ${REVOCATION_REASON_NAMES.join(", ")}`,
    },
  )
  .transform((reason) => (typeof reason === "number" ? reason : NAMED_REASONS.get(reason)!))
  .describe('A code (docs/revocation-reasons.md) or its name: {"reason": 1} and {"reason": "superseded"} agree.');

export const RevokeRequestSchema = z.strictObject({ reason: RevocationReasonSchema });

/** Largest page of `GET /api/v1/documents`, and the page size when none is asked for. */
export const DOCUMENT_LIST_MAX_LIMIT = 100;
export const DOCUMENT_LIST_DEFAULT_LIMIT = 20;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A time given in a query: Unix seconds, or ISO 8601 as a date (midnight UTC) or a date-time with
 * its zone (`Z` or an offset; a time without a zone would mean whatever the server's zone is).
 * Answers milliseconds since the epoch, or undefined when `value` is none of these.
 */
export function parseQueryTime(value: string): number | undefined {
  if (/^\d{1,11}$/.test(value)) return Number(value) * 1000;
  const dateTime = ISO_DATE_TIME.exec(value);
  const date = dateTime?.[1] ?? (ISO_DATE.test(value) ? value : undefined);
  if (date === undefined || !z.iso.date().safeParse(date).success) return undefined;
  const ms = Date.parse(dateTime === null ? `${date}T00:00:00Z` : value);
  return Number.isNaN(ms) ? undefined : ms;
}

const queryTime = (what: string) =>
  z
    .string()
    .transform((value, ctx) => {
      const ms = parseQueryTime(value);
      if (ms !== undefined) return ms;
      ctx.addIssue({
        code: "custom",
        message:
          "must be Unix seconds or ISO 8601 with its zone (2026-05-01, 2026-05-01T09:30:00Z, 2026-05-01T11:30:00+02:00)",
      });
      return z.NEVER;
    })
    .describe(`${what}: Unix seconds, or ISO 8601 (a date is midnight UTC; a date-time needs Z or an offset).`);

/** The query of `GET /api/v1/documents`, as its parameters arrive (strings); unknown ones are refused. */
export const DocumentListQuerySchema = z
  .strictObject({
    registrar: addressSchema.optional().describe("Only this registrar's anchorings (an address; any case)."),
    status: z
      .enum(["anchored", "revoked", "pending"])
      .optional()
      .describe("Only documents in this state; `pending` lists this service's own queue."),
    from: queryTime("Entries at or after this time").optional(),
    to: queryTime("Entries before this time (exclusive)").optional(),
    limit: z
      .string()
      .regex(/^\d{1,6}$/, "must be a whole number")
      .transform(Number)
      .pipe(z.number().int().min(1).max(DOCUMENT_LIST_MAX_LIMIT))
      .optional()
      .describe(`Entries per page, 1–${DOCUMENT_LIST_MAX_LIMIT} (default ${DOCUMENT_LIST_DEFAULT_LIMIT}).`),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,512}$/, "must be the `next` of an earlier page, unchanged")
      .optional()
      .describe("The `next` of the previous page, with the same filters."),
  })
  .refine((query) => query.from === undefined || query.to === undefined || query.from < query.to, {
    message: "`from` must be before `to` (`to` is exclusive)",
    path: ["to"],
  });
export type DocumentListQuery = z.infer<typeof DocumentListQuerySchema>;

/** One entry of the list: a document in an anchoring by any member, or one of this service's queue. */
export const ListedDocumentSchema = z.object({
  sha256,
  status: DocumentStatusSchema,
  acceptedAt: z.iso
    .datetime()
    .optional()
    .describe("When this service accepted it (ISO 8601, UTC): documents of its own queue not yet indexed."),
  anchoredBy: RegistrarRefSchema.optional().describe("The registrar of the anchoring, with its organisation."),
  anchoredAt: uint.optional().describe("Unix seconds of the anchoring block."),
  anchoredAtIso: isoTime("The anchoring block's time").optional(),
  blockNumber: uint.optional(),
  txHash: hex32.optional(),
  merkleRoot: hex32.optional(),
  leafCount: uint.optional().describe("Documents in the anchoring."),
  revocation: RevocationViewSchema.optional(),
});
export type ListedDocument = z.infer<typeof ListedDocumentSchema>;

export const DocumentPageSchema = z.object({
  documents: z.array(ListedDocumentSchema).describe("Newest first."),
  next: z
    .string()
    .optional()
    .describe("Pass as `cursor`, with the same filters, for the next page; absent on the last page."),
  indexedTo: uint
    .optional()
    .describe(
      "The block the list is as of: the index's cursor when its first page was read. Later pages keep it; " +
        "documents accepted or indexed since come on the next first page.",
    ),
});
export type DocumentPage = z.infer<typeof DocumentPageSchema>;

/** A member's request to cosign a block it anchored in (`POST /api/v1/witness/cosign`). */
export const CosignRequestSchema = z.strictObject({
  blockNumber: uint.max(Number.MAX_SAFE_INTEGER).describe("The block to cosign."),
  blockHash: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hexadecimal characters")
    .describe("Its hash, as the asking member's node holds it."),
  chainId: uint.optional().describe("The chain the block is claimed for; refused if not this member's."),
  registry: address.optional().describe("The registry the cosignature speaks for; refused if not this member's."),
});
export type CosignRequest = z.infer<typeof CosignRequestSchema>;

/** This member's EIP-712 cosignature of a block (docs/witnesses.md), as `evidence.witnesses` carries it. */
export const CosignatureAnswerSchema = z.object({
  chainId: uint,
  registry: address,
  blockNumber: uint,
  blockHash: hex32,
  signer: address.describe("This member's registrar address."),
  signature: z
    .string()
    .regex(/^0x[0-9a-f]{130}$/)
    .describe("65 bytes r ‖ s ‖ v over BlockCheckpoint(chainId, blockNumber, blockHash)."),
});
export type CosignatureAnswer = z.infer<typeof CosignatureAnswerSchema>;
/** The events a webhook can receive. */
export const WEBHOOK_EVENT_TYPES = ["document.anchored", "document.revoked"] as const;
export const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventTypeSchema>;

/** The most digests one notarize request may carry (a batch holds up to 12,000; lists split anyway). */
export const MAX_DIGESTS_PER_REQUEST = 10_000;

/**
 * `POST /api/v1/documents` as JSON: the digest (or a list of them), and optionally a URL to tell
 * when a single document is anchored or revoked.
 */
export const SubmitRequestSchema = z
  .strictObject({
    sha256: z.union([z.string(), z.array(z.string()).min(1).max(MAX_DIGESTS_PER_REQUEST)]),
    callbackUrl: z
      .string()
      .optional()
      .describe("An http(s) URL on a host the operator allows: receives this document's events (a webhook)."),
  })
  .refine((body) => body.callbackUrl === undefined || typeof body.sha256 === "string", {
    message: "goes with one digest; for a list, register a webhook (POST /api/v1/webhooks)",
    path: ["callbackUrl"],
  });

/** `POST /api/v1/webhooks`. */
export const WebhookRequestSchema = z.strictObject({
  url: z.string().describe("An http(s) URL on a host the operator allows (WEBHOOK_ALLOWED_HOSTS)."),
  events: z.array(WebhookEventTypeSchema).min(1).optional().describe("The events to receive; default all of them."),
});

export const WebhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(WebhookEventTypeSchema),
  sha256: sha256.optional().describe("For a per-submission callback: the document whose events it receives."),
  createdAt: z.iso.datetime(),
});
export type Webhook = z.infer<typeof WebhookSchema>;

export const WebhookCreatedSchema = WebhookSchema.extend({
  secret: z
    .string()
    .optional()
    .describe(
      "The signing secret, answered once, when the registration is made (absent when an identical callback existed).",
    ),
});
export type WebhookCreated = z.infer<typeof WebhookCreatedSchema>;

export const WebhooksSchema = z.object({ webhooks: z.array(WebhookSchema) });
export type Webhooks = z.infer<typeof WebhooksSchema>;

export const DeliveryStatusSchema = z.enum(["pending", "delivered", "failed", "cancelled"]);

export const WebhookDeliverySchema = z.object({
  id: uint,
  eventId: z.string(),
  type: WebhookEventTypeSchema,
  sha256,
  webhookId: z.string(),
  url: z.string(),
  status: DeliveryStatusSchema.describe(
    "pending (to be tried, or retried), delivered (a 2xx answer), failed (retries exhausted), cancelled (webhook deleted).",
  ),
  attempts: uint,
  createdAt: z.iso.datetime(),
  nextAttemptAt: z.iso.datetime().optional(),
  lastAttemptAt: z.iso.datetime().optional(),
  lastStatus: z.number().int().optional().describe("The HTTP status of the last answer, if there was one."),
  lastError: z.string().optional().describe("Why the last attempt failed, in words."),
  finishedAt: z.iso.datetime().optional(),
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

export const WebhookDeliveriesSchema = z.object({ deliveries: z.array(WebhookDeliverySchema) });
export type WebhookDeliveries = z.infer<typeof WebhookDeliveriesSchema>;

/** The body POSTed to a webhook: one event, signed in the `Docproof-Signature` header. */
export const WebhookEventSchema = z.object({
  id: z.string().describe("The event's id: the same fact always has the same id; deduplicate on it."),
  type: WebhookEventTypeSchema,
  occurredAt: z.iso.datetime().describe("When this service recorded the fact (ISO 8601, UTC)."),
  data: z.object({
    sha256,
    status: z.enum(["anchored", "revoked"]).describe("The standing of the anchoring the event reports."),
    anchoredAtIso: isoTime("The anchoring block's time"),
    anchoredBy: RegistrarRefSchema,
    receipt: ReceiptV1Schema.describe("The receipt of the anchoring the event reports."),
    revocation: RevocationViewSchema.extend({ reasonName: z.string() })
      .optional()
      .describe("For document.revoked: who revoked it, when and why."),
  }),
});
export type WebhookEvent = z.infer<typeof WebhookEventSchema>;

/** What `POST /api/v1/documents` answers: the document, and the callback registered with it, if any. */
export const SubmissionSchema = DocumentViewSchema.extend({
  callback: WebhookCreatedSchema.optional().describe("The webhook registered for `callbackUrl`."),
});
