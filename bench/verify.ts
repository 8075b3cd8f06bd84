/**
 * Verification: verify-by-digest (POST /api/v1/verify with JSON {"sha256"}) of anchored documents
 * at a fixed number of concurrent clients for a fixed time. The reference, in the same run and at
 * the same concurrency, is the status lookup GET /api/v1/documents/{sha256}, which reads the store
 * only: the difference is the cost of checking against the chain.
 */
import { randomInt } from "node:crypto";
import type { Sha256Hex } from "../server/proof/digest";
import { runLoad, type LoadResult } from "./lib/load";
import { percentile } from "./lib/stats";

export interface VerifyFigures {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface VerifyResult {
  concurrency: number;
  durationMs: number;
  verify: VerifyFigures;
  lookup: VerifyFigures;
}

function figures(load: LoadResult): VerifyFigures {
  return {
    requests: load.requests,
    requestsPerSecond: load.requests / (load.elapsedMs / 1000),
    p50Ms: percentile(load.latenciesMs, 50),
    p99Ms: percentile(load.latenciesMs, 99),
  };
}

export async function benchVerify(
  baseUrl: string,
  anchored: readonly Sha256Hex[],
  options: { concurrency: number; durationMs: number },
): Promise<VerifyResult> {
  const pick = () => anchored[randomInt(anchored.length)];
  const verify = await runLoad({
    baseUrl,
    concurrency: options.concurrency,
    durationMs: options.durationMs,
    next: () => ({ method: "POST", path: "/api/v1/verify", json: { sha256: pick() } }),
    check: (status, body) => (status === 200 && body.includes('"valid":true')) || `status ${status}: ${body}`,
  });
  if (verify.failures > 0) throw new Error(`${verify.failures} verifications failed: ${verify.firstFailure}`);
  const lookup = await runLoad({
    baseUrl,
    concurrency: options.concurrency,
    durationMs: options.durationMs,
    next: () => ({ method: "GET", path: `/api/v1/documents/${pick()}` }),
    check: (status, body) => (status === 200 && body.includes('"status":"anchored"')) || `status ${status}: ${body}`,
  });
  if (lookup.failures > 0) throw new Error(`${lookup.failures} lookups failed: ${lookup.firstFailure}`);
  return {
    concurrency: options.concurrency,
    durationMs: options.durationMs,
    verify: figures(verify),
    lookup: figures(lookup),
  };
}
