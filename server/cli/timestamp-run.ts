import { access, writeFile } from "node:fs/promises";
import { EMPTY_CONTENT_REFUSAL } from "../api/empty-content";
import { buildTimeStampQuery } from "../timestamp/time-stamp-query";
import { decodeTimeStampReply } from "../timestamp/token-verification";
import { printJson, resolvePath, type CliContext } from "./cli-context";
import { CliError, EXIT_NOT_VALID, EXIT_OK } from "./cli-error";
import { digestFile } from "./file-digest";
import { ServiceClient } from "./service-client";
import { checkToken, readTrustAnchors, tokenJson, tokenText } from "./time-stamp-token";
import type { TimestampOptions } from "./timestamp";

/** Where a document's token is kept by default: next to it. */
export function tokenPathFor(file: string): string {
  return `${file}.tsr`;
}

/**
 * Asks the service's TSA for a token over the file's SHA-256 (with a fresh nonce and the
 * certificate), checks the reply, and writes it. A rejection or a token that fails a check is
 * reported and not written.
 */
export async function runTimestamp(context: CliContext, file: string, options: TimestampOptions): Promise<void> {
  if (options.api === undefined) throw new CliError("usage", "timestamp needs --api <url> (the service's TSA).");
  const client = new ServiceClient(options.api, options.apiKey ?? context.env.DOCPROOF_API_KEY);
  const tokenFile = options.out ?? tokenPathFor(file);
  const tokenPath = resolvePath(context, tokenFile);
  const exists = await access(tokenPath).then(
    () => true,
    () => false,
  );
  if (exists && !options.force) throw new CliError("token-exists", `${tokenFile} exists: pass --force to replace it.`);
  const trustAnchors = await readTrustAnchors(context, options.tsaCa);
  const { sha256, bytes } = await digestFile(context, file);
  if (bytes === 0) throw new CliError("usage", `${file}: ${EMPTY_CONTENT_REFUSAL}`);

  const query = buildTimeStampQuery(sha256);
  const reply = await client.timeStamp(query.der);
  let decoded;
  try {
    decoded = decodeTimeStampReply(reply);
  } catch {
    throw new CliError("not-a-service", `${options.api}/tsa answered application/timestamp-reply that is not one.`);
  }
  if (decoded.token === undefined) {
    const failure = decoded.failure.join(", ") || "no failure given";
    if (options.json) {
      printJson(context, { file, sha256, status: decoded.statusName, failure: decoded.failure, reason: decoded.text });
    } else {
      context.stdout.write(
        `REFUSED: ${file}\n  status       ${decoded.statusName} (${failure})\n  reason       ${decoded.text}\n`,
      );
    }
    context.exitCode = EXIT_NOT_VALID;
    return;
  }

  const report = await checkToken(reply, sha256, trustAnchors, query.nonce);
  if (report.valid) {
    try {
      await writeFile(tokenPath, reply, { flag: options.force ? "w" : "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        throw new CliError("token-exists", `${tokenFile} exists: pass --force to replace it.`);
      }
      throw error;
    }
  }
  if (options.json) {
    printJson(context, { file, sha256, tokenFile: report.valid ? tokenFile : null, ...tokenJson(report) });
  } else {
    const headline = report.valid ? `TIME-STAMPED: ${file}` : `INVALID TOKEN: ${file} (not written)`;
    context.stdout.write(tokenText(headline, report));
    if (report.valid) context.stdout.write(`  ${"token".padEnd(12)} ${tokenFile}\n`);
  }
  context.exitCode = report.valid ? EXIT_OK : EXIT_NOT_VALID;
}
