/**
 * Notarization throughput: distinct digests submitted concurrently as JSON to a service on a local
 * chain, then the time until every one is anchored. Checked from outside the service: every digest
 * must be in the calldata of exactly one anchoring transaction, and no batch may exceed BATCH_MAX.
 */
import { randomBytes } from "node:crypto";
import { DocumentStore } from "../server/store/document-store";
import type { Sha256Hex } from "../server/proof/digest";
import { runLoad } from "./lib/load";
import { checkAnchorings } from "./lib/anchorings";
import { serviceBatchMax, startService, tail, waitForAnchored, type BenchChain, type BenchService } from "./lib/stack";
import { percentile } from "./lib/stats";

export interface NotarizeSettings {
  documents: number;
  /** BATCH_MAX; undefined leaves it unset (sized to the chain). */
  batchMax?: number;
  concurrency: number;
  batchIntervalMs?: number;
  /** Runs with the service still up once everything is anchored (the verification benchmark). */
  whileUp?: (service: BenchService, digests: readonly Sha256Hex[]) => Promise<void>;
}

export interface NotarizeResult {
  documents: number;
  /** BATCH_MAX, or the size the service chose for the chain. */
  batchMax: number;
  /** False when BATCH_MAX was left unset. */
  batchMaxSet: boolean;
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
  const serviceSettings = { batchMax: settings.batchMax, batchIntervalMs: settings.batchIntervalMs };
  const service = await startService(chain, serviceSettings);
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
    if (load.failures > 0) {
      throw new Error(`${load.failures} submissions failed: ${load.firstFailure}\n${tail(service.log())}`);
    }
    const submitMs = performance.now() - started;

    const totalMs = (await waitForAnchored(service, digests.length)) - started;
    const batchMax = serviceBatchMax(service, serviceSettings);

    await settings.whileUp?.(service, digests);
    await service.stop();
    stopped = true;

    const { transactions, largestBatch, smallestBatch, gasTotal, gasPerDocument, gasLargestTx } = await checkAnchorings(
      chain,
      digests,
      batchMax,
      fromBlock,
    );
    const anchorTimes = timesToAnchor(service.dataDir, digests);
    return {
      documents: digests.length,
      batchMax,
      batchMaxSet: settings.batchMax !== undefined,
      concurrency: settings.concurrency,
      totalMs,
      submitMs,
      docsPerSecond: digests.length / (totalMs / 1000),
      acceptPerSecond: digests.length / (submitMs / 1000),
      acceptP50Ms: percentile(load.latenciesMs, 50),
      acceptP99Ms: percentile(load.latenciesMs, 99),
      anchorP50Ms: percentile(anchorTimes, 50),
      anchorP99Ms: percentile(anchorTimes, 99),
      transactions,
      largestBatch,
      smallestBatch,
      gasTotal,
      gasPerDocument,
      gasLargestTx,
    };
  } finally {
    if (!stopped) await service.stop();
    service.removeData();
  }
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
