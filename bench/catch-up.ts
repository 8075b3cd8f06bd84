/**
 * Catching up the index: a registry holding `batches` anchorings of `batchSize` documents each
 * (anchored directly on Anvil with the registrar's key, several transactions in flight), then a
 * service started on an empty DATA_DIR that follows it from block 0: timed from its first answer
 * on /healthz until `GET /api/v1/registrars` says `indexedTo` ≥ the head.
 *
 * The reference, on the same node in the same run: the node serving the same data straight to a
 * client, `eth_getLogs` over the range (the service's filter) and `eth_getTransactionByHash` of
 * every anchoring, 8 requests at a time; and the same one request at a time, as the service reads
 * the transactions. Then the catch-up again under `node --cpu-prof`, to show where the time goes.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { profileIn, summariseProfile, type ProfileSummary } from "./lib/profile";
import { startPhase, type PhaseShares } from "./lib/rss";
import { rpc, startChain, startService, waitForIndex, type BenchChain } from "./lib/stack";
import { sendAll, signCalls } from "./bulk";
import { batchCalldata } from "./lib/batches";
import { useWasmKeccak } from "../server/proof/wasm-keccak";

export interface CatchUpSettings {
  batches: number;
  batchSize: number;
  /** Anchoring transactions in flight while the registry is filled. */
  inFlight: number;
}

export interface RawRead {
  ms: number;
  logs: number;
  transactions: number;
  /** Bytes of JSON the node answered. */
  bytes: number;
}

export interface CatchUpResult {
  batches: number;
  batchSize: number;
  documents: number;
  blocks: number;
  fillMs: number;
  catchUpMs: number;
  blocksPerSecond: number;
  docsPerSecond: number;
  shares: PhaseShares;
  /** The node alone: 8 requests at a time, and one at a time. */
  raw: RawRead;
  rawSerial: RawRead;
  /** The profiled catch-up: its time under the profiler, and where it went. */
  profiled: { catchUpMs: number; profile: ProfileSummary };
}

/** The events the service's index reads (server/chain/registry-client.ts eventsBetween). */
const INDEXED_EVENTS = [
  "DocumentAnchored",
  "BatchAnchored",
  "DocumentRevoked",
  "OrganisationRecorded",
  "RoleGranted",
  "RoleRevoked",
] as const;

export async function benchCatchUp(settings: CatchUpSettings): Promise<CatchUpResult> {
  const chain = await startChain();
  try {
    const fillStart = performance.now();
    await fill(chain, settings);
    const fillMs = performance.now() - fillStart;
    const head = await chain.provider.getBlockNumber();

    const raw = await readRaw(chain, head, 8);
    const rawSerial = await readRaw(chain, head, 1);

    const documents = settings.batches * settings.batchSize;
    const measured = await catchUp(chain, head, documents);
    const profileDir = mkdtempSync(path.join(tmpdir(), "docproof-profile-"));
    let profiled: CatchUpResult["profiled"];
    try {
      const run = await catchUp(chain, head, documents, ["--cpu-prof", `--cpu-prof-dir=${profileDir}`]);
      profiled = { catchUpMs: run.ms, profile: summariseProfile(profileIn(profileDir), run.window) };
    } finally {
      rmSync(profileDir, { recursive: true, force: true });
    }
    return {
      batches: settings.batches,
      batchSize: settings.batchSize,
      documents,
      blocks: head + 1,
      fillMs,
      catchUpMs: measured.ms,
      blocksPerSecond: (head + 1) / (measured.ms / 1000),
      docsPerSecond: documents / (measured.ms / 1000),
      shares: measured.shares,
      raw,
      rawSerial,
      profiled,
    };
  } finally {
    await chain.stop();
  }
}

/** Anchors the batches directly, signing ahead in slices so memory stays bounded. */
async function fill(chain: BenchChain, settings: CatchUpSettings): Promise<void> {
  await useWasmKeccak();
  const slice = 100;
  for (let done = 0; done < settings.batches; done += slice) {
    const calldata: string[] = [];
    for (let i = done; i < Math.min(settings.batches, done + slice); i++) {
      const digests = Array.from({ length: settings.batchSize }, () => randomBytes(32));
      calldata.push(batchCalldata(digests));
    }
    await sendAll(chain.rpcUrl, await signCalls(chain, calldata), settings.inFlight);
  }
}

/** The logs of the whole range and every anchoring transaction, `concurrency` requests at a time. */
async function readRaw(chain: BenchChain, head: number, concurrency: number): Promise<RawRead> {
  const events = chain.contract.interface;
  const topics = INDEXED_EVENTS.map((name) => events.getEvent(name)!.topicHash);
  const batchTopic = events.getEvent("BatchAnchored")!.topicHash;
  let bytes = 0;
  const call = async (method: string, params: unknown[]) => {
    const response = await fetch(chain.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const text = await response.text();
    bytes += text.length;
    const body = JSON.parse(text) as { result?: unknown; error?: { message: string } };
    if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  };
  const started = performance.now();
  const logs = (await call("eth_getLogs", [
    { address: chain.registryAddress, fromBlock: "0x0", toBlock: `0x${head.toString(16)}`, topics: [topics] },
  ])) as { topics: string[]; transactionHash: string }[];
  const hashes = [...new Set(logs.filter((log) => log.topics[0] === batchTopic).map((log) => log.transactionHash))];
  let next = 0;
  const worker = async () => {
    while (next < hashes.length) {
      const tx = (await call("eth_getTransactionByHash", [hashes[next++]])) as { input: string } | null;
      if (tx === null) throw new Error("a transaction the logs name is missing");
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ms: performance.now() - started, logs: logs.length, transactions: hashes.length, bytes };
}

/** A service on an empty DATA_DIR, from its first answer until its index reaches `head`. */
async function catchUp(chain: BenchChain, head: number, expectedDocuments: number, nodeArgs: string[] = []) {
  // The index's first step starts 50 ms after the service listens instead of a second.
  const service = await startService(chain, { env: { INDEX_INTERVAL_MS: "50" }, indexFromBlock: 0, nodeArgs });
  try {
    const end = startPhase({ service: service.pid, node: chain.node.pid });
    const started = performance.now();
    const reached = await waitForIndex(service, head);
    const shares = end();
    const directory = (await (await fetch(`${service.baseUrl}/api/v1/registrars`)).json()) as {
      registrars: { documents: number }[];
    };
    const documents = directory.registrars.reduce((sum, r) => sum + r.documents, 0);
    if (documents !== expectedDocuments)
      throw new Error(`the index holds ${documents} documents, not ${expectedDocuments}`);
    const expected = Number(await rpc<string>(chain.rpcUrl, "eth_blockNumber"));
    if (expected !== head) throw new Error(`the chain moved during the catch-up: ${head} → ${expected}`);
    return {
      ms: reached - started,
      documents,
      shares,
      window: { fromMs: started - service.startedAt, toMs: reached - service.startedAt },
    };
  } finally {
    await service.stop();
    service.removeData();
  }
}
