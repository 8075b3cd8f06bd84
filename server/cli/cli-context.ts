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

/** An argument path resolved against the caller's folder. */
export function resolvePath(context: CliContext, file: string): string {
  return path.resolve(context.cwd, file);
}

/** Writes `value` as indented JSON on stdout, for scripts. */
export function printJson(context: CliContext, value: unknown): void {
  context.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
