import { z } from "zod";
import { problemType } from "../api/problem-type";
import {
  CosignatureAnswerSchema,
  CosignRequestSchema,
  DocumentListSchema,
  DocumentViewSchema,
  HealthSchema,
  ProblemSchema,
  RegistrarsSchema,
  RevokeRequestSchema,
  ServiceInfoSchema,
  SubmissionSchema,
  VerdictSchema,
  WitnessViewSchema,
  WebhookCreatedSchema,
  WebhookDeliveriesSchema,
  WebhookEventSchema,
  WebhookRequestSchema,
  WebhooksSchema,
} from "../api/wire";
import { documentListOperation, documentPageSchema } from "./openapi-document-list";
import { PROBLEMS } from "./problems";

const sha256Param = {
  name: "sha256",
  in: "path",
  required: true,
  description: "SHA-256 of the document: 64 hex characters, either case, optional 0x prefix.",
  schema: { type: "string", pattern: "^(0x)?[0-9a-fA-F]{64}$" },
};
const problem = { $ref: "#/components/responses/Problem" };
const documentOrListJson = {
  "application/json": {
    schema: {
      oneOf: [{ $ref: "#/components/schemas/Submission" }, { $ref: "#/components/schemas/DocumentList" }],
    },
  },
};
const healthJson = { "application/health+json": { schema: { $ref: "#/components/schemas/Health" } } };
const documentJson = { "application/json": { schema: { $ref: "#/components/schemas/Document" } } };
const witnessJson = { "application/json": { schema: { $ref: "#/components/schemas/Witness" } } };

/** The Time-Stamp Authority's two operations, served under both paths (RFC 3161 clients take the short one). */
const timeStampPaths = (base: string) => ({
  [base]: {
    post: {
      summary: "Time-stamp a SHA-256 imprint (RFC 3161 over HTTP); the imprint is then anchored like a document",
      description:
        "The body is a DER TimeStampReq (`openssl ts -query`, `jarsigner -tsa`), at most 16 KiB. The answer is " +
        "always a DER TimeStampResp with status 200: a token, or an RFC 3161 rejection (badAlg, badRequest, " +
        "badDataFormat, unacceptedPolicy, unacceptedExtension, systemFailure; docs/time-stamping.md). No API key " +
        "is needed unless the service sets TSA_REQUIRES_KEY; it counts against the writes rate limit. Other " +
        "methods are answered 405 with `Allow: POST`.",
      security: [{ apiKey: [] }, {}],
      requestBody: {
        required: true,
        content: { "application/timestamp-query": { schema: { type: "string", format: "binary" } } },
      },
      responses: {
        "200": {
          description: "A TimeStampResp: granted with a token, or a rejection.",
          content: { "application/timestamp-reply": { schema: { type: "string", format: "binary" } } },
        },
        "400": problem,
        "401": problem,
        "408": problem,
        "413": problem,
        "415": problem,
        "429": problem,
      },
    },
  },
  [`${base}/certificate`]: {
    get: {
      summary: "The TSA's certificate, then its issuers (PEM), as `openssl ts -verify -untrusted` takes them",
      responses: {
        "200": { description: "application/pem-certificate-chain" },
        "429": problem,
      },
    },
  },
});
const json = (name: string) => ({ "application/json": { schema: { $ref: `#/components/schemas/${name}` } } });

/** An event as POSTed to a registered URL (OpenAPI 3.1 `webhooks`). */
function webhookOperation(type: string, summary: string) {
  return {
    post: {
      summary,
      description:
        `The body is a WebhookEvent with type ${type}. Docproof-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 ` +
        "keyed with the registration's secret over `<t>.<body>`>. Answer 2xx to acknowledge; anything else, no " +
        "answer within WEBHOOK_TIMEOUT_MS, or a redirect, is retried with exponential backoff.",
      parameters: [
        { name: "Docproof-Signature", in: "header", required: true, schema: { type: "string" } },
        { name: "Docproof-Event-Id", in: "header", required: true, schema: { type: "string" } },
        { name: "Docproof-Event-Type", in: "header", required: true, schema: { type: "string" } },
        { name: "Docproof-Delivery-Attempt", in: "header", required: true, schema: { type: "integer" } },
      ],
      requestBody: { required: true, content: json("WebhookEvent") },
      responses: { "2XX": { description: "Acknowledged: not sent again." } },
    },
  };
}

/** The JSON Schemas the service serves under /api/v1/<name>.schema.json (generated into docs/ from zod). */
export const SERVED_SCHEMAS = ["receipt-v1", "receipt-v2", "checkpoint"] as const;

