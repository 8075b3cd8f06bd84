/**
 * Typed failures. Callers branch on `code`, never on message text; the HTTP layer maps each
 * DocproofError code to an RFC 9457 problem type (see server/http/problems.ts and docs/errors.md).
 */
export type DocproofErrorCode =
  | "invalid-digest"
  | "invalid-request"
  | "invalid-cursor"
  | "receipt-malformed"
  | "receipt-tampered"
  | "receipt-wrong-chain"
  | "not-found"
  | "not-anchored"
  | "already-revoked"
  | "unauthorized"
  | "chain-unavailable"
  | "chain-mismatch"
  | "chain-rolled-back"
  | "revocation-forbidden"
  | "registrar-inactive"
  | "store-unavailable"
  | "checkpoint-unavailable"
  | "witness-not-final"
  | "witness-unknown-block"
  | "witness-wrong-chain"
  | "webhook-url-not-allowed"
  | "webhook-not-found";

/** An error with a string-literal `code` and an optional `cause`: the shape of every typed failure here. */
export class CodedError<Code extends string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** True when `error` is a `type` (and, if given, has `code`). */
export function hasCode<E extends CodedError<string>>(
  error: unknown,
  type: abstract new (...args: never[]) => E,
  code?: E["code"],
): error is E {
  return error instanceof type && (code === undefined || error.code === code);
}

export class DocproofError extends CodedError<DocproofErrorCode> {}

export function isDocproofError(error: unknown, code?: DocproofErrorCode): error is DocproofError {
  return hasCode(error, DocproofError, code);
}
