/**
 * The registry's rules for a directory entry (`setOrganisation`), checked off chain so that a tool can
 * refuse a bad name before it sends a transaction. Same rules, same order and same byte positions as
 * the contract's `_checkOrganisationName` and `_checkOrganisationUri`; the contract tests hold the two
 * to each other.
 */

/** Equal to the registry's `MAX_ORGANISATION_NAME_LENGTH`. */
export const MAX_ORGANISATION_NAME_LENGTH = 64;
/** Equal to the registry's `MAX_ORGANISATION_URI_LENGTH`. */
export const MAX_ORGANISATION_URI_LENGTH = 256;

/** What is wrong with a name or URI; each code is one custom error of the registry. */
export type OrganisationFaultCode =
  "name-length" | "name-encoding" | "name-character" | "name-spacing" | "uri-length" | "uri-character";

export interface OrganisationFault {
  readonly code: OrganisationFaultCode;
  /** Byte length of the string, for the length codes; byte offset of the first bad byte otherwise. */
  readonly at: number;
  /** One line for people, naming the problem. */
  readonly message: string;
}

const SPACE = 0x20;
const encoder = new TextEncoder();

/** The first fault of a directory entry, name first, as the registry would revert; undefined if valid. */
export function checkOrganisation(name: string | Uint8Array, uri: string | Uint8Array): OrganisationFault | undefined {
  return checkOrganisationName(name) ?? checkOrganisationUri(uri);
}

/**
 * The first fault of an organisation name: 1 to 64 bytes of well-formed UTF-8 without control
 * characters (C0, DEL, C1) or leading, trailing or repeated spaces.
 */
export function checkOrganisationName(name: string | Uint8Array): OrganisationFault | undefined {
  const bytes = typeof name === "string" ? utf8(name) : name;
  if (bytes === undefined) {
    const at = loneSurrogateOffset(name as string);
    return fault("name-encoding", at, `is not well-formed UTF-8 at byte ${at} (a lone surrogate)`);
  }
  const length = bytes.length;
  if (length === 0 || length > MAX_ORGANISATION_NAME_LENGTH) {
    const size = length === 0 ? "is empty" : `is ${length} bytes long`;
    return fault("name-length", length, `${size}; a name is 1 to ${MAX_ORGANISATION_NAME_LENGTH} bytes of UTF-8`);
  }
  let i = 0;
  while (i < length) {
    const lead = bytes[i];
    if (lead < 0x80) {
      if (lead < 0x20 || lead === 0x7f) return controlCharacter(i, lead);
      if (lead === SPACE && (i === 0 || i === length - 1 || bytes[i - 1] === SPACE)) {
        const where = i === 0 ? "a leading space" : i === length - 1 ? "a trailing space" : "two spaces in a row";
        return fault("name-spacing", i, `has ${where} at byte ${i}`);
      }
      i += 1;
      continue;
    }
    const sequence = utf8Sequence(lead);
    const malformed = fault("name-encoding", i, `is not well-formed UTF-8 at byte ${i}`);
    if (sequence === undefined || i + sequence.size > length) return malformed;
    const second = bytes[i + 1];
    if (second < sequence.low || second > sequence.high) return malformed;
    for (let k = 2; k < sequence.size; k++) {
      const continuation = bytes[i + k];
      if (continuation < 0x80 || continuation > 0xbf) return malformed;
    }
    if (lead === 0xc2 && second < 0xa0) return controlCharacter(i, second);
    i += sequence.size;
  }
  return undefined;
}

/** The first fault of an organisation URI: at most 256 bytes of visible ASCII (0x21 to 0x7E); may be empty. */
export function checkOrganisationUri(uri: string | Uint8Array): OrganisationFault | undefined {
  const bytes = typeof uri === "string" ? encoder.encode(uri) : uri;
  if (bytes.length > MAX_ORGANISATION_URI_LENGTH) {
    return fault(
      "uri-length",
      bytes.length,
      `is ${bytes.length} bytes long; a URI is at most ${MAX_ORGANISATION_URI_LENGTH} bytes`,
    );
  }
  const position = bytes.findIndex((byte) => byte < 0x21 || byte > 0x7e);
  if (position < 0) return undefined;
  const what = bytes[position] === SPACE ? "a space" : `byte 0x${hex(bytes[position])}, not visible ASCII,`;
  return fault("uri-character", position, `has ${what} at byte ${position}`);
}

/** Length of the sequence a lead byte starts and the range of its second byte (Unicode's well-formed table). */
function utf8Sequence(lead: number): { size: number; low: number; high: number } | undefined {
  if (lead < 0xc2) return undefined;
  if (lead < 0xe0) return { size: 2, low: 0x80, high: 0xbf };
  if (lead === 0xe0) return { size: 3, low: 0xa0, high: 0xbf };
  if (lead === 0xed) return { size: 3, low: 0x80, high: 0x9f };
  if (lead < 0xf0) return { size: 3, low: 0x80, high: 0xbf };
  if (lead === 0xf0) return { size: 4, low: 0x90, high: 0xbf };
  if (lead < 0xf4) return { size: 4, low: 0x80, high: 0xbf };
  if (lead === 0xf4) return { size: 4, low: 0x80, high: 0x8f };
  return undefined;
}

function controlCharacter(position: number, codePoint: number): OrganisationFault {
  return fault("name-character", position, `has the control character U+${hex(codePoint, 4)} at byte ${position}`);
}

function fault(code: OrganisationFaultCode, at: number, problem: string): OrganisationFault {
  return { code, at, message: `the ${code.startsWith("name") ? "name" : "URI"} ${problem}` };
}

/** UTF-8 of a string, or undefined when it holds a lone surrogate (which TextEncoder would silently replace). */
function utf8(text: string): Uint8Array | undefined {
  return loneSurrogateOffset(text) < 0 ? encoder.encode(text) : undefined;
}

/** Byte offset in UTF-8 of the first lone surrogate, or -1. */
function loneSurrogateOffset(text: string): number {
  const match = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(text);
  return match === null ? -1 : encoder.encode(text.slice(0, match.index)).length;
}

function hex(value: number, width = 2): string {
  return value.toString(16).toUpperCase().padStart(width, "0");
}
