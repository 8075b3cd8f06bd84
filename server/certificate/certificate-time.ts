/** Block times as a certificate states them: in UTC and in a reader's IANA time zone. */
import { CertificateError } from "./certificate-error";

/** Letters, digits and `_ + -` in slash-separated parts, as IANA names are spelled (`America/Port-au-Prince`). */
const IANA_NAME = /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/;
const MAX_NAME_LENGTH = 64;

/** Canonical spellings by lower case, so `europe/berlin` prints as `Europe/Berlin`. */
let canonicalNames: Map<string, string> | undefined;

function canonicalSpelling(name: string): string {
  canonicalNames ??= new Map(Intl.supportedValuesOf("timeZone").map((zone) => [zone.toLowerCase(), zone]));
  return canonicalNames.get(name.toLowerCase()) ?? (name.toLowerCase() === "utc" ? "UTC" : name);
}

/**
 * Checks an IANA time zone name against the time zone data this Node.js carries and returns it as
 * it should print. The name is kept rather than ICU's canonical form, which would turn
 * `Asia/Kathmandu` into `Asia/Katmandu` and `EST` into `America/Panama`.
 * Throws `certificate-time-zone-unknown`.
 */
export function resolveTimeZone(name: string): string {
  if (name.length <= MAX_NAME_LENGTH && IANA_NAME.test(name)) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: name });
      return canonicalSpelling(name);
    } catch {
      // Falls through to the typed error.
    }
  }
  throw new CertificateError(
    "certificate-time-zone-unknown",
    `"${name.slice(0, MAX_NAME_LENGTH)}" is not an IANA time zone name such as "Europe/Berlin" or "UTC".`,
  );
}

/** For request validation (a zod `refine`): true when {@link resolveTimeZone} accepts the name. */
export function isTimeZone(name: string): boolean {
  try {
    resolveTimeZone(name);
    return true;
  } catch {
    return false;
  }
}

export interface ZonedTime {
  /** `2024-03-14 16:09:26`, the wall-clock time in the zone. */
  local: string;
  /** `UTC+01:00`, the zone's offset at that instant. */
  offset: string;
}

/** The wall-clock time of a Unix time (seconds) in a zone {@link resolveTimeZone} accepted. */
export function zonedTime(unixSeconds: number, timeZone: string): ZonedTime {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    calendar: "gregory",
    numberingSystem: "latn",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
    timeZoneName: "longOffset",
  }).formatToParts(new Date(unixSeconds * 1000));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const year = part("year").padStart(4, "0");
  // "GMT" alone means a zero offset; otherwise "GMT+05:45".
  const gmt = part("timeZoneName");
  const offset = gmt === "GMT" ? "UTC+00:00" : gmt.replace(/^GMT/, "UTC");
  return {
    local: `${year}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}:${part("second")}`,
    offset,
  };
}

/** `2024-03-14 15:09:26 UTC`. */
export function utcTime(unixSeconds: number): string {
  return `${zonedTime(unixSeconds, "UTC").local} UTC`;
}

/** `2024-03-14 16:09:26 Europe/Berlin (UTC+01:00)`. */
export function timeInZone(unixSeconds: number, timeZone: string): string {
  const { local, offset } = zonedTime(unixSeconds, timeZone);
  return `${local} ${timeZone} (${offset})`;
}
