/**
 * Typed failures. Callers branch on `code`, never on message text; the HTTP layer maps each code
 * to an RFC 9457 problem type (see server/http/problems.ts and docs/errors.md).
 */
export type DocproofErrorCode =
  | "invalid-digest"
  | "invalid-request"
  | "receipt-malformed"
  | "receipt-tampered"
  | "receipt-wrong-chain"
  | "not-found"
  | "not-anchored"
  | "already-revoked"
  | "unauthorized"
  | "chain-unavailable"
  | "chain-mismatch"
  | "store-unavailable";

export class DocproofError extends Error {
  readonly code: DocproofErrorCode;

  constructor(code: DocproofErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DocproofError";
    this.code = code;
  }
}

export function isDocproofError(error: unknown, code?: DocproofErrorCode): error is DocproofError {
  return error instanceof DocproofError && (code === undefined || error.code === code);
}
