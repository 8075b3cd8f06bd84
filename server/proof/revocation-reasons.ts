/**
 * Names of the revocation reason codes (docs/revocation-reasons.md). The registry stores any
 * uint16; these are the meanings clients display.
 */
const REASONS: readonly string[] = [
  "unspecified",
  "superseded",
  "withdrawn",
  "issued-in-error",
  "key-compromise",
  "fraudulent",
  "expired",
];

/** A reason code in words: its name, "reserved" (7–999) or "consortium-defined" (1000 and up). */
export function revocationReasonName(code: number): string {
  if (code < REASONS.length) return REASONS[code];
  return code < 1000 ? "reserved" : "consortium-defined";
}
