import type { ErrorRequestHandler, Response } from "express";
import multer from "multer";
import { problemType } from "../api/problem-type";
import { isDocproofError, type DocproofErrorCode } from "../errors";
import type { Logger } from "../logger";

/** Problem types that only the HTTP layer raises. */
export type HttpProblemCode =
  | "invalid-json"
  | "unsupported-media-type"
  | "body-too-large"
  | "file-too-large"
  | "receipt-too-large"
  | "missing-file"
  | "too-many-files"
  | "unexpected-field"
  | "malformed-multipart"
  | "empty-file"
  | "malformed-url"
  | "invalid-query"
  | "request-timeout"
  | "rate-limited"
  | "malformed-http"
  | "headers-too-large"
  | "expectation-failed"
  | "route-not-found"
  | "method-not-allowed"
  | "witness-not-configured"
  | "witness-failed"
  | "invalid-time-zone"
  | "internal";

export type ProblemCode = DocproofErrorCode | HttpProblemCode;

/** The catalogue: one stable `type` per cause (docs/errors.md lists them for clients). */
export const PROBLEMS: Record<ProblemCode, { status: number; title: string }> = {
  "invalid-digest": { status: 400, title: "The SHA-256 digest is not valid" },
  "invalid-request": { status: 400, title: "The request is not valid" },
  "invalid-json": { status: 400, title: "The request body is not valid JSON" },
  "receipt-malformed": { status: 400, title: "The receipt is not a Docproof receipt" },
  "receipt-tampered": { status: 422, title: "The receipt contradicts itself" },
  "receipt-wrong-chain": { status: 422, title: "The receipt is for another chain or registry" },
  "receipt-too-large": { status: 413, title: "The receipt file is too large" },
  "missing-file": { status: 400, title: "No file was uploaded in the field 'file'" },
  "too-many-files": { status: 400, title: "Too many files were uploaded" },
  "unexpected-field": { status: 400, title: "The upload has an unexpected field" },
  "malformed-multipart": { status: 400, title: "The multipart body is malformed or incomplete" },
  "empty-file": { status: 400, title: "The document is empty" },
  "malformed-url": { status: 400, title: "The URL is not validly encoded" },
  "invalid-query": { status: 400, title: "The query parameters are not valid" },
  "invalid-cursor": { status: 400, title: "The cursor is not one this list gave for these filters" },
  "request-timeout": { status: 408, title: "The request body did not arrive in time" },
  "rate-limited": { status: 429, title: "Too many requests" },
  "malformed-http": { status: 400, title: "The request is not valid HTTP" },
  "headers-too-large": { status: 431, title: "The URL or headers are too large" },
  "expectation-failed": { status: 417, title: "The Expect header cannot be met" },
  "unsupported-media-type": { status: 415, title: "The body's media type is not one this endpoint takes" },
  "body-too-large": { status: 413, title: "The request body is too large" },
  "file-too-large": { status: 413, title: "The file is larger than this service accepts" },
  unauthorized: { status: 401, title: "A valid API key is required" },
  "not-found": { status: 404, title: "No such document" },
  "route-not-found": { status: 404, title: "No such resource" },
  "method-not-allowed": { status: 405, title: "The resource does not take this method" },
  "witness-not-configured": { status: 409, title: "No outside TSA witnesses this service's chain" },
  "witness-failed": { status: 502, title: "The outside TSA did not give a valid time-stamp" },
  "not-anchored": { status: 409, title: "The document is not anchored yet" },
  "already-revoked": { status: 409, title: "The document is already revoked" },
  "chain-unavailable": { status: 503, title: "The chain is unavailable" },
  "chain-mismatch": { status: 503, title: "The chain is not the one this service was set up for" },
  "chain-rolled-back": { status: 503, title: "The chain was rolled back; the document is being anchored again" },
  "revocation-forbidden": { status: 403, title: "Only the anchoring registrar or the admin can revoke this" },
  "registrar-inactive": { status: 503, title: "This service's registrar no longer holds the registrar role" },
  "store-unavailable": { status: 503, title: "The document store is unavailable" },
  "checkpoint-unavailable": { status: 503, title: "No checkpoint of the chain's history is available yet" },
  "witness-not-final": { status: 409, title: "The block is not final on this member's node yet" },
  "witness-unknown-block": { status: 422, title: "This member's node holds another block at that height" },
  "witness-wrong-chain": { status: 422, title: "The block is claimed for another chain or registry" },
  "invalid-time-zone": { status: 400, title: "The time zone is not an IANA time zone name" },
  "webhook-url-not-allowed": { status: 403, title: "The webhook URL's host is not one the operator allows" },
  "webhook-not-found": { status: 404, title: "No such webhook" },
  internal: { status: 500, title: "Internal error" },
};

