import { openAsBlob } from "node:fs";
import path from "node:path";
import type { DocumentView } from "../api/wire";
import type { Sha256Hex } from "../proof/digest";
import type { Verdict } from "../proof/verification";
import { problemCode } from "../api/problem-type";
import { CliError, networkCause } from "./cli-error";

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

/** The notarization service's HTTP API (v1), as the CLI uses it. */
export class ServiceClient {
  private readonly base: string;

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

  /** Sends only the digest: the document never leaves this machine. */
  submitDigest(sha256: Sha256Hex): Promise<DocumentView> {
    return this.request("POST", "/api/v1/documents", { json: { sha256 }, authorized: true });
  }

  /** Uploads the document, streamed from disk; the service hashes it and keeps neither it nor a copy. */
  async upload(filePath: string): Promise<DocumentView> {
    const form = new FormData();
    form.append("file", await openAsBlob(filePath), path.basename(filePath));
    return this.request("POST", "/api/v1/documents", { form, authorized: true });
  }

  document(sha256: Sha256Hex): Promise<DocumentView> {
    return this.request("GET", `/api/v1/documents/${sha256}`, {});
  }

  verify(sha256: Sha256Hex, receipt?: unknown): Promise<Verdict> {
    return this.request("POST", "/api/v1/verify", { json: receipt === undefined ? { sha256 } : { sha256, receipt } });
  }

  private async request<T>(
    method: string,
    route: string,
    body: { json?: unknown; form?: FormData; authorized?: boolean },
  ): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body.authorized && this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`;
    if (body.json !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(`${this.base}${route}`, {
        method,
        headers,
        body: body.form ?? (body.json === undefined ? undefined : JSON.stringify(body.json)),
      });
    } catch (error) {
      throw new CliError("unreachable", `Cannot reach the service at ${this.base} (${networkCause(error)}).`, {
        cause: error,
      });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CliError(
        "service-error",
        `${this.base} answered ${response.status} with something other than JSON: is it a Docproof service?`,
      );
    }
    if (!response.ok) {
      const problem = parsed as { type?: string; detail?: string; title?: string };
      const type = problemCode(problem.type) ?? "unknown";
      throw new ServiceProblem(type, response.status, problem.detail ?? problem.title ?? `HTTP ${response.status}`);
    }
    return parsed as T;
  }
}
