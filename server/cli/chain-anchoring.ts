import type { RegistryView, RegistryWriter } from "../chain/registry";
import { toBytes32, type Sha256Hex } from "../proof/digest";
import { buildBatch, MAX_BATCH_SIZE } from "../proof/merkle";
import { buildReceipt, type ReceiptV1 } from "../proof/receipt";
import { useWasmKeccak } from "../proof/wasm-keccak";
import { CliError } from "./cli-error";

/**
 * Anchors `digests` with the registrar's key, without the service: one `anchor` for one document,
 * one `anchorBatch` for several, and a receipt for each. More documents than a batch holds are
 * split into batches of `maxBatchSize`, in digest order, so the same files always make the same
 * batches. A root that is already on chain (the same files notarized again) is not sent again: its
 * receipts are rebuilt from the chain.
 */
export async function anchorDigests(
  registry: Pick<RegistryView, "chainId" | "address" | "isRegistrar">,
  writer: RegistryWriter,
  digests: readonly Sha256Hex[],
  maxBatchSize = MAX_BATCH_SIZE,
): Promise<Map<Sha256Hex, ReceiptV1>> {
  await useWasmKeccak();
  const distinct = [...new Set(digests)].sort();
  const receipts = new Map<Sha256Hex, ReceiptV1>();
  for (let start = 0; start < distinct.length; start += maxBatchSize) {
    const members = distinct.slice(start, start + maxBatchSize);
    const batch = buildBatch(members.map(toBytes32));
    const anchored = await writer.anchorBatch(batch, {
      beforeSend: async () => {
        if (!(await registry.isRegistrar(writer.registrar))) {
          throw new CliError(
            "usage",
            `The key's account ${writer.registrar} is not a registrar of ${registry.address}: ` +
              `an admin grants it with \`docproof registrar grant ${writer.registrar}\`.`,
          );
        }
      },
    });
    const facts = {
      merkleRoot: batch.root,
      leafCount: anchored.leafCount,
      chainId: registry.chainId,
      registry: registry.address,
      txHash: anchored.txHash,
      blockNumber: anchored.blockNumber,
      timestamp: anchored.anchoredAt,
      registrar: anchored.registrar,
    };
    for (const sha256 of members) receipts.set(sha256, buildReceipt(sha256, batch.proofOf(toBytes32(sha256)), facts));
  }
  return receipts;
}
