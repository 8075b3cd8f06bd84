import { z } from "zod";
import { getBytes, hexlify, keccak256, toBeHex, zeroPadValue } from "ethers";
import { EvidenceError } from "./evidence-error";
import type { Hex32 } from "./digest";
import { bytes32Schema, uintSchema } from "./receipt";

/**
 * A commitment to every block hash of a chain up to a checkpoint, so that a block far older than
 * the checkpoint links to it with a proof of a few dozen hashes instead of a chain of headers.
 *
 * Layout (after Ethereum's pre-merge history accumulator): block hashes are grouped in epochs of
 * `epochSize` (8192) blocks; each epoch is a binary Merkle tree of its block hashes in block order;
 * the epoch roots are the leaves of a second tree; the accumulator root mixes in the block count:
 *
 *   node  = keccak256(left ‖ right)              (ordered pairs: the position is the block number)
 *   epoch = tree of depth log2(epochSize) over the epoch's block hashes, missing leaves 0x00…00
 *   top   = tree of depth ceil(log2(epochs)) over the epoch roots, missing leaves 0x00…00
 *   root  = keccak256(top ‖ uint256(blockCount))
 *
 * Both depths follow from the block count, which the checkpoint states, so a proof of the wrong
 * length is refused before any hashing. Complete epochs never change as the chain grows: whoever
 * keeps the epoch roots (a few kB a year) can extend the accumulator from the new blocks alone.
 */
export const ACCUMULATOR_SCHEME = "epoch-merkle-keccak256";
export const HISTORY_EPOCH_SIZE = 8192;

const MAX_EPOCH_SIZE = 1 << 20;
const isEpochSize = (size: number) => size >= 2 && size <= MAX_EPOCH_SIZE && (size & (size - 1)) === 0;

const AccumulatorSchema = z
  .strictObject({
    scheme: z.literal(ACCUMULATOR_SCHEME),
    epochSize: uintSchema
      .refine(isEpochSize, "must be a power of two from 2 to 2^20")
      .describe("Blocks per epoch (8192)."),
    blockCount: uintSchema.min(1).describe("Blocks committed: 0 to blockNumber, so blockNumber + 1."),
    root: bytes32Schema.describe("keccak256(top-tree root ‖ uint256(blockCount))."),
  })
  .describe("Commitment to the hashes of blocks 0 to blockNumber (server/proof/history-accumulator.ts).");

/**
 * A checkpoint: a block a trusted node vouched for once, with the accumulator of every block hash up
 * to it. Whoever holds it checks a receipt's block without asking any node.
 */
export const CheckpointSchema = z
  .strictObject({
    chainId: uintSchema.min(1).describe("EIP-155 chain id."),
    genesisHash: bytes32Schema.describe("Hash of block 0 of this chain."),
    blockNumber: uintSchema.describe("The checkpoint block."),
    blockHash: bytes32Schema.describe("Its hash."),
    accumulator: AccumulatorSchema,
  })
  .refine((checkpoint) => checkpoint.accumulator.blockCount === checkpoint.blockNumber + 1, {
    message: "accumulator.blockCount must be blockNumber + 1",
    path: ["accumulator", "blockCount"],
  })
  .meta({
    $id: "urn:docproof:checkpoint:v1",
    title: "Docproof checkpoint",
    description:
      "A block of a chain and a commitment to the hashes of all blocks up to it, produced once from a trusted node. " +
      "A receipt's link proves its block's hash is among them.",
  });

export type Checkpoint = z.infer<typeof CheckpointSchema>;
export type Accumulator = Checkpoint["accumulator"];

/**
 * Everything needed to extend the accumulator and to link blocks to it: the roots of the complete
 * epochs and the hashes of the incomplete last one. Kept by whoever makes checkpoints and links.
 */
