/**
 * Bulk notarization at the chain's ceiling: lists of 10,000 digests (`POST /api/v1/documents` with
 * `{"sha256": [...]}`) sent to a service in its default configuration (no BATCH_MAX, no
 * BATCHES_IN_FLIGHT) on Anvil, timed from the first request until
 * `docproof_documents_anchored_total` reaches the count, then every digest checked on chain.
 *
 * The reference, on the same node in the same run: the chain's own ceiling, what the node sustains
 * when fed batches of the same size directly (signed `anchorBatch` transactions, the same number in
 * flight, no service), and for a chain with blocks on a timer the theoretical ceiling, the block gas
 * limit over 1,280 gas per document (the calldata floor of 32 bytes) per block interval.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet } from "ethers";
import type { Sha256Hex } from "../server/proof/digest";
import { checkAnchorings, type AnchoringFacts } from "./lib/anchorings";
import { runLoad } from "./lib/load";
import { profileIn, summariseProfile, type ProfileSummary } from "./lib/profile";
import { startPhase, type PhaseShares } from "./lib/rss";
import {
  REGISTRAR_KEY,
  rpc,
  serviceBatchesInFlight,
  serviceBatchMax,
  startService,
  tail,
  waitForAnchored,
  type BenchChain,
} from "./lib/stack";
import { percentile } from "./lib/stats";
import { batchCalldata } from "./lib/batches";
import { useWasmKeccak } from "../server/proof/wasm-keccak";

/** Calldata floor of one document in a batch: 32 bytes at 40 gas each (EIP-7623). */
export const CALLDATA_GAS_PER_DOCUMENT = 1_280;

export interface BulkSettings {
  documents: number;
  /** Digests per request (at most 10,000). */
  listSize: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Seconds between blocks when the chain has blocks on a timer; undefined for automine. */
  blockTimeS?: number;
}

export interface ChainCeiling {
  batchSize: number;
  batches: number;
  documents: number;
  inFlight: number;
  totalMs: number;
  docsPerSecond: number;
  /** Blocks the transactions landed in. */
  blocks: number;
  /** The node's and the feeding client's (this process: sending, polling receipts) CPU. */
  shares: PhaseShares;
}

export interface BulkResult {
  mining: string;
  blockTimeS?: number;
  documents: number;
  listSize: number;
  concurrency: number;
  /** The batch size the service chose for the chain (BATCH_MAX unset). */
  batchMax: number;
  batchesInFlight: number;
  blockGasLimit: number;
  totalMs: number;
  submitMs: number;
  docsPerSecond: number;
  /** Time to answer each list request. */
  acceptP50Ms: number;
  acceptP99Ms: number;
  /** CPU and waiting for a core of the service, the node and this client, first request to last anchored. */
  shares: PhaseShares;
  chain: AnchoringFacts;
  /** The node fed directly, batches of the service's size, as many in flight as the service. */
  ceiling: ChainCeiling;
  /** The same with enough in flight to fill a block, on a chain with blocks on a timer. */
  ceilingFull?: ChainCeiling;
  /** Block gas limit / 1,280 gas per document, per block interval (chains with blocks on a timer). */
  theoreticalDocsPerSecond?: number;
}

const randomSha256 = () => randomBytes(32).toString("hex") as Sha256Hex;

export async function benchBulk(chain: BenchChain, settings: BulkSettings): Promise<BulkResult> {
  const fromBlock = (await chain.provider.getBlockNumber()) + 1;
  const blockGasLimit = Number((await chain.provider.getBlock("latest"))!.gasLimit);
  const run = await submitThroughService(chain, settings);
  const facts = await checkAnchorings(chain, run.digests, run.batchMax, fromBlock);

  const ceiling = await feedChain(chain, {
    documents: settings.documents,
    batchSize: run.batchMax,
    inFlight: run.batchesInFlight,
  });
  let ceilingFull: ChainCeiling | undefined;
  let theoreticalDocsPerSecond: number | undefined;
  if (settings.blockTimeS !== undefined) {
    theoreticalDocsPerSecond = blockGasLimit / CALLDATA_GAS_PER_DOCUMENT / settings.blockTimeS;
    // Enough batches in flight to fill each block, and one more being signed while a block is made.
    const perBlock = Math.floor(blockGasLimit / (facts.gasPerDocument * run.batchMax));
    ceilingFull = await feedChain(chain, {
      documents: settings.documents,
      batchSize: run.batchMax,
      inFlight: perBlock + 1,
    });
  }
  return {
    mining: chain.mining,
    blockTimeS: settings.blockTimeS,
    documents: settings.documents,
    listSize: settings.listSize,
    concurrency: settings.concurrency,
    batchMax: run.batchMax,
    batchesInFlight: run.batchesInFlight,
    blockGasLimit,
    totalMs: run.totalMs,
    submitMs: run.submitMs,
    docsPerSecond: settings.documents / (run.totalMs / 1000),
    acceptP50Ms: percentile(run.latenciesMs, 50),
    acceptP99Ms: percentile(run.latenciesMs, 99),
    shares: run.shares,
    chain: facts,
    ceiling,
    ceilingFull,
    theoreticalDocsPerSecond,
  };
}

export interface BulkProfile {
  documents: number;
  docsPerSecond: number;
  profile: ProfileSummary;
}

/**
 * The same submission with the service under `node --cpu-prof`, summarised from the first request
 * until the last document is anchored: where the service's time goes. Slower than unprofiled.
 */
