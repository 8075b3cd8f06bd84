/**
 * Sends notifications over HTTP(S): one POST per attempt, to an address checked just before the
 * connection is made and then used for it (the name is not resolved a second time, so a DNS answer
 * that changes in between cannot redirect the request), redirects refused, the whole attempt
 * bounded in time.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { isIP } from "node:net";
import { DocproofError } from "../errors";
import { normaliseHost, type HostPolicy } from "./host-policy";

/** Longest URL a registration may give. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;
/** How much of an answer is read (then discarded): receivers are expected to answer briefly. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** How one attempt ended: `ok` for a 2xx answer; otherwise the status or the error, in words. */
export interface DeliveryResult {
  ok: boolean;
  status?: number;
  error?: string;
}

/** Resolves a host name to its addresses (`dns.lookup` with `all`); injected in tests. */
export type HostResolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: HostResolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** A lookup for http.request that answers the address already checked, whatever the name. */
function pinnedLookup(address: string, family: number): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFunction;
}

export class HttpWebhookTransport {
  constructor(
    private readonly policy: HostPolicy,
    private readonly resolve: HostResolver = systemResolver,
  ) {}

  /** False when the operator allows no host. */
  get enabled(): boolean {
    return this.policy.enabled;
  }

  /**
   * Checks a URL given for registration: http or https, no credentials, at most 2,048 characters,
   * a host the operator allows. Returns it normalised; throws `invalid-request` or
   * `webhook-url-not-allowed`.
   */
  checkUrl(text: string): string {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new DocproofError("invalid-request", "The webhook URL is not an absolute URL.");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new DocproofError("invalid-request", "The webhook URL must be an http or https URL.");
    }
    if (url.username !== "" || url.password !== "") {
      throw new DocproofError("invalid-request", "The webhook URL must not carry a user name or password.");
    }
    url.hash = "";
    if (url.href.length > MAX_WEBHOOK_URL_LENGTH) {
      throw new DocproofError(
        "invalid-request",
        `The webhook URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters.`,
      );
    }
    const refusal = this.policy.hostRefusal(url.hostname);
    if (refusal !== undefined) {
      throw new DocproofError("webhook-url-not-allowed", `The webhook URL is not allowed: ${refusal}.`);
    }
    return url.href;
  }

  /** One attempt: POST `body` to `target`, checked against the policy again first. Never throws. */
  async deliver(
    target: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<DeliveryResult> {
    const url = new URL(target);
    const host = normaliseHost(url.hostname);
    const hostRefusal = this.policy.hostRefusal(host);
    if (hostRefusal !== undefined) return { ok: false, error: `refused: ${hostRefusal}` };
    let addresses: { address: string; family: number }[];
    try {
      addresses = isIP(host) === 0 ? await this.resolve(host) : [{ address: host, family: isIP(host) }];
    } catch (error) {
      return {
        ok: false,
        error: `${host} could not be resolved (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      };
    }
    // Every address must pass: a name whose answers mix public and internal addresses is refused whole.
    for (const { address } of addresses) {
      const refusal = this.policy.addressRefusal(address);
      if (refusal !== undefined) return { ok: false, error: `refused: ${refusal}` };
    }
    if (addresses.length === 0) return { ok: false, error: `${host} has no address` };
    const { address, family } = addresses[0];
    return this.post(url, address, family, headers, body, timeoutMs);
  }

  private post(
    url: URL,
    address: string,
    family: number,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<DeliveryResult> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: DeliveryResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const send = url.protocol === "https:" ? httpsRequest : httpRequest;
      const payload = Buffer.from(body, "utf8");
      const request = send(
        url,
        {
          method: "POST",
          headers: { ...headers, "content-length": String(payload.length) },
          lookup: pinnedLookup(address, family),
          agent: false,
        },
        (response: IncomingMessage) => {
          const status = response.statusCode ?? 0;
          let read = 0;
          response.on("data", (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_ANSWER_BYTES) response.destroy();
          });
          const done = () => {
            if (status >= 200 && status < 300) finish({ ok: true, status });
            else if (status >= 300 && status < 400) {
              finish({ ok: false, status, error: `answered ${status}: redirects are not followed` });
            } else finish({ ok: false, status, error: `answered ${status}` });
          };
          response.on("end", done);
          response.on("close", done);
          response.on("error", done);
        },
      );
      const timer = setTimeout(() => {
        request.destroy();
        finish({ ok: false, error: `no answer within ${timeoutMs} ms` });
      }, timeoutMs);
      request.on("error", (error: NodeJS.ErrnoException) => {
        finish({ ok: false, error: `connection failed (${error.code ?? error.message})` });
      });
      request.end(payload);
    });
  }
}
