import { keccak_256 } from "@noble/hashes/sha3";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils";
import type { Hex32 } from "./digest";

// The tree is OpenZeppelin's StandardMerkleTree for one `bytes32` value, which the registry's
// `MerkleProof` checks: leaves keccak256(keccak256(digest)), sorted ascending, laid out in one array
// with node i's children at 2i + 1 and 2i + 2 and the leaves from the end, pairs hashed sorted.
// It is computed here over bytes: the library hashes hex strings through an ABI encoder, which made
// a 3,900-document batch cost 345 ms of the service's one thread against 19 ms this way
// (bench/RESULTS.md). test/server/proof/merkle.test.ts holds both to the same roots, orders and proofs.

/** The most documents one batch may hold: the registry's `MAX_BATCH_SIZE` (a test holds them equal). */
export const MAX_BATCH_SIZE = 12_000;

/** keccak-256 of bytes. */
export type Keccak256 = (data: Uint8Array) => Uint8Array;

// @noble/hashes' keccak needs no set-up, so the module works anywhere at once; `useKeccak` puts a
// faster implementation of the same function in its place (hash-wasm's, about 12× faster here, but
// loaded asynchronously). Results never depend on which one runs.
let keccak: Keccak256 = keccak_256;

/** Uses `implementation` for every keccak-256 of this module; it must agree with @noble/hashes' (checked). */
export function useKeccak(implementation: Keccak256): void {
  const probe = new Uint8Array(64).map((_, i) => i);
  if (bytesToHex(implementation(probe)) !== bytesToHex(keccak_256(probe))) {
    throw new Error("Not keccak-256: it hashes a known value differently.");
  }
  keccak = implementation;
}

const hexOf = (bytes: Uint8Array) => `0x${bytesToHex(bytes)}` as Hex32;

function bytes32(value: string): Uint8Array {
  const bytes = hexToBytes(value.startsWith("0x") ? value.slice(2) : value);
  if (bytes.length !== 32) throw new RangeError(`Not 32 bytes: ${value}`);
  return bytes;
}

/** Negative, zero or positive as `a` sorts before, with or after `b` (unsigned bytes, as Solidity's `<`). */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

/** keccak256 of the pair in ascending order: OpenZeppelin's `Hashes.commutativeKeccak256`. */
function nodeHash(a: Uint8Array, b: Uint8Array): Uint8Array {
  const pair = new Uint8Array(64);
  const [low, high] = compareBytes(a, b) <= 0 ? [a, b] : [b, a];
  pair.set(low, 0);
  pair.set(high, 32);
  return keccak(pair);
}

const leafBytes = (digest: string) => keccak(keccak(bytes32(digest)));

/**
 * The StandardMerkleTree leaf of a digest: keccak256(bytes.concat(keccak256(abi.encode(digest)))).
 * Equal to the registry's `leafOf`.
 */
export function leafOf(digest: Hex32): Hex32 {
  return hexOf(leafBytes(digest));
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
  const members = digests.map((digest) => ({ digest, leaf: leafBytes(digest) }));
  members.sort((a, b) => compareBytes(a.leaf, b.leaf));
  // Every node's 32 bytes in one array, node i at 32i: a batch is kept (receipt-book.ts caches
  // 65,536 leaves' worth) as one object, not as two small arrays per document.
  const count = 2 * members.length - 1;
  const nodes = new Uint8Array(32 * count);
  const nodeAt = (i: number) => nodes.subarray(32 * i, 32 * i + 32);
  const nodeByDigest = new Map<string, number>();
  members.forEach(({ digest, leaf }, i) => {
    const node = count - 1 - i;
    if (nodeByDigest.has(digest)) throw new RangeError(`Duplicate digest in batch: ${digest}`);
    nodeByDigest.set(digest, node);
    nodes.set(leaf, 32 * node);
  });
  for (let i = count - 1 - members.length; i >= 0; i--)
    nodes.set(nodeHash(nodeAt(2 * i + 1), nodeAt(2 * i + 2)), 32 * i);
  return {
    root: hexOf(nodeAt(0)),
    digests: members.map(({ digest }) => digest),
    proofOf(digest: Hex32): Hex32[] {
      let node = nodeByDigest.get(digest);
      if (node === undefined) throw new RangeError(`Not a member of this batch: ${digest}`);
      // The siblings from the leaf up: node i's sibling is i + 1 when i is odd, else i - 1.
      const proof: Hex32[] = [];
      for (; node > 0; node = (node - 1) >> 1) proof.push(hexOf(nodeAt(node % 2 === 1 ? node + 1 : node - 1)));
      return proof;
    },
  };
}

/** True when `proof` places `digest` under `root` (sorted-pair keccak256, as OpenZeppelin's MerkleProof). */
export function verifyProof(digest: Hex32, root: Hex32, proof: readonly Hex32[]): boolean {
  let node = leafBytes(digest);
  for (const sibling of proof) node = nodeHash(node, bytes32(sibling));
  return compareBytes(node, bytes32(root)) === 0;
}
