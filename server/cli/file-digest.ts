import { stat } from "node:fs/promises";
import type { Sha256Hex } from "../proof/digest";
import { sha256OfFile } from "../proof/sha256";
import { CliError, resolvePath, type CliContext, type OutputStream } from "./context";

/** Files smaller than this hash in well under a second: no bar. */
export const PROGRESS_MIN_BYTES = 16 * 1024 * 1024;
const REDRAW_MS = 100;
const MIB = 1024 * 1024;

export interface FileDigest {
  /** The path as the caller wrote it. */
  file: string;
  /** The path resolved against the caller's folder. */
  path: string;
  sha256: Sha256Hex;
  bytes: number;
}

/** A one-line bar on a terminal, redrawn at most every REDRAW_MS. */
class ProgressBar {
  private lastDraw = 0;

  constructor(
    private readonly stream: OutputStream,
    private readonly label: string,
    private readonly total: number,
  ) {}

  update = (bytes: number): void => {
    const now = Date.now();
    if (now - this.lastDraw < REDRAW_MS && bytes < this.total) return;
    this.lastDraw = now;
    const fraction = this.total === 0 ? 1 : Math.min(bytes / this.total, 1);
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - 40));
    const filled = Math.round(fraction * width);
    const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
    const amount = `${(bytes / MIB).toFixed(0)}/${(this.total / MIB).toFixed(0)} MiB`;
    this.stream.write(`\r${this.label.slice(-30)} [${bar}] ${Math.floor(fraction * 100)}% ${amount}`);
  };

  /** Clears the line, so the digest that follows stands alone. */
  done(): void {
    this.stream.write("\r\x1b[2K");
  }
}

/** SHA-256 of one file, streamed in 1 MiB chunks, with a progress bar on a terminal for large files. */
export async function digestFile(context: CliContext, file: string): Promise<FileDigest> {
  const fullPath = resolvePath(context, file);
  let size: number;
  try {
    const info = await stat(fullPath);
    if (!info.isFile()) throw new CliError("usage", `${file} is not a file.`);
    size = info.size;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError("usage", `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? "unreadable"}.`, {
      cause: error,
    });
  }
  const bar =
    context.stderr.isTTY === true && size >= PROGRESS_MIN_BYTES
      ? new ProgressBar(context.stderr, file, size)
      : undefined;
  try {
    const { sha256, bytes } = await sha256OfFile(fullPath, bar?.update);
    return { file, path: fullPath, sha256, bytes };
  } finally {
    bar?.done();
  }
}

/** Digests of several files, one after the other (one disk read at a time is the fastest). */
export async function digestFiles(context: CliContext, files: readonly string[]): Promise<FileDigest[]> {
  const digests: FileDigest[] = [];
  for (const file of files) digests.push(await digestFile(context, file));
  return digests;
}
