/**
 * Time-stamps over HTTP: RFC 3161 queries (each for a different SHA-256) POSTed to the service's
 * /tsa by autocannon at 50 connections for 20 s, against the service as its own process on a
 * Hardhat node. Each granted token was signed, its imprint queued for anchoring and the token kept
 * before it was sent; the queue is anchored meanwhile, as in production.
 *
 *   npx hardhat run bench/time-stamps.ts      (TSA_BENCH_SECONDS, TSA_BENCH_CONNECTIONS to vary)
 *
 * Not yet part of `npm run bench`: it prints its figures and writes nothing.
 */
import { randomBytes } from "node:crypto";
import type { Sha256Hex } from "../server/proof/digest";
import { buildTimeStampQuery } from "../server/timestamp/time-stamp-query";
import { decodeTimeStampReply } from "../server/timestamp/token-verification";
import { processCpuMs } from "./lib/rss";
import { metric, startChain, startService } from "./lib/stack";

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}

type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon ships without type declarations; this is the part used here.
const autocannon = require("autocannon") as Autocannon;

const QUERIES = 5_000;

async function main() {
  const seconds = Number(process.env.TSA_BENCH_SECONDS ?? 20);
  const connections = Number(process.env.TSA_BENCH_CONNECTIONS ?? 50);
  const queries = Array.from({ length: QUERIES }, () =>
    Buffer.from(buildTimeStampQuery(randomBytes(32).toString("hex") as Sha256Hex).der),
  );
  const chain = await startChain();
  const service = await startService(chain);
  try {
    const url = `${service.baseUrl}/tsa`;
    // One token first: the reply is checked, so the run measures tokens, not refusals.
    const probe = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/timestamp-query" },
      body: queries[0],
    });
    const status = decodeTimeStampReply(new Uint8Array(await probe.arrayBuffer())).statusName;
    if (status !== "granted") throw new Error(`the TSA answered ${status}`);

    let next = 1;
    const cpuBefore = processCpuMs(service.pid);
    const result = await autocannon({
      url,
      connections,
      duration: seconds,
      method: "POST",
      headers: { "content-type": "application/timestamp-query" },
      requests: [{ setupRequest: (request: object) => ({ ...request, body: queries[next++ % QUERIES] }) }],
    });
    const cpuShare = (processCpuMs(service.pid) - cpuBefore) / (result.duration * 1000);
    const granted = await metric(service.baseUrl, 'docproof_time_stamps_total{outcome="granted"}');
    const failed = await metric(service.baseUrl, 'docproof_time_stamps_total{outcome="failed"}');
    const accepted = await metric(service.baseUrl, "docproof_documents_accepted_total");
    console.log(
      JSON.stringify(
        {
          connections,
          seconds: result.duration,
          requests: result.requests.total,
          tokensPerSecond: result.requests.average,
          latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          granted,
          failed,
          imprintsQueued: accepted,
          serviceCpuShare: Number(cpuShare.toFixed(2)),
        },
        null,
        2,
      ),
    );
  } finally {
    await service.stop();
    service.removeData();
    await chain.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
