import { CodedError, hasCode } from "../errors";

/**
 * Failures of making or reading a certificate. Callers branch on `code`: the first two are the
 * caller's bad input (an HTTP 400), the last three say a PDF is not a certificate this module can
 * read a receipt from.
 */
export type CertificateErrorCode =
  | "certificate-time-zone-unknown"
  | "certificate-input-invalid"
  | "certificate-unreadable"
  | "certificate-receipt-missing"
  | "certificate-receipt-corrupt";

export class CertificateError extends CodedError<CertificateErrorCode> {}

export function isCertificateError(error: unknown, code?: CertificateErrorCode): error is CertificateError {
  return hasCode(error, CertificateError, code);
}
