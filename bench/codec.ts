/**
 * The per-batch work of the service, timed alone for a batch of the size it uses: building the
 * Merkle tree (server/proof/merkle.ts buildBatch), encoding the `anchorBatch` calldata with ethers
 * and decoding it back (what the index does for every anchoring it reads); against the same results
 * computed over bytes (bench/lib/fast-batch.ts: hash-wasm's keccak-256, calldata written and read
 * directly), checked equal. Medians of a few runs, in this process.
 */
import { randomBytes } from "node:crypto";
import type { Interface } from "ethers";
import type { Hex32 } from "../server/proof/digest";
import { buildBatch } from "../server/proof/merkle";
import { anchorBatchCalldata, fastBatch } from "./lib/fast-batch";
import { percentile } from "./lib/stats";

export interface BatchCodecTimes {
  size: number;
  runs: number;
  buildBatchMs: number;
  bytesTreeMs: number;
  ethersEncodeMs: number;
  directEncodeMs: number;
  ethersDecodeMs: number;
  directDecodeMs: number;
}

export async function measureBatchCodec(registry: Interface, size: number, runs = 5): Promise<BatchCodecTimes> {
  const times = {
    buildBatch: [],
    bytesTree: [],
    ethersEncode: [],
    directEncode: [],
    ethersDecode: [],
    directDecode: [],
  } as Record<string, number[]>;
  const timed = <T>(name: string, action: () => T): T => {
    const started = performance.now();
    const result = action();
    times[name].push(performance.now() - started);
    return result;
  };
  for (let run = 0; run < runs; run++) {
    const digests = Array.from({ length: size }, () => randomBytes(32));
    const hex = digests.map((d) => `0x${d.toString("hex")}` as Hex32);
    const tree = timed("buildBatch", () => buildBatch(hex));
    let started = performance.now();
    const fast = await fastBatch(digests);
    times.bytesTree.push(performance.now() - started);
    if (`0x${fast.root.toString("hex")}` !== tree.root) throw new Error("the two trees disagree");
    const encoded = timed("ethersEncode", () =>
      registry.encodeFunctionData("anchorBatch", [tree.root, [...tree.digests]]),
    );
    const direct = timed("directEncode", () => anchorBatchCalldata(registry, fast));
    if (direct !== encoded) throw new Error("the two encodings disagree");
    const decoded = timed("ethersDecode", () => registry.parseTransaction({ data: encoded })!.args.digests as string[]);
    started = performance.now();
    // The members are the 32-byte words after the selector, root, offset and length.
    const data = Buffer.from(encoded.slice(2), "hex");
    const members: string[] = [];
    for (let at = 4 + 96; at < data.length; at += 32) members.push(`0x${data.subarray(at, at + 32).toString("hex")}`);
    times.directDecode.push(performance.now() - started);
    if (members.length !== decoded.length || members.some((m, i) => m !== decoded[i].toLowerCase())) {
      throw new Error("the two decodings disagree");
    }
  }
  const median = (name: string) => percentile(times[name], 50);
  return {
    size,
    runs,
    buildBatchMs: median("buildBatch"),
    bytesTreeMs: median("bytesTree"),
    ethersEncodeMs: median("ethersEncode"),
    directEncodeMs: median("directEncode"),
    ethersDecodeMs: median("ethersDecode"),
    directDecodeMs: median("directDecode"),
  };
}
