import type { Verdict } from "../api/wire";
import { revocationReasonName } from "../proof/revocation-reasons";

const HEADLINES: Record<Verdict["status"], string> = {
  anchored: "ANCHORED",
  revoked: "REVOKED",
  unknown: "UNKNOWN",
  "invalid-receipt": "INVALID RECEIPT",
  "receipt-superseded": "RECEIPT SUPERSEDED",
};

function when(seconds: number | undefined): string | undefined {
  return seconds === undefined ? undefined : `${new Date(seconds * 1000).toISOString()} (unix ${seconds})`;
}

/** A verdict in words, for people, with times in UTC; `--json` prints the Verdict itself. */
export function verdictText(file: string, verdict: Verdict, checkedWith: string): string {
  const rows: [string, string | number | undefined][] = [
    ["sha256", verdict.sha256],
    ["anchored", when(verdict.anchoredAt)],
    [
      "registrar",
      verdict.anchoredBy === undefined
        ? undefined
        : verdict.anchoredBy.name === undefined
          ? verdict.anchoredBy.address
          : `${verdict.anchoredBy.name} (${verdict.anchoredBy.address})`,
    ],
    ["block", verdict.blockNumber],
    ["transaction", verdict.txHash],
    ["merkle root", verdict.merkleRoot],
  ];
  if (verdict.status === "revoked") {
    rows.push(
      ["revoked", when(verdict.revokedAt)],
      ["revoked by", verdict.revokedBy],
      [
        "reason",
        verdict.revocationReason === undefined
          ? undefined
          : `${verdict.revocationReason} (${revocationReasonName(verdict.revocationReason)})`,
      ],
    );
  }
  if (verdict.registry !== undefined) rows.push(["registry", `${verdict.registry} on chain ${verdict.chainId}`]);
  if (verdict.witnessedBy !== undefined) {
    const { genTime, authority, blockNumber } = verdict.witnessedBy;
    rows.push(["witnessed", `block ${blockNumber} existed by ${genTime}, time-stamped by ${authority}`]);
  }
  rows.push(["checked with", checkedWith]);
  const lines = [`${HEADLINES[verdict.status]}: ${file}`];
  if (verdict.reason !== undefined && verdict.status !== "anchored") lines.push(`  ${verdict.reason}`);
  for (const [label, value] of rows) if (value !== undefined) lines.push(`  ${label.padEnd(12)} ${value}`);
  return `${lines.join("\n")}\n`;
}