export const BlockHashHistorySchema = z.strictObject({
  chainId: uintSchema.min(1),
  genesisHash: bytes32Schema,
  epochSize: uintSchema.refine(isEpochSize, "must be a power of two from 2 to 2^20"),
  head: z.strictObject({ blockNumber: uintSchema, blockHash: bytes32Schema }),
  epochRoots: z.array(bytes32Schema),
  tail: z.array(bytes32Schema),
});

export type BlockHashHistory = z.infer<typeof BlockHashHistorySchema>;

/** How a receipt's block hash is committed under a checkpoint's accumulator. */
export const ReceiptLinkSchema = z
  .strictObject({
    checkpoint: z
      .strictObject({ blockNumber: uintSchema, blockHash: bytes32Schema })
      .describe("The checkpoint this link was made for."),
    epochProof: z
      .array(bytes32Schema)
      .max(20)
      .describe("Siblings from the block hash up to its epoch root (log2(epochSize) of them)."),
    accumulatorProof: z
      .array(bytes32Schema)
      .max(64)
      .describe("Siblings from the epoch root up to the top root (ceil(log2(epochs)) of them)."),
  })
  .describe("Proof that the anchoring block's hash is committed under a checkpoint's accumulator.");

export type ReceiptLink = z.infer<typeof ReceiptLinkSchema>;

/** A block as history reads it. */
export interface BlockLink {
  number: number;
  hash: Hex32;
  parentHash: Hex32;
}

const ZERO_HASH = new Uint8Array(32);
/** zeroTree[d]: the root of a subtree of depth d whose leaves are all missing. */
const zeroTree: Uint8Array[] = [ZERO_HASH];
function zeroRoot(depth: number): Uint8Array {
  while (zeroTree.length <= depth) {
    const below = zeroTree[zeroTree.length - 1];
    zeroTree.push(hashPair(below, below));
  }
  return zeroTree[depth];
}

const pair = new Uint8Array(64);
function hashPair(left: Uint8Array, right: Uint8Array): Uint8Array {
  pair.set(left, 0);
  pair.set(right, 32);
  return getBytes(keccak256(pair));
}

const log2 = (size: number) => Math.log2(size);
const topDepth = (epochs: number) => (epochs <= 1 ? 0 : Math.ceil(Math.log2(epochs)));
const epochCountOf = (blockCount: number, epochSize: number) => Math.ceil(blockCount / epochSize);

/** The levels of a tree of `depth` over `leaves` (missing leaves zero): levels[0] = leaves, levels[depth] = [root]. */
function treeLevels(leaves: readonly Uint8Array[], depth: number): Uint8Array[][] {
  const levels: Uint8Array[][] = [[...leaves]];
  for (let d = 0; d < depth; d++) {
    const below = levels[d];
    const level: Uint8Array[] = [];
    for (let i = 0; i < below.length; i += 2) level.push(hashPair(below[i], below[i + 1] ?? zeroRoot(d)));
    if (level.length === 0) level.push(zeroRoot(d + 1));
    levels.push(level);
  }
  return levels;
}

function siblingsOf(levels: Uint8Array[][], index: number): Hex32[] {
  const siblings: Hex32[] = [];
  for (let d = 0; d < levels.length - 1; d++) {
    const sibling = (index >> d) ^ 1;
    siblings.push(hexlify(levels[d][sibling] ?? zeroRoot(d)) as Hex32);
  }
  return siblings;
}

function rootFromSiblings(leaf: Uint8Array, index: number, siblings: readonly string[]): Uint8Array {
  let node = leaf;
  siblings.forEach((sibling, d) => {
    const other = getBytes(sibling);
    node = (index >> d) & 1 ? hashPair(other, node) : hashPair(node, other);
  });
  return node;
}

function mixInCount(top: Uint8Array, blockCount: number): Hex32 {
  const buffer = new Uint8Array(64);
  buffer.set(top, 0);
  buffer.set(getBytes(zeroPadValue(toBeHex(blockCount), 32)), 32);
  return keccak256(buffer) as Hex32;
}

