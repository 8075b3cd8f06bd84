import { createHash } from "node:crypto";
import type { Sha256Hex } from "../proof/digest";

/** One block of the chain time-stamped by an outside TSA, as the store keeps it. */
export interface ChainWitnessRecord {
  blockNumber: bigint;
  /** 0x-prefixed 32-byte block hash. */
  blockHash: string;
  /** The imprint the TSA stamped: witnessImprint(blockHash). */
  sha256: Sha256Hex;
  /** The TSA's URL. */
  authority: string;
  genTime: Date;
  /** The token's serial number (an outside TSA's may have up to 160 bits). */
  serial: bigint;
  /** The DER TimeStampResp as received: `openssl ts -verify -in` takes it as it is. */
  reply: Uint8Array;
  witnessedAt: Date;
}

/**
 * The SHA-256 an outside TSA stamps for a block: of the 32 raw bytes of its hash.
 * NOTE: RFC 3161 imprints are digests of data; a block hash is Keccak-256, so it is the data
 * here. `openssl ts -verify -data <32-byte file>` checks such a token; so does
 * `-digest $(printf %s <hash without 0x> | xxd -r -p | sha256sum | cut -c1-64)`.
 */
export function witnessImprint(blockHash: string): Sha256Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(blockHash)) throw new RangeError(`not a block hash: ${blockHash}`);
  return createHash("sha256")
    .update(Buffer.from(blockHash.slice(2), "hex"))
    .digest("hex") as Sha256Hex;
}
