/**
 * Verification by digest at 50 concurrent clients: `POST /api/v1/verify` with JSON {"sha256"} of
 * documents the index of the whole registry holds, so the service answers without calling the node
 * (the verdict names the block it states, `checkedAt`). Documents are picked at random, so most are
 * verified for the first time during the run.
 *
 * References in the same run, same clients (autocannon in this process), same connections and
 * duration: the floor, a bare Node `http` server in its own process answering a fixed JSON body of
 * the verdict's size; and the store-only status lookup `GET /api/v1/documents/{sha256}`.
 *
 * Then the service is restarted on the same data under `node --cpu-prof` and loaded again, to show
 * where its time goes.
 */
import { randomBytes, randomInt } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Sha256Hex } from "../server/proof/digest";
import { freePort, ManagedProcess } from "../test/support/processes";
import { cannon, type LoadFigures } from "./lib/cannon";
import { runLoad } from "./lib/load";
import { profileIn, summariseProfile, type ProfileSummary } from "./lib/profile";
import { startService, tail, waitForAnchored, waitForIndex, type BenchChain, type BenchService } from "./lib/stack";

const TS_NODE = require.resolve("ts-node/dist/bin.js");

export interface VerifySettings {
  documents: number;
  connections: number;
  durationS: number;
  /** Seconds of load on the profiled service. */
  profileS: number;
}

export interface VerifyResult {
  documents: number;
  batches: number;
  indexedTo: number;
  connections: number;
  durationS: number;
  verify: LoadFigures;
  /** Documents verified at least once during the verification load (the first of each was uncached). */
  firstVerifications: number;
  lookup: LoadFigures;
  floor: LoadFigures;
  /** Bytes of the verdict, and so of the floor's fixed body. */
  verdictBytes: number;
  /** The profiled service: its figures under the profiler, the profile of that load and its GC pauses. */
  profiled: { verify: LoadFigures; profile: ProfileSummary; gc: GcPauses };
}

/** Garbage-collection pauses of the service's main thread during a load, from `node --trace-gc`. */
export interface GcPauses {
  scavenges: number;
  scavengeMedianMs: number;
  scavengeMaxMs: number;
  /** Full collections: Mark-Compact (and Mark-Sweep, for older V8s). */
  full: number;
  fullMaxMs: number;
  /** Share of the load's wall time the main thread was paused for them. */
  pausedShare: number;
}

/** The pauses `--trace-gc` printed between `fromMs` and `toMs` after the process started. */
export function gcPauses(log: string, fromMs: number, toMs: number): GcPauses {
  const scavenges: number[] = [];
  const full: number[] = [];
  // e.g. "[123:0x55d0]     4845 ms: Scavenge 108.2 (143.1) -> 91.3 (139.4) MB, 2.32 / 0.12 ms  (..."
  for (const match of log.matchAll(
    /^\[\d+:0x[0-9a-f]+\]\s+(\d+) ms: (Scavenge|Mark-Compact|Mark-Sweep)\b[^,]*, ([\d.]+) \//gm,
  )) {
    const atMs = Number(match[1]);
    if (atMs < fromMs || atMs > toMs) continue;
    (match[2] === "Scavenge" ? scavenges : full).push(Number(match[3]));
  }
  scavenges.sort((a, b) => a - b);
  const total = [...scavenges, ...full].reduce((sum, ms) => sum + ms, 0);
  return {
    scavenges: scavenges.length,
    scavengeMedianMs: scavenges[scavenges.length >> 1] ?? 0,
    scavengeMaxMs: scavenges.at(-1) ?? 0,
    full: full.length,
    fullMaxMs: Math.max(0, ...full),
    pausedShare: total / Math.max(1, toMs - fromMs),
  };
}

const randomSha256 = () => randomBytes(32).toString("hex") as Sha256Hex;

