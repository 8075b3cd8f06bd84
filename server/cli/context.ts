import path from "node:path";

/** Where the CLI writes; a process's own streams in production, buffers in tests. */
export interface OutputStream {
  write(text: string): unknown;
  /** Progress bars are drawn only on a terminal. */
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Everything a command may touch outside its arguments, handed in by the entry (server/cli/main.ts). */
export interface CliContext {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** The environment; only DOCPROOF_API_KEY and DOCPROOF_PRIVATE_KEY are read, the rest is passed to children. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths in arguments are relative to this folder, whatever the process's own. */
  readonly cwd: string;
  /** Set by a command's action: 0 valid, 1 not valid. Errors map to 2 in main.ts. */
  exitCode: number;
}

export const EXIT_OK = 0;
/** A verdict other than anchored, or a notarization not anchored in time. */
export const EXIT_NOT_VALID = 1;
/** Bad usage, unreadable files, an unreachable chain or service: no answer was reached. */
export const EXIT_ERROR = 2;

export type CliErrorCode = "usage" | "unreachable" | "service-error" | "receipt-exists";

/** A failure the CLI reports in one line and exits 2 for; callers branch on `code`. */
export class CliError extends Error {
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CliError";
    this.code = code;
  }
}

/** An argument path resolved against the caller's folder. */
export function resolvePath(context: CliContext, file: string): string {
  return path.resolve(context.cwd, file);
}

/** Writes `value` as indented JSON on stdout, for scripts. */
export function printJson(context: CliContext, value: unknown): void {
  context.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

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