/** The JSON Schema of a wire type (server/api/wire.ts), as OpenAPI 3.1 embeds it: an answer, or a request body. */
function jsonSchemaOf(schema: z.ZodType, io: "output" | "input" = "output"): Record<string, unknown> {
  const { $schema: _dialect, ...body } = z.toJSONSchema(schema, { io, unrepresentable: "any" });
  return body;
}

/** A document's properties, its receipt referring to the receipt schema the service serves. */
function documentProperties(): Record<string, unknown> {
  const properties = jsonSchemaOf(DocumentViewSchema).properties as Record<string, unknown>;
  return { ...properties, receipt: { $ref: "#/components/schemas/Receipt" } };
}

/** OpenAPI 3.1 description of the v1 API, served at /api/v1/openapi.json. */
export function openApiDocument(version: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "Docproof API",
      version,
      description:
        "Notarize documents by their SHA-256 on an EVM chain and verify them against the chain. " +
        "Errors are RFC 9457 problem+json; their `type` values are listed in x-problem-types.",
    },
    servers: [{ url: "/" }],
    "x-problem-types": Object.fromEntries(
      Object.entries(PROBLEMS).map(([code, { status, title }]) => [problemType(code), { status, title }]),
    ),
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "One of the service's API_KEYS." } },
      schemas: {
        Receipt: { $ref: "/api/v1/receipt-v1.schema.json" },
        ReceiptV2: { $ref: "/api/v1/receipt-v2.schema.json" },
        Checkpoint: { $ref: "/api/v1/checkpoint.schema.json" },
        Cosignature: jsonSchemaOf(CosignatureAnswerSchema),
        Document: { ...jsonSchemaOf(DocumentViewSchema), properties: documentProperties() },
        Verdict: jsonSchemaOf(VerdictSchema),
        DocumentList: {
          ...jsonSchemaOf(DocumentListSchema),
          properties: {
            ...(jsonSchemaOf(DocumentListSchema).properties as Record<string, unknown>),
            documents: { type: "array", items: { $ref: "#/components/schemas/Document" } },
          },
        },
        ServiceInfo: jsonSchemaOf(ServiceInfoSchema),
        Registrars: jsonSchemaOf(RegistrarsSchema),
        DocumentPage: documentPageSchema(),
        Witness: jsonSchemaOf(WitnessViewSchema),
        Health: jsonSchemaOf(HealthSchema),
        Submission: {
          ...jsonSchemaOf(SubmissionSchema),
          properties: {
            ...documentProperties(),
            callback: (jsonSchemaOf(SubmissionSchema).properties as Record<string, unknown>).callback,
          },
        },
        WebhookCreated: jsonSchemaOf(WebhookCreatedSchema),
        Webhooks: jsonSchemaOf(WebhooksSchema),
        WebhookDeliveries: jsonSchemaOf(WebhookDeliveriesSchema),
        WebhookEvent: jsonSchemaOf(WebhookEventSchema),
        Problem: jsonSchemaOf(ProblemSchema),
      },
      responses: {
        Problem: {
          description: "An RFC 9457 problem.",
          content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
        },
      },
    },
    webhooks: {
      "document.anchored": webhookOperation("document.anchored", "A document submitted here was anchored"),
      "document.revoked": webhookOperation(
        "document.revoked",
        "An anchoring of a document submitted here was revoked (by this service, the admin, or another member)",
      ),
    },
    paths: {
      "/api/v1/documents": {
        get: documentListOperation(),
        post: {
          summary:
            "Notarize a document (upload it, or send its SHA-256), or many at once (a list of up to 10,000 SHA-256)",
          security: [{ apiKey: [] }, {}],
          requestBody: {
            required: true,
            content: {
              "multipart/form-data": {
                schema: {
                  type: "object",
                  required: ["file"],
                  properties: { file: { type: "string", format: "binary" } },
                },
              },
              "application/json": {
                schema: {
                  type: "object",
                  required: ["sha256"],
                  additionalProperties: false,
                  properties: {
                    sha256: {
                      oneOf: [
                        { type: "string" },
                        { type: "array", items: { type: "string" }, minItems: 1, maxItems: 10_000 },
                      ],
                      description: "One digest, or a list: every digest of a list is queued in one durable write.",
                    },
                    callbackUrl: {
                      type: "string",
                      description:
                        "With one digest: a URL to receive this document's events (see webhooks); on an allowed host.",
                    },
                  },
                },
              },
            },
          },
          responses: {
            "202": { description: "Queued; it will be anchored in the next batch.", content: documentOrListJson },
            "200": { description: "Already anchored: the document with its receipt.", content: documentOrListJson },
            "400": problem,
            "401": problem,
            "403": problem,
            "408": problem,
            "413": problem,
            "415": problem,
            "429": problem,
            "503": problem,
          },
        },
      },
      "/api/v1/documents/{sha256}": {
        get: {
          summary: "A document's status and, once anchored, its receipt",
          parameters: [sha256Param],
          responses: {
            "200": { description: "The document.", content: documentJson },
            "400": problem,
            "404": problem,
            "429": problem,
            "503": problem,
          },
        },
      },
      "/api/v1/documents/{sha256}/receipt": {
        get: {
          summary: "Download the receipt (version 2 with ?version=2: with the evidence to check it offline)",
          parameters: [
            sha256Param,
            {
              name: "version",
              in: "query",
              required: false,
              description:
                "1 (default): checked against a node of the chain. 2: with the anchoring block's header, the " +
                "transaction and its receipt with their trie proofs, a link to the published checkpoint and the " +
                "members' cosignatures (docs/receipt-v2.md).",
              schema: { type: "string", enum: ["1", "2"] },
            },
          ],
          responses: {
            "200": {
              description: "The receipt, as an attachment.",
              content: {
                "application/json": {
                  schema: {
                    oneOf: [{ $ref: "#/components/schemas/Receipt" }, { $ref: "#/components/schemas/ReceiptV2" }],
                  },
                },
              },
            },
            "400": problem,
            "404": problem,
            "409": problem,
            "429": problem,
            "503": problem,
          },
        },
      },
      "/api/v1/documents/{sha256}/certificate.pdf": {
        get: {
          summary: "The certificate of notarization as a PDF, with the receipt attached and a QR code to verify",
          parameters: [
            sha256Param,
            {
              name: "tz",
              in: "query",
              description: "IANA time zone for a second statement of the times (default UTC only).",
              schema: { type: "string", examples: ["Europe/Berlin"] },
            },
            {
              name: "name",
              in: "query",
              description: "The document's name, printed as plain text; at most 255 characters.",
              schema: { type: "string", maxLength: 255 },
            },
          ],
          responses: {
            "200": {
              description: "The certificate, as an attachment.",
              content: { "application/pdf": { schema: { type: "string", format: "binary" } } },
            },
            "400": problem,
            "404": problem,
            "409": problem,
            "429": problem,
            "503": problem,
          },
        },
      },
      "/api/v1/webhooks": {
        post: {
          summary: "Register a URL to receive document.anchored and document.revoked events",
          security: [{ apiKey: [] }, {}],
          requestBody: {
            required: true,
            content: { "application/json": { schema: jsonSchemaOf(WebhookRequestSchema, "input") } },
          },
          responses: {
            "201": {
              description: "Registered; the signing secret is in this answer only.",
              content: json("WebhookCreated"),
            },
            "400": problem,
            "401": problem,
            "403": problem,
            "408": problem,
            "415": problem,
            "429": problem,
            "503": problem,
          },
        },
        get: {
          summary: "The webhooks registered with this API key",
          security: [{ apiKey: [] }, {}],
          responses: {
            "200": { description: "The registrations.", content: json("Webhooks") },
            "401": problem,
            "429": problem,
          },
        },
      },
      "/api/v1/webhooks/deliveries": {
        get: {
          summary: "Deliveries to this API key's webhooks, newest first (status=failed: the undeliverable)",
          description: "Finished deliveries are listed for WEBHOOK_KEEP_FOR_MS (30 days), then forgotten.",
          security: [{ apiKey: [] }, {}],
          parameters: [
            {
              name: "status",
              in: "query",
              schema: { type: "string", enum: ["pending", "delivered", "failed", "cancelled"] },
            },
            { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 1000, default: 100 } },
          ],
          responses: {
            "200": { description: "The deliveries.", content: json("WebhookDeliveries") },
            "400": problem,
            "401": problem,
            "429": problem,
          },
        },
      },
      "/api/v1/webhooks/{id}": {
        delete: {
          summary: "Delete a webhook; its pending deliveries are cancelled",
          security: [{ apiKey: [] }, {}],
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: { "204": { description: "Deleted." }, "401": problem, "404": problem, "429": problem },
        },
      },
      "/api/v1/documents/{sha256}/revoke": {
        post: {
          summary: "Revoke an anchored document (final)",
          security: [{ apiKey: [] }, {}],
          parameters: [sha256Param],
          requestBody: {
            required: true,
            content: {
              "application/json": { schema: jsonSchemaOf(RevokeRequestSchema, "input") },
            },
          },
          responses: {
            "200": { description: "Revoked.", content: documentJson },
            "400": problem,
            "401": problem,
            "404": problem,
            "408": problem,
            "409": problem,
            "415": problem,
            "429": problem,
            "503": problem,
          },
        },
      },
      "/api/v1/checkpoint": {
        get: {
          summary:
            "The checkpoint this service publishes: a final block and the accumulator of every block hash up to it",
          responses: {
            "200": {
              description: "The checkpoint (docs/checkpoint.schema.json); version 2 receipts link to it.",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Checkpoint" } } },
            },
            "429": problem,
            "503": problem,
          },
        },
      },
      "/api/v1/witness/cosign": {
        post: {
          summary: "Ask this member to cosign a block its node holds final (EIP-712, with its registrar key)",
          requestBody: {
            required: true,
            content: { "application/json": { schema: jsonSchemaOf(CosignRequestSchema, "input") } },
          },
          responses: {
            "200": {
              description: "This member's cosignature.",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Cosignature" } } },
            },
            "400": problem,
            "409": problem,
            "415": problem,
            "422": problem,
            "429": problem,
            "503": problem,
          },
        },
      },
      "/api/v1/registrars": {
        get: {
          summary:
            "The consortium's directory: each registrar with its organisation's name, its role, and its anchorings",
          responses: {
            "200": {
              description: "The directory, from the index of the whole registry.",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Registrars" } } },
            },
            "429": problem,
            "503": problem,
          },
        },
      },
      "/api/v1/info": {
        get: {
          summary: "The chain, registry and registrar this service anchors with, and whether notarizing needs a key",
          responses: {
            "200": {
              description: "Service facts",
              content: { "application/json": { schema: { $ref: "#/components/schemas/ServiceInfo" } } },
            },
          },
        },
      },
      "/api/v1/verify": {
        post: {
          summary: "Verify a document against the chain, with or without its receipt",
          requestBody: {
            required: true,
            content: {
              "multipart/form-data": {
                schema: {
                  type: "object",
                  required: ["file"],
                  properties: {
                    file: { type: "string", format: "binary" },
                    receipt: { type: "string", format: "binary" },
                  },
                },
              },
              "application/json": {
                schema: {
                  type: "object",
                  required: ["sha256"],
                  additionalProperties: false,
                  properties: {
                    sha256: { type: "string" },
                    receipt: {
                      oneOf: [{ $ref: "#/components/schemas/Receipt" }, { $ref: "#/components/schemas/ReceiptV2" }],
                    },
                  },
                },
              },
            },
          },
          responses: {
            "200": {
              description: "The verdict.",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Verdict" } } },
            },
            "400": problem,
            "408": problem,
            "413": problem,
            "415": problem,
            "422": problem,
            "429": problem,
            "503": problem,
          },
        },
      },
      ...timeStampPaths("/tsa"),
      ...timeStampPaths("/api/v1/tsa"),
      "/api/v1/witness": {
        post: {
          summary: "Have the outside TSA (WITNESS_TSA_URL) time-stamp the chain's latest final block now",
          security: [{ apiKey: [] }, {}],
          responses: {
            "201": { description: "The block was time-stamped now.", content: witnessJson },
            "200": {
              description: "The latest final block was already time-stamped: that witness.",
              content: witnessJson,
            },
            "401": problem,
            "409": problem,
            "429": problem,
            "502": problem,
            "503": problem,
          },
        },
      },
      "/healthz": {
        get: {
          summary: "Health: chain reachable, registry code present, store writable",
          responses: {
            "200": { description: "Healthy.", content: healthJson },
            "503": { description: "Unhealthy; the failing checks are named.", content: healthJson },
          },
        },
      },
      "/metrics": {
        get: { summary: "Prometheus metrics", responses: { "200": { description: "Text exposition format." } } },
      },
      ...Object.fromEntries(
        SERVED_SCHEMAS.map((name) => [
          `/api/v1/${name}.schema.json`,
          {
            get: {
              summary: `The JSON Schema (2020-12) of ${name.replace("-", " ")}s`,
              responses: { "200": { description: "application/schema+json" } },
            },
          },
        ]),
      ),
      "/api/v1/openapi.json": {
        get: { summary: "This document", responses: { "200": { description: "OpenAPI 3.1." } } },
      },
    },
  };
}
