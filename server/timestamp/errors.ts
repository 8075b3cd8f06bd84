import { CodedError, hasCode } from "../errors";

/**
 * Typed failures of the time-stamping modules. Callers branch on `code`, never on message text.
 * Messages name files and fields, never key material.
 */
export type TimestampErrorCode =
  /** A key or certificate file cannot be read or written. */
  | "tsa-credentials-unreadable"
  /** The key or certificate is unusable for a TSA (wrong type, purpose, mismatch, broken chain). */
  | "tsa-credentials-invalid"
  /** A time-stamp token or reply cannot be decoded. */
  | "token-malformed"
  /** A certificate given to trust or to help verification cannot be decoded. */
  | "certificate-malformed"
  /** An outside TSA could not be reached or answered something other than a time-stamp reply. */
  | "tsa-unavailable"
  /** An outside TSA answered with a rejection; `failure` holds its PKIFailureInfo names. */
  | "tsa-rejected"
  /** An outside TSA's reply does not hold up: signature, certificate, nonce or imprint. */
  | "tsa-reply-invalid";

export class TimestampError extends CodedError<TimestampErrorCode> {}

export function isTimestampError(error: unknown, code?: TimestampErrorCode): error is TimestampError {
  return hasCode(error, TimestampError, code);
}
