import type { Sha256Hex } from "../../server/proof/digest";
import { REGISTRAR, type BenchChain } from "./stack";

export interface AnchoringFacts {
  transactions: number;
  largestBatch: number;
  smallestBatch: number;
  /** Blocks that hold at least one of the anchorings. */
  blocks: number;
  lastBlock: number;
  gasTotal: bigint;
  gasPerDocument: number;
  gasLargestTx: bigint;
}

/**
 * Reads every anchoring by the registrar since `fromBlock` from the chain: each of `digests` must be
 * in exactly one transaction's calldata, nothing else may be, and no batch may exceed `batchMax`.
 * Answers the transactions, blocks and gas.
 */
export async function checkAnchorings(
  chain: BenchChain,
  digests: readonly Sha256Hex[],
  batchMax: number,
  fromBlock: number,
): Promise<AnchoringFacts> {
  const anchorings = await chain.registry.anchorings(REGISTRAR, fromBlock);
  const expected = new Set(digests.map((d) => `0x${d}`));
  if (expected.size !== digests.length) throw new Error("the same digest was submitted twice");
  const seen = new Set<string>();
  let gasTotal = 0n;
  let gasLargestTx = 0n;
  const txs = new Set<string>();
  const blocks = new Set<number>();
  for (const anchoring of anchorings) {
    if (anchoring.digests.length > batchMax) {
      throw new Error(`batch ${anchoring.root} holds ${anchoring.digests.length} documents, over ${batchMax}`);
    }
    for (const digest of anchoring.digests) {
      if (!expected.has(digest)) throw new Error(`digest ${digest} was anchored but never submitted`);
      if (seen.has(digest)) throw new Error(`digest ${digest} was anchored twice`);
      seen.add(digest);
    }
    if (txs.has(anchoring.txHash)) throw new Error(`transaction ${anchoring.txHash} anchored two batches`);
    txs.add(anchoring.txHash);
    blocks.add(anchoring.blockNumber);
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
    blocks: blocks.size,
    lastBlock: Math.max(...blocks),
    gasTotal,
    gasPerDocument: Number(gasTotal) / digests.length,
    gasLargestTx,
  };
}
