import http from "node:http";

export interface LoadRequest {
  method: "GET" | "POST";
  path: string;
  /** A JSON body, sent with Content-Type application/json. */
  json?: unknown;
}

export interface LoadResult {
  requests: number;
  /** Latency of each request, in ms, in completion order. */
  latenciesMs: number[];
  /** Status codes and how often each came. */
  statuses: Record<number, number>;
  /** Requests whose answer `check` refused, or that failed at the socket. */
  failures: number;
  firstFailure?: string;
  elapsedMs: number;
}

export interface LoadOptions {
  baseUrl: string;
  concurrency: number;
  /** The next request to send, or undefined when there is no more work. */
  next: () => LoadRequest | undefined;
  /** Stop sending after this long (ms), if set. */
  durationMs?: number;
  /** Called with each answer; returns false (or a reason) to count it as a failure. */
  check?: (status: number, body: string, request: LoadRequest) => boolean | string;
}

/**
 * A closed-loop client pool: `concurrency` workers on keep-alive connections, each sending its next
 * request as soon as the previous one is answered. Latency is measured per request, from write to
 * the end of the response body.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const result: LoadResult = { requests: 0, latenciesMs: [], statuses: {}, failures: 0, elapsedMs: 0 };
  const started = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : started + options.durationMs;

  const send = (request: LoadRequest) =>
    new Promise<void>((resolve) => {
      const body = request.json === undefined ? undefined : Buffer.from(JSON.stringify(request.json));
      const t0 = performance.now();
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method: request.method,
          path: request.path,
          agent,
          headers: body === undefined ? {} : { "content-type": "application/json", "content-length": body.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            result.latenciesMs.push(performance.now() - t0);
            result.requests++;
            const status = res.statusCode ?? 0;
            result.statuses[status] = (result.statuses[status] ?? 0) + 1;
            const verdict = options.check?.(status, Buffer.concat(chunks).toString("utf8"), request) ?? true;
            if (verdict !== true) {
              result.failures++;
              result.firstFailure ??= typeof verdict === "string" ? verdict : `status ${status}`;
            }
            resolve();
          });
        },
      );
      req.on("error", (error) => {
        result.requests++;
        result.failures++;
        result.firstFailure ??= error.message;
        resolve();
      });
      req.end(body);
    });

  const worker = async () => {
    for (;;) {
      if (performance.now() >= deadline) return;
      const request = options.next();
      if (request === undefined) return;
      await send(request);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  result.elapsedMs = performance.now() - started;
  agent.destroy();
  return result;
}
