import { access } from "node:fs/promises";
import { EMPTY_CONTENT_REFUSAL } from "../api/empty-content";
import { parseSha256, type Sha256Hex } from "../proof/digest";
import { resolvePath, type CliContext } from "./cli-context";
import { CliError } from "./cli-error";
import { digestFile } from "./file-digest";

const DIGEST = /^(0x)?[0-9a-fA-F]{64}$/;

/** A document named on the command line: a file (hashed here), or its SHA-256 written out. */
export interface DocumentArgument {
  sha256: Sha256Hex;
  /** The file as the caller wrote it; undefined when a digest was given. */
  file?: string;
}

/**
 * Reads `argument` as a file when one exists by that name, else as a SHA-256 (64 hex, `0x` and
 * upper case accepted). An empty file is refused, as everywhere (api/empty-content.ts).
 */
export async function documentArgument(context: CliContext, argument: string): Promise<DocumentArgument> {
  const isFile = await access(resolvePath(context, argument)).then(
    () => true,
    () => false,
  );
  if (!isFile && DIGEST.test(argument)) return { sha256: parseSha256(argument) };
  if (!isFile) {
    throw new CliError("usage", `${argument} is neither a file nor a SHA-256 (64 hexadecimal characters).`);
  }
  const { sha256, bytes } = await digestFile(context, argument);
  if (bytes === 0) throw new CliError("usage", `${argument}: ${EMPTY_CONTENT_REFUSAL}`);
  return { sha256, file: argument };
}