/** The root of one epoch: the tree of depth log2(epochSize) over its block hashes, in block order. */
export function epochRootOf(blockHashes: readonly string[], epochSize = HISTORY_EPOCH_SIZE): Hex32 {
  if (!isEpochSize(epochSize)) throw new RangeError(`Epoch size ${epochSize} is not a power of two from 2 to 2^20.`);
  if (blockHashes.length > epochSize) throw new RangeError(`An epoch holds at most ${epochSize} block hashes.`);
  const levels = treeLevels(
    blockHashes.map((hash) => getBytes(hash)),
    log2(epochSize),
  );
  return hexlify(levels[levels.length - 1][0]) as Hex32;
}

function blockCountOf(history: BlockHashHistory): number {
  return history.head.blockNumber + 1;
}

function epochLeaves(history: BlockHashHistory): Uint8Array[] {
  const leaves = history.epochRoots.map((root) => getBytes(root));
  if (history.tail.length > 0) leaves.push(getBytes(epochRootOf(history.tail, history.epochSize)));
  return leaves;
}

/** The history of a chain holding only its genesis block. */
export function startHistory(chainId: number, genesisHash: Hex32, epochSize = HISTORY_EPOCH_SIZE): BlockHashHistory {
  if (!isEpochSize(epochSize)) throw new RangeError(`Epoch size ${epochSize} is not a power of two from 2 to 2^20.`);
  return {
    chainId,
    genesisHash,
    epochSize,
    head: { blockNumber: 0, blockHash: genesisHash },
    epochRoots: [],
    tail: [genesisHash],
  };
}

/**
 * Appends the blocks that follow the history's head, checking that each names the one before as its
 * parent. Throws `history-broken` on a gap or a broken link (a reorganisation while reading).
 */
export function extendHistory(history: BlockHashHistory, blocks: readonly BlockLink[]): BlockHashHistory {
  const epochRoots = [...history.epochRoots];
  let tail = [...history.tail];
  let head = history.head;
  for (const block of blocks) {
    if (block.number !== head.blockNumber + 1) {
      throw new EvidenceError(
        "history-broken",
        `Block ${block.number} does not follow block ${head.blockNumber}: blocks must be appended in order.`,
      );
    }
    if (block.parentHash.toLowerCase() !== head.blockHash) {
      throw new EvidenceError(
        "history-broken",
        `Block ${block.number} names parent ${block.parentHash}, but block ${head.blockNumber} is ${head.blockHash}: ` +
          "the chain reorganised while it was read, or the node is inconsistent.",
      );
    }
    const hash = block.hash.toLowerCase() as Hex32;
    tail.push(hash);
    if (tail.length === history.epochSize) {
      epochRoots.push(epochRootOf(tail, history.epochSize));
      tail = [];
    }
    head = { blockNumber: block.number, blockHash: hash };
  }
  return { ...history, head, epochRoots, tail };
}

/** The accumulator of the history as it stands. */
export function accumulatorOf(history: BlockHashHistory): Accumulator {
  const blockCount = blockCountOf(history);
  const levels = treeLevels(epochLeaves(history), topDepth(epochCountOf(blockCount, history.epochSize)));
  return {
    scheme: ACCUMULATOR_SCHEME,
    epochSize: history.epochSize,
    blockCount,
    root: mixInCount(levels[levels.length - 1][0], blockCount),
  };
}

/** The checkpoint at the history's head. */
export function checkpointOf(history: BlockHashHistory): Checkpoint {
  return {
    chainId: history.chainId,
    genesisHash: history.genesisHash,
    blockNumber: history.head.blockNumber,
    blockHash: history.head.blockHash,
    accumulator: accumulatorOf(history),
  };
}

/** The epoch of a block and its place in it. */
export function epochOf(blockNumber: number, epochSize = HISTORY_EPOCH_SIZE): { epoch: number; index: number } {
  return { epoch: Math.floor(blockNumber / epochSize), index: blockNumber % epochSize };
}

/**
 * Links block `blockNumber` to the checkpoint at the history's head. A block of the incomplete last
 * epoch needs nothing more; a block of a complete epoch needs that epoch's block hashes, which the
 * history does not keep (read them again from a node): they are checked against its epoch root.
 */
