/**
 * The per-batch work of the service, timed alone for a batch of the size it uses, against the
 * libraries it once used for the same results (checked equal): the Merkle tree (buildBatch with the
 * WebAssembly keccak-256, as the service runs it, against OpenZeppelin's StandardMerkleTree), the
 * `anchorBatch` calldata (written directly, against ethers' ABI coder) and its digests read back,
 * as the index does for every anchoring (read directly, against ethers' `parseTransaction`).
 * Medians of a few runs, in this process.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { randomBytes } from "node:crypto";
import type { Interface } from "ethers";
import type { Hex32 } from "../server/proof/digest";
import { buildBatch } from "../server/proof/merkle";
import { anchorBatchCalldata, anchorBatchDigests } from "../server/proof/registry-abi";
import { useWasmKeccak } from "../server/proof/wasm-keccak";
import { percentile } from "./lib/stats";

export interface BatchCodecTimes {
  size: number;
  runs: number;
  /** The service's tree, and OpenZeppelin's. */
  buildBatchMs: number;
  libraryTreeMs: number;
  directEncodeMs: number;
  ethersEncodeMs: number;
  directDecodeMs: number;
  ethersDecodeMs: number;
}

export async function measureBatchCodec(registry: Interface, size: number, runs = 5): Promise<BatchCodecTimes> {
  await useWasmKeccak();
  const times: Record<keyof Omit<BatchCodecTimes, "size" | "runs">, number[]> = {
    buildBatchMs: [],
    libraryTreeMs: [],
    directEncodeMs: [],
    ethersEncodeMs: [],
    directDecodeMs: [],
    ethersDecodeMs: [],
  };
  const timed = <T>(name: keyof typeof times, action: () => T): T => {
    const started = performance.now();
    const result = action();
    times[name].push(performance.now() - started);
    return result;
  };
  for (let run = 0; run < runs; run++) {
    const digests = Array.from({ length: size }, () => `0x${randomBytes(32).toString("hex")}` as Hex32);
    const batch = timed("buildBatchMs", () => buildBatch(digests));
    const tree = timed("libraryTreeMs", () =>
      StandardMerkleTree.of(
        digests.map((digest) => [digest]),
        ["bytes32"],
      ),
    );
    if (tree.root !== batch.root) throw new Error("the two trees disagree");
    const direct = timed("directEncodeMs", () => anchorBatchCalldata(batch.root, batch.digests));
    const encoded = timed("ethersEncodeMs", () =>
      registry.encodeFunctionData("anchorBatch", [batch.root, [...batch.digests]]),
    );
    if (direct !== encoded) throw new Error("the two encodings disagree");
    const members = timed("directDecodeMs", () => anchorBatchDigests(direct)!);
    const decoded = timed(
      "ethersDecodeMs",
      () => registry.parseTransaction({ data: encoded })!.args.digests as string[],
    );
    if (members.length !== decoded.length || members.some((m, i) => m !== decoded[i].toLowerCase())) {
      throw new Error("the two decodings disagree");
    }
  }
  const median = (name: keyof typeof times) => percentile(times[name], 50);
  return {
    size,
    runs,
    buildBatchMs: median("buildBatchMs"),
    libraryTreeMs: median("libraryTreeMs"),
    directEncodeMs: median("directEncodeMs"),
    ethersEncodeMs: median("ethersEncodeMs"),
    directDecodeMs: median("directDecodeMs"),
    ethersDecodeMs: median("ethersDecodeMs"),
  };
}
