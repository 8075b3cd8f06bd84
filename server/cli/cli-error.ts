import { CodedError } from "../errors";

export const EXIT_OK = 0;
/** A verdict other than anchored, or a notarization not anchored in time. */
export const EXIT_NOT_VALID = 1;
/** Bad usage, unreadable files, an unreachable chain or service: no answer was reached. */
export const EXIT_ERROR = 2;

export type CliErrorCode =
  | "usage"
  | "unreachable"
  | "service-error"
  | "not-a-service"
  | "receipt-exists"
  /** A time-stamp token file is there already. */
  | "token-exists";

/** A failure the CLI reports in one line and exits 2 for; callers branch on `code`. */
export class CliError extends CodedError<CliErrorCode> {}

/** Why a request failed to connect: the system error code (ECONNREFUSED, ENOTFOUND, …) or the innermost message. */
export function networkCause(error: unknown): string {
  let innermost = error;
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
    innermost = current;
  }
  return innermost instanceof Error ? innermost.message : String(innermost);
}