export function buildReceiptLink(
  history: BlockHashHistory,
  blockNumber: number,
  epochHashes?: readonly string[],
): { blockHash: Hex32; link: ReceiptLink } {
  const blockCount = blockCountOf(history);
  if (!Number.isSafeInteger(blockNumber) || blockNumber < 0 || blockNumber >= blockCount) {
    throw new EvidenceError(
      "link-unavailable",
      `Block ${blockNumber} is not covered by the checkpoint at block ${history.head.blockNumber}.`,
    );
  }
  const { epoch, index } = epochOf(blockNumber, history.epochSize);
  let hashes: readonly string[];
  if (epoch < history.epochRoots.length) {
    if (epochHashes === undefined) {
      throw new EvidenceError(
        "link-unavailable",
        `Block ${blockNumber} is in complete epoch ${epoch}: its ${history.epochSize} block hashes are needed.`,
      );
    }
    if (
      epochHashes.length !== history.epochSize ||
      epochRootOf(epochHashes, history.epochSize) !== history.epochRoots[epoch]
    ) {
      throw new EvidenceError(
        "link-unavailable",
        `The block hashes given for epoch ${epoch} do not match its recorded root ${history.epochRoots[epoch]}.`,
      );
    }
    hashes = epochHashes;
  } else {
    hashes = history.tail;
  }
  const epochLevels = treeLevels(
    hashes.map((hash) => getBytes(hash)),
    log2(history.epochSize),
  );
  const topLevels = treeLevels(epochLeaves(history), topDepth(epochCountOf(blockCount, history.epochSize)));
  return {
    blockHash: hashes[index].toLowerCase() as Hex32,
    link: {
      checkpoint: { blockNumber: history.head.blockNumber, blockHash: history.head.blockHash },
      epochProof: siblingsOf(epochLevels, index),
      accumulatorProof: siblingsOf(topLevels, epoch),
    },
  };
}

/**
 * Checks that `blockHash` is the hash of block `blockNumber` committed under `checkpoint`. Returns
 * undefined when it is, else why not.
 */
export function checkReceiptLink(
  checkpoint: Checkpoint,
  blockNumber: number,
  blockHash: string,
  link: ReceiptLink,
): string | undefined {
  const { accumulator } = checkpoint;
  if (link.checkpoint.blockNumber !== checkpoint.blockNumber || link.checkpoint.blockHash !== checkpoint.blockHash) {
    return (
      `The receipt's link was made for the checkpoint at block ${link.checkpoint.blockNumber} (${link.checkpoint.blockHash}), ` +
      `not for this one at block ${checkpoint.blockNumber} (${checkpoint.blockHash}).`
    );
  }
  if (blockNumber >= accumulator.blockCount) {
    return `Block ${blockNumber} is newer than the checkpoint at block ${checkpoint.blockNumber}: a later checkpoint is needed.`;
  }
  const epochDepth = log2(accumulator.epochSize);
  const depth = topDepth(epochCountOf(accumulator.blockCount, accumulator.epochSize));
  if (link.epochProof.length !== epochDepth || link.accumulatorProof.length !== depth) {
    return (
      `The link has ${link.epochProof.length} epoch and ${link.accumulatorProof.length} accumulator siblings; ` +
      `a checkpoint of ${accumulator.blockCount} blocks needs ${epochDepth} and ${depth}.`
    );
  }
  const { epoch, index } = epochOf(blockNumber, accumulator.epochSize);
  const epochRoot = rootFromSiblings(getBytes(blockHash), index, link.epochProof);
  const top = rootFromSiblings(epochRoot, epoch, link.accumulatorProof);
  if (mixInCount(top, accumulator.blockCount) !== accumulator.root) {
    return `Block ${blockNumber}'s hash ${blockHash} is not the one the checkpoint at block ${checkpoint.blockNumber} commits to.`;
  }
  return undefined;
}
