import { CodedError, hasCode } from "../errors";

/**
 * Typed failures of the trust anchors (trust files, witness cosignatures, chain seals). Callers
 * branch on `code`, never on message text.
 *
 * NOTE: these codes live apart from `DocproofErrorCode` because the HTTP problem catalogue
 * (server/http/problems.ts) maps every `DocproofErrorCode` exhaustively; they join it when the API
 * starts to serve trust anchors.
 */
export type TrustAnchorErrorCode =
  /** A trust file that is not JSON or not a version 1 trust file. */
  | "trust-file-malformed"
  /** A trust file, or a trusted set given directly, that cannot be used (duplicates, impossible threshold, no member). */
  | "trust-file-invalid"
  /** A block header that is not RLP of a header, or whose extraData is not the engine's layout. */
  | "header-malformed"
  /** A block to sign that is no block: a negative number, a hash that is not 32 bytes. */
  | "checkpoint-invalid"
  /** A witness refused to sign: its own node does not have that block, or not yet final. */
  | "witness-refused";

export class TrustAnchorError extends CodedError<TrustAnchorErrorCode> {}

export function isTrustAnchorError(error: unknown, code?: TrustAnchorErrorCode): error is TrustAnchorError {
  return hasCode(error, TrustAnchorError, code);
}
