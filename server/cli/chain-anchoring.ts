import type { RegistryClient } from "../chain/registry-client";
import type { TxSender } from "../chain/tx-sender";
import { toBytes32, type Sha256Hex } from "../proof/digest";
import { buildBatch, type Hex32 } from "../proof/merkle";
import { buildReceipt, type ReceiptV1 } from "../proof/receipt";
import { CliError } from "./context";

/** The registry's limit per batch (DocumentRegistry.MAX_BATCH_SIZE). */
export const MAX_BATCH_SIZE = 12_000;

/**
 * Anchors `digests` with the sender's registrar key, without the service: one `anchor` for one
 * document, one `anchorBatch` for several, and a receipt for each. More documents than a batch
 * holds are split into batches of `maxBatchSize`, in digest order, so the same files always make
 * the same batches. A root that is already on chain (the same files notarized again) is not sent
 * again: its receipts are rebuilt from the chain.
 */
export async function anchorDigests(
  registry: RegistryClient,
  sender: TxSender,
  digests: readonly Sha256Hex[],
  maxBatchSize = MAX_BATCH_SIZE,
): Promise<Map<Sha256Hex, ReceiptV1>> {
  const distinct = [...new Set(digests)].sort();
  const receipts = new Map<Sha256Hex, ReceiptV1>();
  for (let start = 0; start < distinct.length; start += maxBatchSize) {
    const anchored = await anchorBatchOf(registry, sender, distinct.slice(start, start + maxBatchSize));
    for (const [sha256, receipt] of anchored) receipts.set(sha256, receipt);
  }
  return receipts;
}

async function anchorBatchOf(
  registry: RegistryClient,
  sender: TxSender,
  distinct: readonly Sha256Hex[],
): Promise<Map<Sha256Hex, ReceiptV1>> {
  const batch = buildBatch(distinct.map(toBytes32));
  let txHash: Hex32;
  if ((await registry.anchorOf(batch.root)) === undefined) {
    if (!(await registry.isRegistrar(sender.address))) {
      throw new CliError(
        "usage",
        `The key's account ${sender.address} is not a registrar of ${registry.address}: ` +
          `an admin grants it with \`docproof registrar grant ${sender.address}\`.`,
      );
    }
    const contract = registry.connect(sender.wallet);
    const receipt = await sender.send(
      (nonce) =>
        batch.digests.length === 1
          ? contract.anchor(batch.digests[0], { nonce })
          : contract.anchorBatch(batch.root, [...batch.digests], { nonce }),
      () => {},
    );
    if (receipt.status !== 1 || !registry.anchoringRoots(receipt).includes(batch.root)) {
      throw new Error(`Transaction ${receipt.hash} did not anchor root ${batch.root}.`);
    }
    txHash = receipt.hash as Hex32;
  } else {
    const found = await registry.findAnchoringTransaction(batch.root);
    if (found === undefined) throw new Error(`Root ${batch.root} is anchored but its transaction was not found.`);
    txHash = found.txHash;
  }
  const anchor = await registry.anchorOf(batch.root);
  if (anchor === undefined) throw new Error(`Root ${batch.root} is not on chain after ${txHash}.`);
  const facts = {
    merkleRoot: batch.root,
    leafCount: anchor.leafCount,
    chainId: registry.chainId,
    registry: registry.address,
    txHash,
    blockNumber: anchor.blockNumber,
    timestamp: anchor.anchoredAt,
    registrar: anchor.registrar,
  };
  return new Map(distinct.map((sha256) => [sha256, buildReceipt(sha256, batch.proofOf(toBytes32(sha256)), facts)]));
}
