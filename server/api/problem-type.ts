/**
 * How problem types are spelled on the wire (RFC 9457 `type`): one prefix and a stable code
 * (docs/errors.md). Shared by the service, the CLI and the page; it imports nothing, so the page's
 * bundle takes only these lines.
 */
export const PROBLEM_TYPE_PREFIX = "urn:docproof:problem:";

/** The `type` of problem `code`. */
export function problemType(code: string): string {
  return `${PROBLEM_TYPE_PREFIX}${code}`;
}

/** The code of a problem `type` this service answers, or undefined for any other. */
export function problemCode(type: unknown): string | undefined {
  return typeof type === "string" && type.startsWith(PROBLEM_TYPE_PREFIX)
    ? type.slice(PROBLEM_TYPE_PREFIX.length)
    : undefined;
}