/** An error the HTTP layer raises, carrying its problem code. */
export class HttpProblem extends Error {
  constructor(
    readonly code: HttpProblemCode,
    message: string,
  ) {
    super(message);
    this.name = "HttpProblem";
  }
}

/** The body of problem `code`, as every refusal carries it. */
export function problemBody(code: ProblemCode, detail: string, more: { instance?: string; requestId?: string } = {}) {
  const { status, title } = PROBLEMS[code];
  return { type: problemType(code), title, status, detail, ...more };
}

export function sendProblem(res: Response, code: ProblemCode, detail: string) {
  const requestId = res.req.id === undefined ? undefined : String(res.req.id);
  res
    .status(PROBLEMS[code].status)
    .type("application/problem+json")
    .json(problemBody(code, detail, { instance: res.req.originalUrl, requestId }));
}

const MULTER_CODES: Record<string, HttpProblemCode> = {
  LIMIT_FILE_SIZE: "file-too-large",
  LIMIT_FILE_COUNT: "too-many-files",
  LIMIT_UNEXPECTED_FILE: "unexpected-field",
  LIMIT_PART_COUNT: "malformed-multipart",
  LIMIT_FIELD_KEY: "unexpected-field",
  LIMIT_FIELD_VALUE: "unexpected-field",
  LIMIT_FIELD_COUNT: "unexpected-field",
  MISSING_FIELD_NAME: "malformed-multipart",
};

function classify(error: unknown): { code: ProblemCode; detail: string } {
  if (isDocproofError(error)) return { code: error.code, detail: error.message };
  if (error instanceof HttpProblem) return { code: error.code, detail: error.message };
  if (error instanceof multer.MulterError) {
    const code = MULTER_CODES[error.code] ?? "malformed-multipart";
    const field = error.field ? ` (field '${error.field}')` : "";
    return { code, detail: `${error.message}${field}.` };
  }
  const httpError = error as { type?: string; status?: number; message?: string; limit?: number };
  if (error instanceof URIError && httpError.status === 400) {
    return { code: "malformed-url", detail: "A path segment is not valid percent-encoding." };
  }
  if (httpError.type === "entity.parse.failed")
    return { code: "invalid-json", detail: "The body could not be parsed as JSON." };
  if (httpError.type === "entity.too.large")
    return {
      code: "body-too-large",
      detail: `The JSON body is larger than this endpoint's ${httpError.limit ?? 65_536} bytes.`,
    };
  if (httpError.type === "encoding.unsupported" || httpError.type === "charset.unsupported") {
    return { code: "unsupported-media-type", detail: httpError.message ?? "Unsupported encoding." };
  }
  // The JSON parser's other client errors: a body shorter than its Content-Length, an undecodable gzip.
  if (typeof httpError.status === "number" && httpError.status >= 400 && httpError.status < 500) {
    return { code: "invalid-json", detail: `The JSON body could not be read: ${httpError.message}.` };
  }
  // busboy's errors for truncated or malformed multipart bodies.
  if (
    /Unexpected end of form|Malformed part header|Multipart: Boundary not found|Unexpected end of multipart/i.test(
      String(httpError.message),
    )
  ) {
    return { code: "malformed-multipart", detail: `The multipart body is malformed: ${httpError.message}.` };
  }
  return { code: "internal", detail: "The service failed unexpectedly; the error was logged." };
}

/**
 * The one error handler: every failure leaves as problem+json. The request's own log line (see
 * request-log.ts) records its status; an unexpected failure is logged here with its cause.
 */
export function problemHandler(log: Logger, onProblem: (code: ProblemCode) => void): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const { code, detail } = classify(error);
    onProblem(code);
    if (code === "internal") log.error({ requestId: req.id, error }, "request failed unexpectedly");
    if (code === "unauthorized") res.set("WWW-Authenticate", 'Bearer realm="docproof"');
    if (
      code === "chain-unavailable" ||
      code === "store-unavailable" ||
      code === "chain-rolled-back" ||
      code === "checkpoint-unavailable" ||
      code === "witness-not-final"
    ) {
      res.set("Retry-After", "5");
    }
    sendProblem(res, code, detail);
  };
}
