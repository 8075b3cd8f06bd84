import type { Hex32 } from "../../server/proof/digest";
import { buildBatch } from "../../server/proof/merkle";
import { anchorBatchCalldata } from "../../server/proof/registry-abi";

/** The `anchorBatch` calldata of `digests` as the service makes it (its tree, its encoding). */
export function batchCalldata(digests: readonly Buffer[]): string {
  const batch = buildBatch(digests.map((digest) => `0x${digest.toString("hex")}` as Hex32));
  return anchorBatchCalldata(batch.root, batch.digests);
}