export async function benchVerify(chain: BenchChain, settings: VerifySettings): Promise<VerifyResult> {
  const digests = Array.from({ length: settings.documents }, randomSha256);
  // The rate limiters run (their cost is part of every request) with limits this load never reaches.
  const service = await startService(chain, { rateLimits: "active" });
  let profiledService: BenchService | undefined;
  const profileDir = mkdtempSync(path.join(tmpdir(), "docproof-profile-"));
  try {
    // Anchored in lists of 10,000, then the index must have followed the chain past the last batch.
    let next = 0;
    const load = await runLoad({
      baseUrl: service.baseUrl,
      concurrency: 2,
      next: () =>
        next < digests.length
          ? { method: "POST", path: "/api/v1/documents", json: { sha256: digests.slice(next, (next += 10_000)) } }
          : undefined,
      check: (status) => status === 202 || `status ${status}`,
    });
    if (load.failures > 0) throw new Error(`notarizing failed: ${load.firstFailure}\n${tail(service.log())}`);
    await waitForAnchored(service, digests.length);
    const head = await chain.provider.getBlockNumber();
    await waitForIndex(service, head);
    const batches = Number(
      (await (await fetch(`${service.baseUrl}/metrics`)).text()).match(/^docproof_batch_size_count (\d+)$/m)?.[1],
    );

    // Every answer of the load is checked for `"valid":true`; a sample first for the index's block too.
    const sample = await verdict(service.baseUrl, digests[0]);
    if (sample.json.checkedAt === undefined) {
      throw new Error(`the verdict does not come from the index: ${sample.text}`);
    }
    const pick = () => digests[randomInt(digests.length)];
    const verified = new Set<string>();
    const verifyBody = () => {
      const sha256 = pick();
      verified.add(sha256);
      return JSON.stringify({ sha256 });
    };
    const common = { connections: settings.connections, durationS: settings.durationS };
    const pids = { service: service.pid, node: chain.node.pid };
    const verify = await cannon({
      ...common,
      url: `${service.baseUrl}/api/v1/verify`,
      method: "POST",
      headers: { "content-type": "application/json" },
      nextBody: verifyBody,
      verifyBody: (body) => body.includes('"valid":true'),
      pids,
    });
    const firstVerifications = verified.size;
    const lookup = await cannon({
      ...common,
      url: `${service.baseUrl}/api/v1/documents`,
      nextPath: () => `/api/v1/documents/${pick()}`,
      verifyBody: (body) => body.includes('"status":"anchored"'),
      pids,
    });
    const floor = await floorLoad(sample.text, { ...common, nextBody: verifyBody });

    await service.stop();
    profiledService = await startService(chain, {
      dataDir: service.dataDir,
      indexFromBlock: service.indexFromBlock,
      rateLimits: "active",
      nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, "--trace-gc"],
    });
    const profiledStart = performance.now();
    const profiledVerify = await cannon({
      connections: settings.connections,
      durationS: settings.profileS,
      url: `${profiledService.baseUrl}/api/v1/verify`,
      method: "POST",
      headers: { "content-type": "application/json" },
      nextBody: verifyBody,
      verifyBody: (body) => body.includes('"valid":true'),
      pids: { service: profiledService.pid },
    });
    const profiledEnd = performance.now();
    await profiledService.stop();
    const window = { fromMs: profiledStart - profiledService.startedAt, toMs: profiledEnd - profiledService.startedAt };
    const profile = summariseProfile(profileIn(profileDir), window);
    const gc = gcPauses(profiledService.log(), window.fromMs, window.toMs);
    return {
      documents: digests.length,
      batches,
      indexedTo: head,
      connections: settings.connections,
      durationS: settings.durationS,
      verify,
      firstVerifications,
      lookup,
      floor,
      verdictBytes: Buffer.byteLength(sample.text),
      profiled: { verify: profiledVerify, profile, gc },
    };
  } finally {
    await service.stop();
    await profiledService?.stop();
    service.removeData();
    profiledService?.removeData();
    rmSync(profileDir, { recursive: true, force: true });
  }
}

async function verdict(baseUrl: string, sha256: string): Promise<{ text: string; json: { checkedAt?: unknown } }> {
  const response = await fetch(`${baseUrl}/api/v1/verify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sha256 }),
  });
  const text = await response.text();
  const json = JSON.parse(text) as { valid?: boolean; checkedAt?: unknown };
  if (response.status !== 200 || json.valid !== true) throw new Error(`verification failed: ${text}`);
  return { text, json };
}

/** The bare Node server answering `body`, loaded with the same requests as the service. */
async function floorLoad(
  body: string,
  load: { connections: number; durationS: number; nextBody: () => string },
): Promise<LoadFigures> {
  const port = await freePort();
  const server = new ManagedProcess(process.execPath, [TS_NODE, "bench/lib/floor-server.ts"], {
    env: { ...process.env, FLOOR_PORT: String(port), FLOOR_BODY: body, TS_NODE_TRANSPILE_ONLY: "true" },
  });
  try {
    const url = `http://127.0.0.1:${port}/api/v1/verify`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (server.hasExited) throw new Error(`the floor server exited:\n${server.log}`);
      if (Date.now() > deadline) throw new Error(`the floor server did not answer:\n${server.log}`);
      const answered = await fetch(url, { method: "POST", body: "{}" }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (answered) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return await cannon({
      ...load,
      url,
      method: "POST",
      headers: { "content-type": "application/json" },
      verifyBody: (answer) => answer.includes('"valid":true'),
      pids: { service: server.pid },
    });
  } finally {
    await server.stop();
  }
}
