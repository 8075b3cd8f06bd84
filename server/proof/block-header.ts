import { RLP } from "@ethereumjs/rlp";
import { bytesToBigInt } from "@ethereumjs/util";
import { getBytes, keccak256 } from "ethers";
import type { Hex32 } from "./digest";
import { TrustAnchorError } from "./trust-errors";

/** A block header as its RLP encoding: bytes, or 0x-prefixed hex. */
export type HeaderRlp = Uint8Array | string;

/** Positions in the header list; fields from later forks follow `nonce` and keep their bytes. */
export const HEADER_FIELD = { number: 8, extraData: 12 } as const;

/** Fields every header has (Frontier's fifteen); later forks append, never insert. */
const MIN_HEADER_FIELDS = 15;
/** Frontier's fifteen plus everything forks have appended so far, with room for a few more. */
const MAX_HEADER_FIELDS = 32;

/**
 * A header as a list of byte strings, kept exactly as encoded: no field is re-encoded, so hashes
 * computed over it are the chain's own whatever the fork, and the verifier needs no fork schedule.
 */
export interface DecodedHeader {
  readonly fields: readonly Uint8Array[];
  readonly number: bigint;
  readonly extraData: Uint8Array;
}

function malformed(message: string): TrustAnchorError {
  return new TrustAnchorError("header-malformed", message);
}

function toBytes(input: HeaderRlp): Uint8Array {
  if (input instanceof Uint8Array) return input;
  try {
    return getBytes(input);
  } catch {
    throw malformed("The header is not 0x-prefixed hexadecimal.");
  }
}

/** Decodes a header, keeping every field's bytes; throws `header-malformed`. */
export function decodeHeader(input: HeaderRlp): DecodedHeader {
  let decoded: unknown;
  try {
    decoded = RLP.decode(toBytes(input));
  } catch (error) {
    throw malformed(`The header is not valid RLP (${(error as Error).message}).`);
  }
  if (!Array.isArray(decoded)) throw malformed("The header is an RLP string, not a list of fields.");
  if (decoded.length < MIN_HEADER_FIELDS || decoded.length > MAX_HEADER_FIELDS) {
    throw malformed(`The header has ${decoded.length} fields; a block header has 15 to ${MAX_HEADER_FIELDS}.`);
  }
  if (!decoded.every((field): field is Uint8Array => field instanceof Uint8Array)) {
    throw malformed("A header field is a list; every field of a block header is a byte string.");
  }
  const number = decoded[HEADER_FIELD.number];
  if (number.length > 8 || (number.length > 0 && number[0] === 0)) {
    throw malformed("The header's block number is not a canonical integer of at most 8 bytes.");
  }
  return { fields: decoded, number: bytesToBigInt(number), extraData: decoded[HEADER_FIELD.extraData] };
}

/** keccak256 of RLP(fields): the Ethereum block hash of a header with these fields. */
export function hashHeaderFields(fields: readonly Uint8Array[]): Hex32 {
  return keccak256(RLP.encode([...fields])) as Hex32;
}

/** The header's fields with `extraData` replaced, everything else as it was. */
export function withExtraData(header: DecodedHeader, extraData: Uint8Array): Uint8Array[] {
  const fields = [...header.fields];
  fields[HEADER_FIELD.extraData] = extraData;
  return fields;
}
