import { z } from "zod";
import { problemType } from "../api/problem-type";
import {
  DocumentViewSchema,
  HealthSchema,
  ProblemSchema,
  RegistrarsSchema,
  RevokeRequestSchema,
  ServiceInfoSchema,
  SubmissionSchema,
  VerdictSchema,
  WebhookCreatedSchema,
  WebhookDeliveriesSchema,
  WebhookEventSchema,
  WebhookRequestSchema,
  WebhooksSchema,
} from "../api/wire";
import { PROBLEMS } from "./problems";

const sha256Param = {
  name: "sha256",
  in: "path",
  required: true,
  description: "SHA-256 of the document: 64 hex characters, either case, optional 0x prefix.",
  schema: { type: "string", pattern: "^(0x)?[0-9a-fA-F]{64}$" },
};
const problem = { $ref: "#/components/responses/Problem" };
const healthJson = { "application/health+json": { schema: { $ref: "#/components/schemas/Health" } } };
const documentJson = { "application/json": { schema: { $ref: "#/components/schemas/Document" } } };
const submissionJson = { "application/json": { schema: { $ref: "#/components/schemas/Submission" } } };
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
        Document: { ...jsonSchemaOf(DocumentViewSchema), properties: documentProperties() },
        Verdict: jsonSchemaOf(VerdictSchema),
        ServiceInfo: jsonSchemaOf(ServiceInfoSchema),
        Registrars: jsonSchemaOf(RegistrarsSchema),
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
        post: {
          summary: "Notarize a document (upload it, or send its SHA-256)",
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
                    sha256: { type: "string" },
                    callbackUrl: {
                      type: "string",
                      description: "A URL to receive this document's events (see webhooks); on an allowed host.",
                    },
                  },
                },
              },
            },
          },
          responses: {
            "202": { description: "Queued; it will be anchored in the next batch.", content: submissionJson },
            "200": { description: "Already anchored: the document with its receipt.", content: submissionJson },
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
          summary: "Download the receipt",
          parameters: [sha256Param],
          responses: {
            "200": {
              description: "The receipt, as an attachment.",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Receipt" } } },
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
                  properties: { sha256: { type: "string" }, receipt: { $ref: "#/components/schemas/Receipt" } },
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
