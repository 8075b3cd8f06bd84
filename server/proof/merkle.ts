import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { AbiCoder, keccak256 } from "ethers";
import type { Hex32 } from "./digest";

/** The most documents one batch may hold: the registry's `MAX_BATCH_SIZE` (a test holds them equal). */
export const MAX_BATCH_SIZE = 12_000;

const LEAF_ENCODING = ["bytes32"];
const abiCoder = AbiCoder.defaultAbiCoder();

/**
 * The StandardMerkleTree leaf of a digest: keccak256(bytes.concat(keccak256(abi.encode(digest)))).
 * Equal to the registry's `leafOf`.
 */
export function leafOf(digest: Hex32): Hex32 {
  return keccak256(keccak256(abiCoder.encode(LEAF_ENCODING, [digest]))) as Hex32;
}

/** A Merkle batch of documents, laid out exactly as the registry rebuilds it on chain. */
export interface MerkleBatch {
  readonly root: Hex32;
  /** The digests in ascending order of their leaves: the calldata order `anchorBatch` requires. */
  readonly digests: readonly Hex32[];
  /** The Merkle proof of `digest`, sibling hashes from the leaf up. Throws if it is no member. */
  proofOf(digest: Hex32): Hex32[];
}

/**
 * Builds the batch of `digests` (distinct, non-empty). A one-digest batch has the digest's leaf as
 * its root and an empty proof, which is how the registry keys a single anchoring too.
 */
export function buildBatch(digests: readonly Hex32[]): MerkleBatch {
  if (digests.length === 0) throw new RangeError("A batch needs at least one digest.");
  const tree = StandardMerkleTree.of(
    digests.map((digest) => [digest]),
    LEAF_ENCODING,
  );
  // The tree as OpenZeppelin lays it out: nodes in an array, node i's parent at (i - 1) / 2.
  const { tree: nodes, values } = tree.dump();
  const nodeByDigest = new Map<string, number>();
  for (const { value, treeIndex } of values) {
    if (nodeByDigest.has(value[0])) throw new RangeError(`Duplicate digest in batch: ${value[0]}`);
    nodeByDigest.set(value[0], treeIndex);
  }
  // Leaves are already hashed in the tree: sort by them rather than hashing every digest again.
  const ordered = values
    .map(({ value, treeIndex }) => ({ digest: value[0] as Hex32, leaf: nodes[treeIndex] }))
    .sort((a, b) => (a.leaf < b.leaf ? -1 : a.leaf > b.leaf ? 1 : 0))
    .map(({ digest }) => digest);
  return {
    root: tree.root as Hex32,
    digests: ordered,
    proofOf(digest: Hex32): Hex32[] {
      let node = nodeByDigest.get(digest);
      if (node === undefined) throw new RangeError(`Not a member of this batch: ${digest}`);
      // The siblings from the leaf up, read from the built tree (getProof would hash the leaf again
      // and check the proof it returns, which costs more than a receipt's other work together).
      const proof: Hex32[] = [];
      for (; node > 0; node = (node - 1) >> 1) proof.push(nodes[node % 2 === 1 ? node + 1 : node - 1] as Hex32);
      return proof;
    },
  };
}

/** True when `proof` places `digest` under `root` (sorted-pair keccak256, as OpenZeppelin's MerkleProof). */
export function verifyProof(digest: Hex32, root: Hex32, proof: readonly Hex32[]): boolean {
  return StandardMerkleTree.verify(root, LEAF_ENCODING, [digest], [...proof]);
}
