/**
 * Scaling: notarization throughput and gas per document as BATCH_MAX grows. Each level runs a
 * fresh service on the same chain; the notarization benchmark's checks (every document in exactly
 * one anchoring, no batch over BATCH_MAX) show that a queue longer than BATCH_MAX is split.
 */
import { benchNotarize, type NotarizeResult } from "./notarize";
import type { BenchChain } from "./lib/stack";

export interface ScalingLevel {
  batchMax: number;
  documents: number;
}

/**
 * Documents per level: small batches are limited by one transaction per batch (tens per second on
 * a local node), so they get fewer documents to keep the run short; each level still needs many
 * more transactions than one batch holds.
 */
export function scalingLevels(quick: boolean): ScalingLevel[] {
  const levels = [
    { batchMax: 1, documents: 300 },
    { batchMax: 10, documents: 2_000 },
    { batchMax: 100, documents: 10_000 },
    { batchMax: 1_000, documents: 10_000 },
    { batchMax: 10_000, documents: 25_000 },
  ];
  return quick ? levels.map((l) => ({ ...l, documents: Math.max(20, Math.round(l.documents / 10)) })) : levels;
}

export async function benchScaling(
  chain: BenchChain,
  levels: readonly ScalingLevel[],
  concurrency: number,
  onLevel: (result: NotarizeResult) => void,
): Promise<NotarizeResult[]> {
  const results: NotarizeResult[] = [];
  for (const level of levels) {
    const result = await benchNotarize(chain, { ...level, concurrency });
    if (result.transactions < Math.ceil(level.documents / level.batchMax)) {
      throw new Error(`${level.documents} documents in ${result.transactions} batches of at most ${level.batchMax}`);
    }
    onLevel(result);
    results.push(result);
  }
  return results;
}
