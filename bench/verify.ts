/**
 * Verification: verify-by-digest (POST /api/v1/verify with JSON {"sha256"}) of anchored documents
 * at a fixed number of concurrent clients for a fixed time. The reference, in the same run and at
 * the same concurrency, is the status lookup GET /api/v1/documents/{sha256}, which reads the store
 * only: the difference is the cost of checking against the chain. A second reference is that check
 * alone: the registry's `verify` view called on the node directly, at the same concurrency.
 */
import { randomInt } from "node:crypto";
import type { Sha256Hex } from "../server/proof/digest";
import { runLoad, type LoadResult } from "./lib/load";
import type { ReceiptV1 } from "../server/proof/receipt";
import { processCpuMs } from "./lib/rss";
import type { BenchChain } from "./lib/stack";
import { percentile } from "./lib/stats";

export interface VerifyFigures {
  /** CPU time over wall time of the service and of the chain node while it ran. */
  serviceCpuShare: number;
  chainCpuShare: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface VerifyResult {
  concurrency: number;
  durationMs: number;
  verify: VerifyFigures;
  /** Verification requests that named a document for the first time in the run: none could be cached. */
  firstVerifications: number;
  lookup: VerifyFigures;
  /** The registry's `verify` view called on the node directly (eth_call), without the service. */
  chainCall: VerifyFigures;
}

/** Runs `load` and reads how much CPU the service and the node used meanwhile. */
async function measured(pids: { service: number; chain: number }, load: () => Promise<LoadResult>) {
  const service = processCpuMs(pids.service);
  const chain = processCpuMs(pids.chain);
  const result = await load();
  return {
    result,
    serviceCpuShare: (processCpuMs(pids.service) - service) / result.elapsedMs,
    chainCpuShare: (processCpuMs(pids.chain) - chain) / result.elapsedMs,
  };
}

function figures({
  result: load,
  serviceCpuShare,
  chainCpuShare,
}: Awaited<ReturnType<typeof measured>>): VerifyFigures {
  return {
    serviceCpuShare,
    chainCpuShare,
    requests: load.requests,
    requestsPerSecond: load.requests / (load.elapsedMs / 1000),
    p50Ms: percentile(load.latenciesMs, 50),
    p99Ms: percentile(load.latenciesMs, 99),
  };
}

export async function benchVerify(
  baseUrl: string,
  chain: BenchChain,
  pids: { service: number; chain: number },
  anchored: readonly Sha256Hex[],
  options: { concurrency: number; durationMs: number },
): Promise<VerifyResult> {
  const pick = () => anchored[randomInt(anchored.length)];
  const verified = new Set<string>();
  const pickForVerify = () => {
    const sha256 = pick();
    verified.add(sha256);
    return sha256;
  };
  const verifyRun = await measured(pids, () =>
    runLoad({
      baseUrl,
      concurrency: options.concurrency,
      durationMs: options.durationMs,
      next: () => ({ method: "POST", path: "/api/v1/verify", json: { sha256: pickForVerify() } }),
      check: (status, body) => (status === 200 && body.includes('"valid":true')) || `status ${status}: ${body}`,
    }),
  );
  const verify = verifyRun.result;
  if (verify.failures > 0) throw new Error(`${verify.failures} verifications failed: ${verify.firstFailure}`);
  const lookupRun = await measured(pids, () =>
    runLoad({
      baseUrl,
      concurrency: options.concurrency,
      durationMs: options.durationMs,
      next: () => ({ method: "GET", path: `/api/v1/documents/${pick()}` }),
      check: (status, body) => (status === 200 && body.includes('"status":"anchored"')) || `status ${status}: ${body}`,
    }),
  );
  const lookup = lookupRun.result;
  if (lookup.failures > 0) throw new Error(`${lookup.failures} lookups failed: ${lookup.firstFailure}`);

  // The node's side alone: the same view call the service makes, for a sample of the documents.
  const calls: string[] = [];
  for (const sha256 of anchored.slice(0, 500)) {
    const view = (await (await fetch(`${baseUrl}/api/v1/documents/${sha256}`)).json()) as { receipt: ReceiptV1 };
    const { merkleRoot, proof } = view.receipt;
    calls.push(chain.contract.interface.encodeFunctionData("verify", [`0x${sha256}`, merkleRoot, proof]));
  }
  const to = chain.registry.address;
  const chainCallRun = await measured(pids, () =>
    runLoad({
      baseUrl: chain.rpcUrl,
      concurrency: options.concurrency,
      durationMs: options.durationMs,
      next: () => ({
        method: "POST",
        path: "/",
        json: {
          jsonrpc: "2.0",
          id: 1,
          method: "eth_call",
          params: [{ to, data: calls[randomInt(calls.length)] }, "latest"],
        },
      }),
      check: (status, body) => (status === 200 && body.includes('"result"')) || `status ${status}: ${body}`,
    }),
  );
  if (chainCallRun.result.failures > 0) {
    throw new Error(`${chainCallRun.result.failures} eth_calls failed: ${chainCallRun.result.firstFailure}`);
  }
  return {
    concurrency: options.concurrency,
    durationMs: options.durationMs,
    verify: figures(verifyRun),
    firstVerifications: verified.size,
    lookup: figures(lookupRun),
    chainCall: figures(chainCallRun),
  };
}
