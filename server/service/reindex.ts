import type { RegistryIndexer } from "./registry-indexer";

/**
 * Rebuilds the index of the whole registry in an empty store from chain data alone: every anchoring
 * (digests read from the transactions' input) and revocation, by every registrar, the directory and
 * the roles. Receipts served from it are the ones each registrar's service issued, byte for byte.
 * Documents that were queued but not yet anchored are not on chain and cannot be recovered.
 */
export async function reindex(
  indexer: Pick<RegistryIndexer, "runOnce">,
  store: {
    isEmpty(): boolean;
    index: { cursor(): unknown; counts(): { anchorings: number; documents: number; revocations: number } };
  },
): Promise<{ batches: number; documents: number; revocations: number }> {
  if (!store.isEmpty() || store.index.cursor() !== undefined) throw new Error("reindex needs an empty store");
  await indexer.runOnce();
  const { anchorings, documents, revocations } = store.index.counts();
  return { batches: anchorings, documents, revocations };
}
