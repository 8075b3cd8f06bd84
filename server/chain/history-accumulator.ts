import { toQuantity } from "ethers";
import { DocproofError } from "../errors";
import { EvidenceError } from "../proof/evidence-error";
import {
  buildReceiptLink,
  checkpointOf,
  epochOf,
  extendHistory,
  HISTORY_EPOCH_SIZE,
  startHistory,
  type BlockHashHistory,
  type BlockLink,
  type Checkpoint,
  type ReceiptLink,
} from "../proof/history-accumulator";
import type { Hex32 } from "../proof/digest";
import type { BlockHashLookup } from "../proof/offline-verification";
import type { CheckpointLinker } from "./evidence-builder";
import { callNode, callNodeBatch, type JsonRpcPort } from "./json-rpc";

export interface HistoryReadOptions {
  /** Blocks asked for in one JSON-RPC batch (256). */
  batchSize?: number;
  /** Batches in flight at once (4). */
  concurrency?: number;
  /** Called after each batch is taken in, with the last block read. */
  onProgress?: (blockNumber: number) => void;
}

interface RpcBlockLink {
  number: string;
  hash: string;
  parentHash: string;
}

/**
 * Blocks `from` to `to` as links (number, hash, parent hash), in order, read in batched
 * `eth_getBlockByNumber` calls with a few batches in flight. Yields one array per batch.
 */
async function* readBlockLinks(
  port: JsonRpcPort,
  from: number,
  to: number,
  options: HistoryReadOptions,
): AsyncGenerator<BlockLink[]> {
  const batchSize = options.batchSize ?? 256;
  const concurrency = options.concurrency ?? 4;
  const readBatch = async (start: number): Promise<BlockLink[]> => {
    const end = Math.min(start + batchSize - 1, to);
    const calls = [];
    for (let n = start; n <= end; n++) calls.push({ method: "eth_getBlockByNumber", params: [toQuantity(n), false] });
    const blocks = (await callNodeBatch(port, calls)) as (RpcBlockLink | null)[];
    return blocks.map((block, i) => {
      if (block === null) throw new DocproofError("chain-unavailable", `The node has no block ${start + i}.`);
      return {
        number: Number(block.number),
        hash: block.hash.toLowerCase() as Hex32,
        parentHash: block.parentHash.toLowerCase() as Hex32,
      };
    });
  };
  const inFlight: Promise<BlockLink[]>[] = [];
  let next = from;
  const fill = () => {
    while (inFlight.length < concurrency && next <= to) {
      const batch = readBatch(next);
      // Handled when its turn comes; a rejection must not go unobserved meanwhile.
      batch.catch(() => undefined);
      inFlight.push(batch);
      next += batchSize;
    }
  };
  fill();
  while (inFlight.length > 0) {
    const links = await inFlight.shift()!;
    fill();
    yield links;
  }
}

async function latestBlockNumber(port: JsonRpcPort): Promise<number> {
  return Number(await callNode(port, "eth_blockNumber", []));
}

/**
 * The `node` trust anchor's lookup (`nodeAnchor(name, nodeBlockHashLookup(port))`): the hash the
 * node reports for a block, undefined when it has none.
 */
export function nodeBlockHashLookup(port: JsonRpcPort): BlockHashLookup {
  return async (blockNumber) => {
    const block = (await callNode(port, "eth_getBlockByNumber", [
      toQuantity(blockNumber),
      false,
    ])) as RpcBlockLink | null;
    return block?.hash.toLowerCase();
  };
}

async function blockHashOf(port: JsonRpcPort, blockNumber: number): Promise<Hex32> {
  const block = (await callNode(port, "eth_getBlockByNumber", [toQuantity(blockNumber), false])) as RpcBlockLink | null;
  if (block === null) throw new DocproofError("chain-unavailable", `The node has no block ${blockNumber}.`);
  return block.hash.toLowerCase() as Hex32;
}

