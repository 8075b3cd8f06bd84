/**
 * The Time-Stamp Authority over HTTP: tokens per second at 50 concurrent clients (autocannon,
 * `POST /tsa` with one fixed DER TimeStampReq; its nonce repeats, which does not matter for
 * throughput) and p99, against the reference in the same run: the same issuer
 * (server/timestamp/time-stamp-authority.ts) signing in this process on one thread.
 *
 * Switched off by itself when the service has no `POST /tsa` (it answers 404): the reference is
 * still measured and the HTTP figure reported as not available.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as pkijs from "pkijs";
import type { Sha256Hex } from "../server/proof/digest";
import { CounterSerialSource } from "../server/timestamp/serial-source";
import { TimeStampAuthority } from "../server/timestamp/time-stamp-authority";
import { buildTimeStampQuery } from "../server/timestamp/time-stamp-query";
import { ensureLocalTsa, loadTsaCredentials } from "../server/tsa/tsa-credentials";
import { cannon, type LoadFigures } from "./lib/cannon";
import { startService, type BenchChain } from "./lib/stack";

export interface TsaResult {
  /** Tokens per second signed in this process, one after another. */
  inProcessPerSecond: number;
  /** Bytes of one reply (a granted token). */
  replyBytes: number;
  /** Undefined when the service has no POST /tsa. */
  http?: LoadFigures;
}

const QUERY_TYPE = "application/timestamp-query";

function granted(reply: Uint8Array): boolean {
  const response = pkijs.TimeStampResp.fromBER(reply);
  // PKIStatus 0 (granted) or 1 (grantedWithMods), with a token.
  return response.status.status <= 1 && response.timeStampToken !== undefined;
}

export async function benchTsa(
  chain: BenchChain,
  options: { connections: number; durationS: number; inProcessS: number },
): Promise<TsaResult> {
  const query = buildTimeStampQuery("ab".repeat(32) as Sha256Hex).der;
  const reference = await inProcess(chain, query, options.inProcessS);

  const service = await startService(chain, { rateLimits: "active" });
  try {
    const probe = await fetch(`${service.baseUrl}/tsa`, {
      method: "POST",
      headers: { "content-type": QUERY_TYPE },
      body: query,
    });
    if (probe.status === 404) return reference;
    const reply = new Uint8Array(await probe.arrayBuffer());
    if (probe.status !== 200 || !granted(reply)) {
      throw new Error(`POST /tsa answered ${probe.status} without a granted token`);
    }
    const http = await cannon({
      url: `${service.baseUrl}/tsa`,
      connections: options.connections,
      durationS: options.durationS,
      method: "POST",
      headers: { "content-type": QUERY_TYPE },
      body: Buffer.from(query),
      pids: { service: service.pid, node: chain.node.pid },
    });
    return { ...reference, replyBytes: reply.length, http };
  } finally {
    await service.stop();
    service.removeData();
  }
}

/** The issuer alone: tokens signed one after another for `seconds`. */
async function inProcess(
  chain: BenchChain,
  query: Uint8Array,
  seconds: number,
): Promise<{ inProcessPerSecond: number; replyBytes: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), "docproof-tsa-"));
  try {
    const files = await ensureLocalTsa(dir);
    const credentials = await loadTsaCredentials(files);
    const authority = TimeStampAuthority.create({
      credentials,
      serials: new CounterSerialSource(),
      anchoring: { chainId: chain.chainId, registry: chain.registryAddress },
    });
    const first = await authority.issueTimeStamp(query);
    if (first.granted === undefined) throw new Error(`the issuer refused the query: ${first.rejected?.reason}`);
    const started = performance.now();
    let tokens = 0;
    while (performance.now() - started < seconds * 1000) {
      await authority.issueTimeStamp(query);
      tokens++;
    }
    return {
      inProcessPerSecond: tokens / ((performance.now() - started) / 1000),
      replyBytes: first.response.length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
