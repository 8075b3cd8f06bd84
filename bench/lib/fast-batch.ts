/**
 * Batches for feeding a node directly, built fast: the same tree as server/proof/merkle.ts (OpenZeppelin's
 * StandardMerkleTree for one bytes32 value: leaves keccak256(keccak256(digest)), sorted, laid out in
 * one array with node i's children at 2i + 1 and 2i + 2, pairs hashed sorted), with keccak-256 from
 * hash-wasm over bytes instead of hex strings, and the `anchorBatch` calldata written directly.
 * `checkParity` holds it to buildBatch; the registry refuses any root that does not match anyway.
 */
import { createKeccak, type IHasher } from "hash-wasm";
import { randomBytes } from "node:crypto";
import type { Interface } from "ethers";
import type { Hex32 } from "../../server/proof/digest";
import { buildBatch } from "../../server/proof/merkle";

export interface FastBatch {
  root: Buffer;
  /** Digests in ascending order of their leaves, as `anchorBatch` takes them. */
  digests: Buffer[];
}

let hasher: IHasher | undefined;

async function keccak(): Promise<(data: Buffer) => Buffer> {
  hasher ??= await createKeccak(256);
  const h = hasher;
  return (data) => {
    h.init();
    h.update(data);
    return Buffer.from(h.digest("binary"));
  };
}

export async function fastBatch(digests: readonly Buffer[]): Promise<FastBatch> {
  const hash = await keccak();
  const leaves = digests.map((digest) => ({ digest, leaf: hash(hash(digest)) }));
  leaves.sort((a, b) => Buffer.compare(a.leaf, b.leaf));
  const tree = new Array<Buffer>(2 * leaves.length - 1);
  leaves.forEach(({ leaf }, i) => (tree[tree.length - 1 - i] = leaf));
  for (let i = tree.length - 1 - leaves.length; i >= 0; i--) {
    const left = tree[2 * i + 1];
    const right = tree[2 * i + 2];
    tree[i] = hash(Buffer.compare(left, right) <= 0 ? Buffer.concat([left, right]) : Buffer.concat([right, left]));
  }
  return { root: tree[0], digests: leaves.map(({ digest }) => digest) };
}

/** `anchorBatch(root, digests)` calldata: selector, root, offset of the array, its length, its members. */
export function anchorBatchCalldata(registry: Interface, batch: FastBatch): string {
  const selector = Buffer.from(registry.getFunction("anchorBatch")!.selector.slice(2), "hex");
  const word = (n: number) => {
    const buffer = Buffer.alloc(32);
    buffer.writeUInt32BE(n, 28);
    return buffer;
  };
  return `0x${Buffer.concat([selector, batch.root, word(64), word(batch.digests.length), ...batch.digests]).toString("hex")}`;
}

/** Throws unless fastBatch and its calldata agree with buildBatch and ethers' encoder on a random batch. */
export async function checkParity(registry: Interface, size = 257): Promise<void> {
  const digests = Array.from({ length: size }, () => randomBytes(32));
  const fast = await fastBatch(digests);
  const reference = buildBatch(digests.map((d) => `0x${d.toString("hex")}` as Hex32));
  const expected = registry.encodeFunctionData("anchorBatch", [reference.root, [...reference.digests]]);
  if (`0x${fast.root.toString("hex")}` !== reference.root || anchorBatchCalldata(registry, fast) !== expected) {
    throw new Error("bench/lib/fast-batch.ts no longer builds the batches server/proof/merkle.ts builds");
  }
}
