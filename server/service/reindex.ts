import type { RegistryView } from "../chain/registry";
import { fromBytes32 } from "../proof/digest";
import { buildBatch } from "../proof/merkle";
import type { IndexImport } from "./ports";

/**
 * Rebuilds an empty store from chain data alone: every anchoring by `registrar` (digests read from
 * the transactions' input) and every revocation of their documents. Documents that were queued but
 * not yet anchored are not on chain and cannot be recovered.
 */
export async function reindex(
  store: IndexImport,
  registry: Pick<RegistryView, "anchorings" | "revocations" | "blockTimestamp">,
  registrar: string,
): Promise<{ batches: number; documents: number; revocations: number }> {
  if (!store.isEmpty()) throw new Error("reindex needs an empty store");
  const anchorings = await registry.anchorings(registrar);
  let documents = 0;
  for (const anchoring of anchorings) {
    if (buildBatch(anchoring.digests).root !== anchoring.root) {
      throw new Error(`the digests of transaction ${anchoring.txHash} do not rebuild root ${anchoring.root}`);
    }
    const timestamp = await registry.blockTimestamp(anchoring.blockNumber);
    store.importAnchoredBatch(anchoring.root, anchoring.digests.map(fromBytes32), {
      txHash: anchoring.txHash,
      blockNumber: anchoring.blockNumber,
      timestamp,
      registrar: anchoring.registrar,
    });
    documents += anchoring.digests.length;
  }
  let revocations = 0;
  for (const revocation of await registry.revocations()) {
    const sha256 = fromBytes32(revocation.digest);
    const record = store.document(sha256);
    if (record?.batch?.root !== revocation.root) continue;
    store.markRevoked(sha256, {
      revokedAt: await registry.blockTimestamp(revocation.blockNumber),
      reason: revocation.reason,
      revokedBy: revocation.revokedBy,
      txHash: revocation.txHash,
    });
    revocations++;
  }
  return { batches: anchorings.length, documents, revocations };
}
