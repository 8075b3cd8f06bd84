/**
 * Notarization throughput: distinct digests submitted concurrently as JSON to a service on a local
 * chain, then the time until every one is anchored. Checked from outside the service: every digest
 * must be in the calldata of exactly one anchoring transaction, and no batch may exceed BATCH_MAX.
 */
import { randomBytes } from "node:crypto";
import { DocumentStore } from "../server/store/document-store";
import type { Sha256Hex } from "../server/proof/digest";
import { runLoad } from "./lib/load";
import { metric, REGISTRAR, startService, type BenchChain, type BenchService } from "./lib/stack";
import { percentile } from "./lib/stats";

export interface NotarizeSettings {
  documents: number;
  batchMax: number;
  concurrency: number;
  batchIntervalMs?: number;
  /** Runs with the service still up once everything is anchored (the verification benchmark). */
  whileUp?: (service: BenchService, digests: readonly Sha256Hex[]) => Promise<void>;
}

export interface NotarizeResult {
  documents: number;
  batchMax: number;
  concurrency: number;
  /** From the first submission to the last document anchored, in ms. */
  totalMs: number;
  /** Submitting all of them, in ms. */
  submitMs: number;
  docsPerSecond: number;
  acceptPerSecond: number;
  acceptP50Ms: number;
  acceptP99Ms: number;
  anchorP50Ms: number;
  anchorP99Ms: number;
  transactions: number;
  largestBatch: number;
  smallestBatch: number;
  gasTotal: bigint;
  gasPerDocument: number;
  gasLargestTx: bigint;
}

export function randomSha256(): Sha256Hex {
  return randomBytes(32).toString("hex") as Sha256Hex;
}

export async function benchNotarize(chain: BenchChain, settings: NotarizeSettings): Promise<NotarizeResult> {
  const digests = Array.from({ length: settings.documents }, randomSha256);
  const fromBlock = (await chain.provider.getBlockNumber()) + 1;
  const service = await startService(chain, { batchMax: settings.batchMax, batchIntervalMs: settings.batchIntervalMs });
  let stopped = false;
  try {
    let index = 0;
    const started = performance.now();
    const load = await runLoad({
      baseUrl: service.baseUrl,
      concurrency: settings.concurrency,
      next: () =>
        index < digests.length
          ? { method: "POST", path: "/api/v1/documents", json: { sha256: digests[index++] } }
          : undefined,
      check: (status) => status === 202 || `status ${status}`,
    });
    if (load.failures > 0) throw new Error(`${load.failures} submissions failed: ${load.firstFailure}`);
    const submitMs = performance.now() - started;

    const deadline = Date.now() + 600_000;
    while ((await metric(service.baseUrl, "docproof_documents_anchored_total")) < digests.length) {
      if (service.process.hasExited) throw new Error(`the service exited:\n${service.process.log}`);
      if (Date.now() > deadline) throw new Error(`not every document was anchored in time:\n${service.process.log}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const totalMs = performance.now() - started;

    await settings.whileUp?.(service, digests);
    await service.stop();
    stopped = true;

    const chainFacts = await checkAnchorings(chain, digests, settings.batchMax, fromBlock);
    const anchorTimes = timesToAnchor(service.dataDir, digests);
    return {
      documents: digests.length,
      batchMax: settings.batchMax,
      concurrency: settings.concurrency,
      totalMs,
      submitMs,
      docsPerSecond: digests.length / (totalMs / 1000),
      acceptPerSecond: digests.length / (submitMs / 1000),
      acceptP50Ms: percentile(load.latenciesMs, 50),
      acceptP99Ms: percentile(load.latenciesMs, 99),
      anchorP50Ms: percentile(anchorTimes, 50),
      anchorP99Ms: percentile(anchorTimes, 99),
      ...chainFacts,
    };
  } finally {
    if (!stopped) await service.stop();
    service.removeData();
  }
}

/**
 * Reads every anchoring by the service's key since `fromBlock` from the chain: each submitted digest
 * must be in exactly one transaction's calldata, nothing else may be, and no batch may exceed
 * `batchMax`. Answers the transactions and their gas.
 */
async function checkAnchorings(chain: BenchChain, digests: readonly Sha256Hex[], batchMax: number, fromBlock: number) {
  const anchorings = await chain.registry.anchorings(REGISTRAR, fromBlock);
  const expected = new Set(digests.map((d) => `0x${d}`));
  const seen = new Set<string>();
  let gasTotal = 0n;
  let gasLargestTx = 0n;
  const txs = new Set<string>();
  for (const anchoring of anchorings) {
    if (anchoring.digests.length > batchMax) {
      throw new Error(
        `batch ${anchoring.root} holds ${anchoring.digests.length} documents, over BATCH_MAX ${batchMax}`,
      );
    }
    for (const digest of anchoring.digests) {
      if (!expected.has(digest)) throw new Error(`digest ${digest} was anchored but never submitted`);
      if (seen.has(digest)) throw new Error(`digest ${digest} was anchored twice`);
      seen.add(digest);
    }
    if (txs.has(anchoring.txHash)) throw new Error(`transaction ${anchoring.txHash} anchored two batches`);
    txs.add(anchoring.txHash);
    const receipt = await chain.provider.getTransactionReceipt(anchoring.txHash);
    gasTotal += receipt!.gasUsed;
    if (receipt!.gasUsed > gasLargestTx) gasLargestTx = receipt!.gasUsed;
  }
  if (seen.size !== expected.size) throw new Error(`${expected.size - seen.size} documents are not on chain`);
  const sizes = anchorings.map((a) => a.digests.length);
  return {
    transactions: anchorings.length,
    largestBatch: Math.max(...sizes),
    smallestBatch: Math.min(...sizes),
    gasTotal,
    gasPerDocument: Number(gasTotal) / digests.length,
    gasLargestTx,
  };
}

/** Each document's time from acceptance to its anchoring being recorded, as the service recorded both. */
function timesToAnchor(dataDir: string, digests: readonly Sha256Hex[]): number[] {
  const store = DocumentStore.open(dataDir);
  try {
    return digests.map((sha256) => {
      const record = store.document(sha256);
      if (record?.batch?.anchoredAtMs === undefined) throw new Error(`document ${sha256} is not recorded as anchored`);
      return record.batch.anchoredAtMs - record.acceptedAtMs;
    });
  } finally {
    store.close();
  }
}
