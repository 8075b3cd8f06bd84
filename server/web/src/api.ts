/** The service's HTTP API as the page uses it. Every failure becomes an ApiError with the problem's code. */
import { problemCode } from "../../api/problem-type";
import type { DocumentPage, DocumentView, ListedDocument, Registrars, ServiceInfo, Verdict } from "../../api/wire";

export type { DocumentPage, DocumentView, ListedDocument, Registrars, ServiceInfo, Verdict };

/** An RFC 9457 problem answered by the service, or a network failure (code "network"). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

async function problemOf(response: Response): Promise<ApiError> {
  try {
    const problem = (await response.json()) as { type?: string; title?: string; detail?: string };
    const code = problemCode(problem.type) ?? "http";
    return new ApiError(code, problem.detail ?? problem.title ?? response.statusText, response.status);
  } catch {
    return new ApiError("http", `The service answered ${response.status} ${response.statusText}.`, response.status);
  }
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError("network", "The service cannot be reached.");
  }
  if (!response.ok) throw await problemOf(response);
  return (await response.json()) as T;
}

function jsonRequest(body: unknown, apiKey?: string): RequestInit {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return { method: "POST", headers, body: JSON.stringify(body) };
}

function keyed(apiKey?: string): RequestInit {
  return apiKey ? { headers: { authorization: `Bearer ${apiKey}` } } : {};
}

export const serviceInfo = () => call<ServiceInfo>("/api/v1/info");

export const documentStatus = (sha256: string) => call<DocumentView>(`/api/v1/documents/${sha256}`);

export const submitDigest = (sha256: string, apiKey?: string) =>
  call<DocumentView>("/api/v1/documents", jsonRequest({ sha256 }, apiKey));

/** Revokes, as the service's registrar, with a reason named in docs/revocation-reasons.md. */
export const revokeDocument = (sha256: string, reason: string, apiKey?: string) =>
  call<DocumentView>(`/api/v1/documents/${sha256}/revoke`, jsonRequest({ reason }, apiKey));

/** Filters of the service's list; times are ISO 8601 or Unix seconds. */
export interface ListFilters {
  status?: "anchored" | "revoked" | "pending";
  registrar?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

export function listDocuments(filters: ListFilters, apiKey?: string): Promise<DocumentPage> {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    if (value !== undefined && value !== "") query.set(name, String(value));
  }
  return call<DocumentPage>(`/api/v1/documents?${query.toString()}`, keyed(apiKey));
}

export const registrars = () => call<Registrars>("/api/v1/registrars");

export const verifyDigest = (sha256: string, receipt?: unknown) =>
  call<Verdict>("/api/v1/verify", jsonRequest(receipt === undefined ? { sha256 } : { sha256, receipt }));

/**
 * Uploads a file as multipart. XMLHttpRequest, not fetch, because only it reports upload progress;
 * the browser streams the file from disk.
 */
export function uploadDocument(
  file: File,
  apiKey: string | undefined,
  onProgress: (sent: number, total: number) => void,
): Promise<DocumentView> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", "/api/v1/documents");
    if (apiKey) request.setRequestHeader("authorization", `Bearer ${apiKey}`);
    request.responseType = "text";
    request.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    request.onerror = () =>
      reject(new ApiError("network", "The upload was interrupted: the service cannot be reached."));
    request.onload = () => {
      const response = new Response(request.responseText, {
        status: request.status,
        statusText: request.statusText,
        headers: { "content-type": request.getResponseHeader("content-type") ?? "" },
      });
      if (response.ok) resolve(response.json() as Promise<DocumentView>);
      else problemOf(response).then(reject, reject);
    };
    // The service never uses the file's name, so it is not sent: names stay in this browser.
    const form = new FormData();
    form.append("file", file, "document");
    request.send(form);
  });
}
