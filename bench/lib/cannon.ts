/**
 * autocannon (the HTTP load generator) as the benchmarks use it: a fixed number of connections for
 * a fixed time, each request built on the fly, and every response's latency kept (autocannon's own
 * histogram rounds to whole milliseconds).
 */
import type { EventEmitter } from "node:events";
import { startPhase, type PhaseShares } from "./rss";
import { percentile } from "./stats";

interface CannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

interface CannonOptions {
  url: string;
  connections: number;
  duration: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeout?: number;
  requests?: { setupRequest?: (request: CannonRequest) => CannonRequest }[];
  verifyBody?: (body: string) => boolean;
}

interface CannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}

type CannonInstance = EventEmitter & Promise<CannonResult>;
// autocannon ships no types.
const autocannon = require("autocannon") as (options: CannonOptions) => CannonInstance;

export interface LoadSpec {
  url: string;
  connections: number;
  durationS: number;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  /** A fixed body, or one per request. */
  body?: string | Buffer;
  nextBody?: () => string | Buffer;
  /** A fixed path (from `url`), or one per request. */
  nextPath?: () => string;
  /** Responses it refuses count as mismatches (and fail the run). */
  verifyBody?: (body: string) => boolean;
  /** Processes whose CPU time is read while the load runs. */
  pids?: Record<string, number>;
}

export interface LoadFigures {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  durationS: number;
  /** CPU and waiting for a core of each process in `pids` and of this client ("client"). */
  shares: PhaseShares;
}

/** Runs one load; throws if any request failed, timed out, answered non-2xx or failed `verifyBody`. */
export async function cannon(spec: LoadSpec): Promise<LoadFigures> {
  const latencies: number[] = [];
  const setupRequest =
    spec.nextBody === undefined && spec.nextPath === undefined
      ? undefined
      : (request: CannonRequest): CannonRequest => ({
          ...request,
          ...(spec.nextPath === undefined ? {} : { path: spec.nextPath() }),
          ...(spec.nextBody === undefined ? {} : { body: spec.nextBody() }),
        });
  const endPhase = startPhase(spec.pids ?? {});
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationS,
    method: spec.method ?? "GET",
    headers: spec.headers,
    body: spec.body,
    timeout: 30,
    ...(setupRequest === undefined ? {} : { requests: [{ setupRequest }] }),
    ...(spec.verifyBody === undefined ? {} : { verifyBody: spec.verifyBody }),
  });
  instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
  });
  const result = await instance;
  const shares = endPhase();
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0 || result.mismatches > 0) {
    throw new Error(
      `load on ${spec.url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx ` +
        `(${JSON.stringify(result.statusCodeStats)}), ${result.mismatches} bodies refused`,
    );
  }
  return {
    requests: latencies.length,
    requestsPerSecond: latencies.length / result.duration,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.reduce((max, value) => Math.max(max, value), 0),
    durationS: result.duration,
    shares,
  };
}
