import { readFile } from "node:fs/promises";
import type { Sha256Hex } from "../proof/digest";
import { isTimestampError } from "../timestamp/errors";
import {
  certificatesFromFile,
  decodeCertificates,
  verifyTimeStampToken,
  type TokenCheck,
  type TokenVerification,
} from "../timestamp/token-verification";
import { resolvePath, type CliContext } from "./cli-context";
import { CliError } from "./cli-error";

/** A check of a token as the CLI reports it: the core's, and the CLI's own (the nonce). */
export interface ReportedCheck {
  name: TokenCheck["name"] | "nonce";
  outcome: TokenCheck["outcome"];
  detail: string;
}

export interface TokenReport {
  valid: boolean;
  verification: TokenVerification;
  checks: ReportedCheck[];
}

/** The CA certificates of `--tsa-ca` (PEM or one DER certificate); a usage error when unreadable. */
export async function readTrustAnchors(context: CliContext, file: string | undefined): Promise<Uint8Array[]> {
  if (file === undefined) return [];
  let bytes: Uint8Array;
  try {
    bytes = await readFile(resolvePath(context, file));
  } catch (error) {
    throw new CliError("usage", `Cannot read --tsa-ca ${file}: ${(error as NodeJS.ErrnoException).code}.`, {
      cause: error,
    });
  }
  const certificates = certificatesFromFile(bytes);
  try {
    decodeCertificates(certificates);
  } catch {
    throw new CliError("usage", `--tsa-ca ${file} holds no certificate (PEM, or one DER certificate).`);
  }
  return certificates;
}

/**
 * Verifies a token (or the reply holding it) for the document `sha256`, as `openssl ts -verify`
 * does; with `nonce`, also that it answers the query that carried it.
 */
export async function checkToken(
  bytes: Uint8Array,
  sha256: Sha256Hex,
  trustAnchors: readonly Uint8Array[],
  nonce?: bigint,
): Promise<TokenReport> {
  let verification: TokenVerification;
  try {
    verification = await verifyTimeStampToken(bytes, { sha256, trustAnchors });
  } catch (error) {
    if (isTimestampError(error, "token-malformed")) {
      throw new CliError("usage", `Not a time-stamp token: ${error.message}.`, { cause: error });
    }
    throw error;
  }
  const checks: ReportedCheck[] = [...verification.checks];
  if (nonce !== undefined) {
    const echoed = verification.info.nonce === nonce;
    checks.push({
      name: "nonce",
      outcome: echoed ? "passed" : "failed",
      detail: echoed ? "the reply echoes the query's nonce" : "the reply does not answer this query",
    });
  }
  return { valid: checks.every((c) => c.outcome !== "failed"), verification, checks };
}

/** A token in words, each check on a line; `--json` prints tokenJson instead. */
export function tokenText(headline: string, report: TokenReport): string {
  const { info, signer } = report.verification;
  const accuracy = info.accuracy;
  const accuracyText =
    accuracy === undefined
      ? "not stated"
      : `±${(accuracy.seconds ?? 0) + (accuracy.millis ?? 0) / 1000 + (accuracy.micros ?? 0) / 1e6} s`;
  const rows: [string, string | undefined][] = [
    ["genTime", `${info.genTime.toISOString()} (accuracy ${accuracyText})`],
    ["serial", info.serial.toString()],
    ["TSA", signer ?? info.tsaName],
    ["policy", info.policy],
    [
      "anchoring",
      info.anchoring === undefined
        ? undefined
        : `chain ${info.anchoring.chainId}, registry ${info.anchoring.registry} (the token's own word)`,
    ],
  ];
  const lines = [headline];
  for (const [label, value] of rows) if (value !== undefined) lines.push(`  ${label.padEnd(12)} ${value}`);
  lines.push("  checks");
  for (const check of report.checks) {
    lines.push(`    ${check.outcome.padEnd(8)} ${check.name.padEnd(20)} ${check.detail}`);
  }
  return `${lines.join("\n")}\n`;
}

/** A token's checks and statements as JSON, times in ISO 8601 and the serial as a decimal string. */
export function tokenJson(report: TokenReport) {
  const { info, signer, trust } = report.verification;
  return {
    valid: report.valid,
    trust,
    genTime: info.genTime.toISOString(),
    serial: info.serial.toString(),
    tsa: signer ?? info.tsaName,
    policy: info.policy,
    ...(info.accuracy === undefined ? {} : { accuracy: info.accuracy }),
    ...(info.anchoring === undefined ? {} : { anchoring: info.anchoring }),
    checks: report.checks,
  };
}
