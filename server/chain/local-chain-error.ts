import { CodedError, hasCode } from "../errors";

/** Why the local development chain could not be started, saved or provided with a registry. */
export type LocalChainErrorCode =
  /** The node did not start or did not answer. */
  | "chain-start-failed"
  /** The saved state file exists but cannot be loaded (truncated, corrupted, not Anvil's format). */
  | "chain-state-unreadable"
  /** The saved state loads, but not as the chain it was saved from (other chain id or genesis). */
  | "chain-state-mismatch"
  /** Reading the node's state or writing it to disk failed. */
  | "chain-flush-failed"
  /** Deploying the registry through Ignition failed. */
  | "registry-deploy-failed";

export class LocalChainError extends CodedError<LocalChainErrorCode> {}

export function isLocalChainError(error: unknown, code?: LocalChainErrorCode): error is LocalChainError {
  return hasCode(error, LocalChainError, code);
}
