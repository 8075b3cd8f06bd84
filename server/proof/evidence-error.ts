import { CodedError, hasCode } from "../errors";

/**
 * Failures of building evidence or history links that no DocproofError code names yet. Callers
 * branch on `code`: all of them mean "do not retry as is", unlike `chain-unavailable`.
 */
export type EvidenceErrorCode =
  /** A node's header does not hash to its block hash by Ethereum's rules (e.g. QBFT seals). */
  | "header-unsupported"
  /** A node's block contradicts itself: a rebuilt trie or transaction does not match it. */
  | "block-inconsistent"
  /** Blocks read in a row do not link by parent hash: a reorganisation, or a node that lies. */
  | "history-broken"
  /** No link to the checkpoint can be made (the block is newer, or its epoch is not at hand). */
  | "link-unavailable"
  /** The evidence just built does not pass the offline checks. */
  | "evidence-invalid";

export class EvidenceError extends CodedError<EvidenceErrorCode> {}

export function isEvidenceError(error: unknown, code?: EvidenceErrorCode): error is EvidenceError {
  return hasCode(error, EvidenceError, code);
}
