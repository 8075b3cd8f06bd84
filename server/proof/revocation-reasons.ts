/** The meanings clients display for revocation reason codes; docs/revocation-reasons.md is the table of record. */
const REVOCATION_REASONS: readonly string[] = [
  "unspecified",
  "superseded",
  "withdrawn",
  "issued-in-error",
  "key-compromise",
  "fraudulent",
  "expired",
];

/** The name of a reason code: a listed one, "reserved" (7–999) or "consortium-defined" (1000 and up). */
export function revocationReasonName(code: number): string {
  return REVOCATION_REASONS[code] ?? (code >= 1000 ? "consortium-defined" : "reserved");
}
