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

/** What each listed reason means, in the words of docs/revocation-reasons.md, for those who choose one. */
const REVOCATION_REASON_MEANINGS: readonly string[] = [
  "No reason given.",
  "A newer version of the document replaces this one.",
  "The registrar no longer vouches for the document.",
  "The document was anchored by mistake (wrong file, wrong registrar).",
  "The registrar's key was compromised around the time of anchoring.",
  "The document was found to be forged or obtained by deceit.",
  "The document's validity period ended.",
];

/** The name of a reason code: a listed one, "reserved" (7–999) or "consortium-defined" (1000 and up). */
export function revocationReasonName(code: number): string {
  return REVOCATION_REASONS[code] ?? (code >= 1000 ? "consortium-defined" : "reserved");
}

/** The listed reasons, in code order, each with its name and meaning. */
export function listedRevocationReasons(): { code: number; name: string; meaning: string }[] {
  return REVOCATION_REASONS.map((name, code) => ({ code, name, meaning: REVOCATION_REASON_MEANINGS[code] }));
}
