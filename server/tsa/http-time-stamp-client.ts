import type { Sha256Hex } from "../proof/digest";
import { TimestampError } from "../timestamp/errors";
import {
  buildTimeStampQuery,
  checkTimeStampReply,
  type CheckedTimeStamp,
  type TimeStampClient,
  type TsaTrust,
} from "../timestamp/time-stamp-query";
import { decodeCertificates } from "../timestamp/token-verification";

export interface HttpTimeStampClientOptions extends TsaTrust {
  /** The TSA's URL (RFC 3161 §3.4: HTTP POST of the DER request). */
  url: string;
  /** A policy to ask for; the token must then state it. */
  policy?: string;
  timeoutMs?: number;
  /** Replies larger than this are refused unread (a token with a chain is a few KB). */
  maxReplyBytes?: number;
}

const REPLY_TYPES = ["application/timestamp-reply", "application/timestamp-response"];

/**
 * An outside TSA over HTTP: POSTs an `application/timestamp-query` and checks the
 * `application/timestamp-reply` against the configured certificates. Network failures, timeouts
 * and non-RFC 3161 answers become TimestampError `tsa-unavailable`.
 */
export class HttpTimeStampClient implements TimeStampClient {
  readonly authority: string;

  constructor(private readonly options: HttpTimeStampClientOptions) {
    const url = new URL(options.url);
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new RangeError(`the TSA URL must be http or https, got ${url.protocol}`);
    }
    if (options.trustAnchors.length === 0) {
      throw new RangeError("an outside TSA needs at least one trusted certificate");
    }
    // Bad certificates in the configuration show at start-up, not at the first time-stamp.
    decodeCertificates([...options.trustAnchors, ...(options.certificates ?? [])]);
    this.authority = url.toString();
  }

  async timeStamp(sha256: Sha256Hex): Promise<CheckedTimeStamp> {
    const query = buildTimeStampQuery(sha256, { policy: this.options.policy });
    const reply = await this.post(query.der);
    return checkTimeStampReply(reply, query, this.options);
  }

  private async post(body: Uint8Array): Promise<Uint8Array> {
    const unavailable = (why: string, cause?: unknown) =>
      new TimestampError("tsa-unavailable", `The TSA at ${this.authority} ${why}.`, cause ? { cause } : undefined);
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    let response: Response;
    try {
      response = await fetch(this.authority, {
        method: "POST",
        headers: { "content-type": "application/timestamp-query", accept: REPLY_TYPES[0] },
        body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: "error",
      });
    } catch (error) {
      if ((error as Error).name === "TimeoutError") throw unavailable(`did not answer within ${timeoutMs} ms`, error);
      throw unavailable("could not be reached", error);
    }
    const limit = this.options.maxReplyBytes ?? 1024 * 1024;
    const type = (response.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
    const length = Number(response.headers.get("content-length") ?? "0");
    if (!response.ok || !REPLY_TYPES.includes(type) || length > limit) {
      await response.body?.cancel().catch(() => undefined);
      if (!response.ok) throw unavailable(`answered HTTP ${response.status}`);
      if (length > limit) throw unavailable(`sent a ${length}-byte reply, more than ${limit}`);
      throw unavailable(`answered ${type || "no content type"}, not application/timestamp-reply`);
    }
    const chunks: Uint8Array[] = [];
    let received = 0;
    try {
      // Read in chunks: a chunked reply has no length to refuse up front.
      for await (const chunk of response.body ?? []) {
        received += chunk.length;
        // Throwing out of the loop cancels the stream.
        if (received > limit) throw unavailable(`sent a reply of more than ${limit} bytes`);
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof TimestampError) throw error;
      throw unavailable("broke off its reply", error);
    }
    return new Uint8Array(Buffer.concat(chunks));
  }
}
