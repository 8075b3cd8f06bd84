import { openAsBlob } from "node:fs";
import path from "node:path";
import type { z } from "zod";
import { problemCode } from "../api/problem-type";
import {
  DocumentListSchema,
  DocumentViewSchema,
  ProblemSchema,
  ServiceInfoSchema,
  VerdictSchema,
  type DocumentList,
  type DocumentView,
  type Verdict,
} from "../api/wire";
import type { Sha256Hex } from "../proof/digest";
import { ReceiptV2Schema, type ReceiptV2 } from "../proof/receipt-v2";
import { CliError, networkCause } from "./cli-error";

/** How much of an answer that is not the API's is quoted back. */
const QUOTED_CHARACTERS = 120;

/** An RFC 9457 problem the service answered; `problem` is the last part of its `type` (docs/errors.md). */
export class ServiceProblem extends CliError {
  constructor(
    readonly problem: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super("service-error", `The service answered ${status} (${problem}): ${detail}`);
  }
}

/** An answer in a few words: its status and the start of its body, on one line. */
function quoteAnswer(status: number, text: string): string {
  const body = text.replace(/\s+/g, " ").trim();
  if (body === "") return `${status} with an empty body`;
  return `${status}: ${body.length > QUOTED_CHARACTERS ? `${body.slice(0, QUOTED_CHARACTERS)}…` : body}`;
}

/**
 * The notarization service's HTTP API (v1), as the CLI uses it. Every answer is checked against the
 * wire schemas (server/api/wire.ts) before it is believed: a URL that is not a Docproof service
 * (a chain's JSON-RPC endpoint, a proxy's error page) is said to be one, never read as a verdict.
 */
export class ServiceClient {
  private readonly base: string;
  private identified: Promise<unknown> | undefined;

  constructor(
    baseUrl: string,
    private readonly apiKey?: string,
  ) {
    let parsed: URL;
    try {
      parsed = new URL(baseUrl);
    } catch {
      throw new CliError("usage", `--api must be the service's URL, such as http://127.0.0.1:3000; got "${baseUrl}".`);
    }
    this.base = parsed.href.replace(/\/+$/, "");
  }

  /** Sends only the digests, up to 10,000 in one request: the documents never leave this machine. */
  submitDigests(digests: readonly Sha256Hex[]): Promise<DocumentList> {
    return this.request("POST", "/api/v1/documents", DocumentListSchema, {
      json: { sha256: digests },
      authorized: true,
    });
  }

  /** Sends only the digest: the document never leaves this machine. */
  submitDigest(sha256: Sha256Hex): Promise<DocumentView> {
    return this.request("POST", "/api/v1/documents", DocumentViewSchema, { json: { sha256 }, authorized: true });
  }

  /**
   * Uploads the document, streamed from disk; the service hashes it and keeps neither it nor a copy.
   * The service is asked who it is first: a large file is not streamed to something else, which
   * may close the connection mid-upload instead of answering.
   */
  async upload(filePath: string): Promise<DocumentView> {
    this.identified ??= this.request("GET", "/api/v1/info", ServiceInfoSchema, {});
    await this.identified;
    const form = new FormData();
    form.append("file", await openAsBlob(filePath), path.basename(filePath));
    return this.request("POST", "/api/v1/documents", DocumentViewSchema, { form, authorized: true });
  }

  document(sha256: Sha256Hex): Promise<DocumentView> {
    return this.request("GET", `/api/v1/documents/${sha256}`, DocumentViewSchema, {});
  }

  /** The version 2 receipt: with the evidence to check it offline (the service builds it from the chain). */
  receiptV2(sha256: Sha256Hex): Promise<ReceiptV2> {
    return this.request("GET", `/api/v1/documents/${sha256}/receipt?version=2`, ReceiptV2Schema, {});
  }

  verify(sha256: Sha256Hex, receipt?: unknown): Promise<Verdict> {
    return this.request("POST", "/api/v1/verify", VerdictSchema, {
      json: receipt === undefined ? { sha256 } : { sha256, receipt },
    });
  }