export async function profileBulk(chain: BenchChain, settings: BulkSettings): Promise<BulkProfile> {
  const dir = mkdtempSync(path.join(tmpdir(), "docproof-profile-"));
  try {
    const run = await submitThroughService(chain, settings, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
    return {
      documents: settings.documents,
      docsPerSecond: settings.documents / (run.totalMs / 1000),
      profile: summariseProfile(profileIn(dir), run.window),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Lists of random digests through a service in its default configuration, until all are anchored. */
async function submitThroughService(chain: BenchChain, settings: BulkSettings, nodeArgs: string[] = []) {
  const digests = Array.from({ length: settings.documents }, randomSha256);
  const lists: Sha256Hex[][] = [];
  for (let i = 0; i < digests.length; i += settings.listSize) lists.push(digests.slice(i, i + settings.listSize));
  // The default configuration: no BATCH_MAX, no BATCHES_IN_FLIGHT, the service's own rate limits
  // (a few large requests stay far below them).
  const service = await startService(chain, { rateLimits: "default", nodeArgs });
  try {
    const batchMax = serviceBatchMax(service);
    const batchesInFlight = serviceBatchesInFlight(service);
    let next = 0;
    const end = startPhase({ service: service.pid, node: chain.node.pid });
    const started = performance.now();
    const load = await runLoad({
      baseUrl: service.baseUrl,
      concurrency: settings.concurrency,
      next: () =>
        next < lists.length
          ? { method: "POST", path: "/api/v1/documents", json: { sha256: lists[next++] } }
          : undefined,
      check: (status, body) => status === 202 || `status ${status}: ${body.slice(0, 300)}`,
    });
    if (load.failures > 0) {
      throw new Error(`${load.failures} lists failed: ${load.firstFailure}\n${tail(service.log())}`);
    }
    const submitMs = performance.now() - started;
    const anchoredAt = await waitForAnchored(service, digests.length);
    const totalMs = anchoredAt - started;
    const shares = end();
    return {
      digests,
      batchMax,
      batchesInFlight,
      submitMs,
      totalMs,
      latenciesMs: load.latenciesMs,
      shares,
      window: { fromMs: started - service.startedAt, toMs: anchoredAt - service.startedAt },
    };
  } finally {
    await service.stop();
    service.removeData();
  }
}

/**
 * The node alone: `documents` split into batches of `batchSize`, each tree built and each
 * `anchorBatch` transaction signed before the clock starts, then sent in nonce order with
 * `inFlight` waiting for their receipts at once (polled every 5 ms).
 */
export async function feedChain(
  chain: BenchChain,
  options: { documents: number; batchSize: number; inFlight: number },
): Promise<ChainCeiling> {
  await useWasmKeccak();
  const calldata: string[] = [];
  for (let left = options.documents; left > 0; left -= options.batchSize) {
    const digests = Array.from({ length: Math.min(left, options.batchSize) }, () => randomBytes(32));
    calldata.push(batchCalldata(digests));
  }
  const raws = await signCalls(chain, calldata);
  const end = startPhase({ node: chain.node.pid });
  const started = performance.now();
  const blocks = await sendAll(chain.rpcUrl, raws, options.inFlight);
  const totalMs = performance.now() - started;
  const shares = end();
  return {
    batchSize: options.batchSize,
    batches: calldata.length,
    documents: options.documents,
    inFlight: options.inFlight,
    totalMs,
    docsPerSecond: options.documents / (totalMs / 1000),
    blocks: new Set(blocks).size,
    shares,
  };
}

/**
 * Signs a transaction to the registry for each of `calldata` with the registrar's key, consecutive
 * nonces from the pending one, with the first one's gas estimate and a margin for all of them.
 */
export async function signCalls(chain: BenchChain, calldata: readonly string[]): Promise<string[]> {
  const wallet = new Wallet(REGISTRAR_KEY);
  const provider = chain.provider;
  const to = chain.registryAddress;
  const estimated = await provider.estimateGas({ from: wallet.address, to, data: calldata[0] });
  const gasLimit = (estimated * 12n) / 10n;
  const fees = await provider.getFeeData();
  const nonce = await provider.getTransactionCount(wallet.address, "pending");
  const raws: string[] = [];
  for (const [i, data] of calldata.entries()) {
    raws.push(
      await wallet.signTransaction({
        to,
        data,
        nonce: nonce + i,
        gasLimit,
        chainId: chain.chainId,
        ...(fees.maxFeePerGas === null
          ? { type: 0, gasPrice: fees.gasPrice }
          : { type: 2, maxFeePerGas: fees.maxFeePerGas * 2n, maxPriorityFeePerGas: fees.maxPriorityFeePerGas }),
      }),
    );
  }
  return raws;
}

/**
 * Sends signed transactions in nonce order (one send at a time, as the service's sender does),
 * at most `inFlight` awaiting their receipts; answers each one's block number.
 */
export async function sendAll(rpcUrl: string, raws: readonly string[], inFlight: number): Promise<number[]> {
  const blocks: number[] = [];
  let sending: Promise<unknown> = Promise.resolve();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= raws.length) return;
      // Sends go one after another, so that nonces reach the node in order.
      const sent = sending.then(() => rpc<string>(rpcUrl, "eth_sendRawTransaction", [raws[index]]));
      sending = sent.catch(() => undefined);
      const hash = await sent;
      for (;;) {
        const receipt = await rpc<{ status: string; blockNumber: string } | null>(rpcUrl, "eth_getTransactionReceipt", [
          hash,
        ]);
        if (receipt !== null) {
          if (receipt.status !== "0x1") throw new Error(`transaction ${hash} reverted`);
          blocks[index] = Number(receipt.blockNumber);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return blocks;
}