/**
 * Reads the node's blocks after the history's head up to `toBlock` (the latest block when absent)
 * and appends them, checking every parent link from the head on. Without a history it starts at
 * the genesis. Throws `history-broken` (EvidenceError) if the chain does not link, `chain-mismatch`
 * if the node is another chain than the history's.
 */
export async function extendHistoryFromNode(
  port: JsonRpcPort,
  history: BlockHashHistory | undefined,
  toBlock?: number,
  options: HistoryReadOptions & { epochSize?: number } = {},
): Promise<BlockHashHistory> {
  const chainId = Number(await callNode(port, "eth_chainId", []));
  const genesisHash = await blockHashOf(port, 0);
  if (history !== undefined && (history.chainId !== chainId || history.genesisHash !== genesisHash)) {
    throw new DocproofError(
      "chain-mismatch",
      `The history is of chain ${history.chainId} (genesis ${history.genesisHash}); the node serves chain ${chainId} (genesis ${genesisHash}).`,
    );
  }
  let extended = history ?? startHistory(chainId, genesisHash, options.epochSize ?? HISTORY_EPOCH_SIZE);
  const last = toBlock ?? (await latestBlockNumber(port));
  if (last < extended.head.blockNumber) {
    throw new EvidenceError(
      "history-broken",
      `The history already reaches block ${extended.head.blockNumber}, past the requested block ${last}.`,
    );
  }
  for await (const links of readBlockLinks(port, extended.head.blockNumber + 1, last, options)) {
    extended = extendHistory(extended, links);
    options.onProgress?.(extended.head.blockNumber);
  }
  return extended;
}

/**
 * A checkpoint at `toBlock` (the latest block when absent), from the history kept so far or from
 * the genesis. Returns the history too: keep it to make links and the next checkpoint.
 */
export async function checkpointFromNode(
  port: JsonRpcPort,
  options: HistoryReadOptions & { history?: BlockHashHistory; toBlock?: number; epochSize?: number } = {},
): Promise<{ checkpoint: Checkpoint; history: BlockHashHistory }> {
  const history = await extendHistoryFromNode(port, options.history, options.toBlock, options);
  return { checkpoint: checkpointOf(history), history };
}

/** The block hashes of one complete epoch, read again from the node, parent links checked. */
export async function epochHashesFromNode(
  port: JsonRpcPort,
  epoch: number,
  epochSize = HISTORY_EPOCH_SIZE,
  options: HistoryReadOptions = {},
): Promise<Hex32[]> {
  const first = epoch * epochSize;
  const hashes: Hex32[] = [];
  let previous: BlockLink | undefined;
  for await (const links of readBlockLinks(port, first, first + epochSize - 1, options)) {
    for (const link of links) {
      if (previous !== undefined && link.parentHash !== previous.hash) {
        throw new EvidenceError(
          "history-broken",
          `Block ${link.number} does not name block ${previous.number} as its parent.`,
        );
      }
      hashes.push(link.hash);
      previous = link;
    }
  }
  return hashes;
}

/**
 * Makes links to the checkpoint at the history's head, reading from the node only the epoch of a
 * block that lies in a complete epoch (checked against the recorded epoch root).
 */
export function historyLinker(
  port: JsonRpcPort,
  history: BlockHashHistory,
  options: HistoryReadOptions = {},
): CheckpointLinker {
  const checkpoint = checkpointOf(history);
  return {
    checkpoint,
    async linkFor(blockNumber: number, blockHash: Hex32): Promise<ReceiptLink> {
      const { epoch } = epochOf(blockNumber, history.epochSize);
      const epochHashes =
        epoch < history.epochRoots.length
          ? await epochHashesFromNode(port, epoch, history.epochSize, options)
          : undefined;
      const built = buildReceiptLink(history, blockNumber, epochHashes);
      if (built.blockHash !== blockHash) {
        throw new EvidenceError(
          "link-unavailable",
          `Block ${blockNumber} is ${blockHash} now, but the checkpoint at block ${checkpoint.blockNumber} holds ${built.blockHash}: the chain reorganised since.`,
        );
      }
      return built.link;
    },
  };
}