  /**
   * Sends a DER TimeStampReq to the service's TSA (POST /tsa) and answers the DER TimeStampResp,
   * unread: the caller checks it. A problem+json answer is a ServiceProblem, anything else not a service.
   */
  async timeStamp(query: Uint8Array): Promise<Uint8Array> {
    const headers: Record<string, string> = {
      "content-type": "application/timestamp-query",
      accept: "application/timestamp-reply",
    };
    if (this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`;
    const response = await this.send("POST", "/tsa", headers, query);
    const type = (response.headers.get("content-type") ?? "").split(";")[0].trim();
    if (response.ok && type === "application/timestamp-reply") return new Uint8Array(await response.arrayBuffer());
    const text = await response.text();
    throw response.ok ? this.notAService(response.status, text) : this.failure(response.status, text);
  }

  /** Revokes the document as the API key's service (`reason`: a code or its name); answers the document revoked. */
  revoke(sha256: Sha256Hex, reason: number | string): Promise<DocumentView> {
    return this.request("POST", `/api/v1/documents/${sha256}/revoke`, DocumentViewSchema, {
      json: { reason },
      authorized: true,
    });
  }

  /** The certificate of notarization as PDF bytes, checked to be a PDF (its content is the caller's to check). */
  async certificate(sha256: Sha256Hex, options: { timeZone?: string; name?: string }): Promise<Uint8Array> {
    const query = new URLSearchParams();
    if (options.timeZone !== undefined) query.set("tz", options.timeZone);
    if (options.name !== undefined) query.set("name", options.name);
    const suffix = query.size === 0 ? "" : `?${query}`;
    const response = await this.send("GET", `/api/v1/documents/${sha256}/certificate.pdf${suffix}`, {
      accept: "application/pdf, application/problem+json",
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const isPdf = Buffer.from(bytes.subarray(0, 5)).toString("latin1") === "%PDF-";
    if (response.ok && isPdf && /^application\/pdf\b/.test(response.headers.get("content-type") ?? "")) return bytes;
    const text = Buffer.from(bytes).toString("utf8");
    if (response.ok) throw this.notAService(response.status, isPdf ? "a PDF without the PDF media type" : text);
    throw this.failure(response.status, text);
  }

  private async send(
    method: string,
    route: string,
    headers: Record<string, string>,
    body?: string | FormData | Uint8Array,
  ) {
    try {
      return await fetch(`${this.base}${route}`, { method, headers, body });
    } catch (error) {
      throw new CliError("unreachable", `Cannot reach the service at ${this.base} (${networkCause(error)}).`, {
        cause: error,
      });
    }
  }

  private async request<T>(
    method: string,
    route: string,
    schema: z.ZodType<T>,
    body: { json?: unknown; form?: FormData; authorized?: boolean },
  ): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body.authorized && this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`;
    if (body.json !== undefined) headers["content-type"] = "application/json";
    const response = await this.send(
      method,
      route,
      headers,
      body.form ?? (body.json === undefined ? undefined : JSON.stringify(body.json)),
    );
    const text = await response.text();
    if (!response.ok) throw this.failure(response.status, text);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw this.notAService(response.status, text);
    }
    const answer = schema.safeParse(parsed);
    if (!answer.success) throw this.notAService(response.status, text);
    return answer.data;
  }

  /** A refusal: the service's problem, or word that whatever answered is not a Docproof service. */
  private failure(status: number, text: string): CliError {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return this.notAService(status, text);
    }
    const problem = ProblemSchema.safeParse(parsed);
    const code = problem.success ? problemCode(problem.data.type) : undefined;
    if (!problem.success || code === undefined) return this.notAService(status, text);
    return new ServiceProblem(code, status, problem.data.detail);
  }

  private notAService(status: number, text: string): CliError {
    // A chain node answers JSON-RPC on any path: the usual mix-up of --api and --rpc.
    const hint = /"jsonrpc"\s*:/.test(text) ? "; for a chain's JSON-RPC endpoint, use --rpc" : "";
    return new CliError(
      "not-a-service",
      `${this.base} is not a Docproof service (it answered ${quoteAnswer(status, text)})${hint}.`,
    );
  }
}
