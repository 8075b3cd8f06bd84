import { randomBytes } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import type { Sha256Hex } from "../proof/digest";
import { TimestampError } from "./errors";
import { OID } from "./oids";
import {
  decodeTimeStampReply,
  verifyTimeStampToken,
  type TimeStampTokenInfo,
  type TokenVerification,
} from "./token-verification";

/**
 * The client side of RFC 3161: a TimeStampReq for a SHA-256 digest, and the checks its reply
 * must pass before Docproof keeps it. Transport lives in server/tsa/http-time-stamp-client.ts.
 */

export interface TimeStampQuery {
  /** DER TimeStampReq, for `application/timestamp-query`. */
  der: Uint8Array;
  sha256: Sha256Hex;
  nonce: bigint;
  policy?: string;
}

/** A reply that passed every check: the DER TimeStampResp to keep, and what its token says. */
export interface CheckedTimeStamp {
  reply: Uint8Array;
  info: TimeStampTokenInfo;
  verification: TokenVerification;
}

/** Something that time-stamps a digest: an outside TSA behind HTTP, or a fake in tests. */
export interface TimeStampClient {
  /** Where the time-stamps come from (a URL), to record beside them. */
  readonly authority: string;
  timeStamp(sha256: Sha256Hex): Promise<CheckedTimeStamp>;
}

/** Whom to trust for an outside TSA's tokens. */
export interface TsaTrust {
  /** DER CA certificates (or the TSA's own certificate, pinned); at least one. */
  trustAnchors: readonly Uint8Array[];
  /** Further DER certificates, for a TSA that does not include its chain. */
  certificates?: readonly Uint8Array[];
}

/** A TimeStampReq for `sha256` asking for the certificate, with a fresh 63-bit nonce. */
export function buildTimeStampQuery(
  sha256: Sha256Hex,
  options: { nonce?: bigint; policy?: string } = {},
): TimeStampQuery {
  const nonce = options.nonce ?? randomBytes(8).readBigUInt64BE() >> 1n;
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256, algorithmParams: new asn1js.Null() }),
      hashedMessage: new asn1js.OctetString({ valueHex: Buffer.from(sha256, "hex") }),
    }),
    ...(options.policy === undefined ? {} : { reqPolicy: options.policy }),
    nonce: asn1js.Integer.fromBigInt(nonce),
    certReq: true,
  });
  return {
    der: new Uint8Array(request.toSchema().toBER()),
    sha256,
    nonce,
    ...(options.policy === undefined ? {} : { policy: options.policy }),
  };
}

/**
 * Checks an outside TSA's reply to `query`: granted, a token whose signature, ESS binding and
 * chain to `trust` hold, the nonce echoed, the imprint and (if asked) the policy ours.
 * Throws TimestampError `tsa-rejected` for a rejection and `tsa-reply-invalid` for the rest.
 */
export async function checkTimeStampReply(
  replyDer: Uint8Array,
  query: TimeStampQuery,
  trust: TsaTrust,
): Promise<CheckedTimeStamp> {
  if (trust.trustAnchors.length === 0) throw new RangeError("an outside TSA needs at least one trusted certificate");
  let reply;
  try {
    reply = decodeTimeStampReply(replyDer);
  } catch (error) {
    throw new TimestampError("tsa-reply-invalid", "The TSA's reply is not a DER TimeStampResp.", { cause: error });
  }
  if (reply.status > 1 || reply.token === undefined) {
    const why = [...reply.failure, reply.text].filter(Boolean).join(", ");
    throw new TimestampError("tsa-rejected", `The TSA answered ${reply.statusName}${why ? `: ${why}` : ""}.`);
  }
  let verification: TokenVerification;
  try {
    verification = await verifyTimeStampToken(replyDer, { sha256: query.sha256, ...trust });
  } catch (error) {
    throw new TimestampError("tsa-reply-invalid", "The TSA's token cannot be decoded.", { cause: error });
  }
  const failed = verification.checks.filter((c) => c.outcome === "failed").map((c) => `${c.name}: ${c.detail}`);
  if (verification.info.nonce !== query.nonce) failed.push("nonce: the reply does not echo the request's nonce");
  if (query.policy !== undefined && verification.info.policy !== query.policy) {
    failed.push(`policy: asked for ${query.policy}, got ${verification.info.policy}`);
  }
  if (failed.length > 0) {
    throw new TimestampError("tsa-reply-invalid", `The TSA's reply fails its checks (${failed.join("; ")}).`);
  }
  return { reply: replyDer, info: verification.info, verification };
}
