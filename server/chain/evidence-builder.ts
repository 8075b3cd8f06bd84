import { createBlockHeaderFromRPC, type JSONRPCBlock } from "@ethereumjs/block";
import { createCustomCommon, Hardfork, Mainnet } from "@ethereumjs/common";
import { createMerkleProof, createMPT, type MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { createTxFromRPC, type TxData, type TransactionType } from "@ethereumjs/tx";
import { bigIntToUnpaddedBytes, bytesToHex, concatBytes, equalsBytes, hexToBytes } from "@ethereumjs/util";
import { keccak256, toQuantity } from "ethers";
import { DocproofError } from "../errors";
import { EvidenceError } from "../proof/evidence-error";
import type { Checkpoint, ReceiptLink } from "../proof/history-accumulator";
import type { Hex32 } from "../proof/digest";
import {
  checkpointAnchor,
  nodeAnchor,
  verifyReceiptOffline,
  type EvidenceCheckName,
  type TrustAnchor,
} from "../proof/offline-verification";
import { checkReceiptConsistency, type ReceiptV1 } from "../proof/receipt";
import type { ReceiptV2 } from "../proof/receipt-v2";
import { callNode, callNodeBatch, type JsonRpcPort } from "./json-rpc";

/** Links blocks to one checkpoint (server/chain/history-accumulator.ts makes one from a node). */
export interface CheckpointLinker {
  readonly checkpoint: Checkpoint;
  linkFor(blockNumber: number, blockHash: Hex32): Promise<ReceiptLink>;
}

export interface EvidenceOptions {
  /** Adds a link to this linker's checkpoint; the receipt gets none without it. */
  linker?: CheckpointLinker;
}

interface RpcTransaction {
  hash: string;
  type?: string;
}

interface RpcBlock {
  number: string;
  hash: string;
  timestamp: string;
  transactions: RpcTransaction[];
  baseFeePerGas?: string;
  withdrawalsRoot?: string;
  blobGasUsed?: string;
  parentBeaconBlockRoot?: string;
  requestsHash?: string;
}

interface RpcLog {
  address: string;
  topics: string[];
  data: string;
}

interface RpcReceipt {
  transactionHash: string;
  type?: string;
  status?: string;
  root?: string;
  cumulativeGasUsed: string;
  logsBloom: string;
  logs: RpcLog[];
}

/** Receipts fetched one by one are sent this many to a batch. */
const RECEIPT_BATCH = 200;

/** Checks whose failure means the receipt claims what the chain does not hold. */
const RECEIPT_CLAIMS: ReadonlySet<EvidenceCheckName> = new Set([
  "header-fields",
  "transaction-call",
  "transaction-sender",
  "receipt-status",
  "receipt-log",
]);

const hex = (value: string) => hexToBytes(value as `0x${string}`);

/**
 * The header layout a block's fields imply: each fork from London on added header fields, and a
 * node reports exactly the fields its block has. Forks that add none read the same as the last
 * that did (Osaka as Prague, Paris as London).
 */
function headerHardfork(block: RpcBlock): Hardfork {
  if (block.requestsHash !== undefined) return Hardfork.Prague;
  if (block.parentBeaconBlockRoot !== undefined || block.blobGasUsed !== undefined) return Hardfork.Cancun;
  if (block.withdrawalsRoot !== undefined) return Hardfork.Shanghai;
  if (block.baseFeePerGas !== undefined) return Hardfork.London;
  return Hardfork.Berlin;
}

/** The consensus encoding of a receipt: `type ‖ rlp([status, cumulativeGasUsed, logsBloom, logs])`, bare for legacy. */
export function encodeReceipt(receipt: RpcReceipt): Uint8Array {
  const outcome =
    receipt.status !== undefined && receipt.status !== null
      ? BigInt(receipt.status) === 1n
        ? Uint8Array.of(1)
        : new Uint8Array()
      : hex(receipt.root ?? "0x");
  const body = RLP.encode([
    outcome,
    bigIntToUnpaddedBytes(BigInt(receipt.cumulativeGasUsed)),
    hex(receipt.logsBloom),
    receipt.logs.map((log) => [hex(log.address), log.topics.map(hex), hex(log.data)]),
  ]);
  const type = Number(receipt.type ?? 0);
  return type === 0 ? body : concatBytes(Uint8Array.of(type), body);
}

async function blockReceipts(source: JsonRpcPort, block: RpcBlock): Promise<RpcReceipt[]> {
  try {
    const receipts = (await source.send("eth_getBlockReceipts", [block.number])) as RpcReceipt[] | null;
    if (Array.isArray(receipts) && receipts.length === block.transactions.length) return receipts;
  } catch {
    // NOTE: Hardhat's node has no eth_getBlockReceipts: fall back to one call per transaction.
  }
  const receipts: RpcReceipt[] = [];
  for (let start = 0; start < block.transactions.length; start += RECEIPT_BATCH) {
    const calls = block.transactions
      .slice(start, start + RECEIPT_BATCH)
      .map((tx) => ({ method: "eth_getTransactionReceipt", params: [tx.hash] }));
    receipts.push(...((await callNodeBatch(source, calls)) as RpcReceipt[]));
  }
  return receipts;
}

async function trieOf(values: readonly Uint8Array[]): Promise<MerklePatriciaTrie> {
  const trie = await createMPT();
  for (const [index, value] of values.entries()) await trie.put(RLP.encode(index), value);
  return trie;
}

function inconsistent(blockNumber: number, what: string): EvidenceError {
  return new EvidenceError(
    "block-inconsistent",
    `Block ${blockNumber} as the node reports it is inconsistent: ${what}.`,
  );
}

/**
 * Builds the version 2 receipt of `receipt` from a node: the anchoring block's header rebuilt from
 * its fields (and checked to hash to the block hash), the transactions and receipts tries rebuilt
 * (and checked against the header's roots), the proofs of the anchoring transaction and its receipt,
 * and a link to a checkpoint when a linker is given. The result is verified offline before it is
 * returned, so what leaves here always verifies.
 *
 * Throws `receipt-wrong-chain` or `receipt-tampered` (DocproofError) when the chain contradicts the
 * receipt, `chain-unavailable` when the node fails, and EvidenceError `header-unsupported` or
 * `block-inconsistent` when the node's block cannot be rebuilt faithfully.
 */
export async function buildReceiptV2(
  source: JsonRpcPort,
  receipt: ReceiptV1,
  options: EvidenceOptions = {},
): Promise<ReceiptV2> {
  checkReceiptConsistency(receipt);
  const chainId = Number(await callNode(source, "eth_chainId", []));
  if (chainId !== receipt.chainId) {
    throw new DocproofError(
      "receipt-wrong-chain",
      `The receipt is for chain ${receipt.chainId}; the node serves chain ${chainId}.`,
    );
  }
  const contradiction = (what: string) =>
    new DocproofError("receipt-tampered", `The chain contradicts the receipt: ${what}.`);
  // NOTE: block 0 is the genesis: it holds no transaction, and nodes report made-up roots for it.
  if (receipt.blockNumber === 0) throw contradiction("block 0 (the genesis) holds no transactions");
  const block = (await callNode(source, "eth_getBlockByNumber", [
    toQuantity(receipt.blockNumber),
    true,
  ])) as RpcBlock | null;
  if (block === null) throw contradiction(`the node has no block ${receipt.blockNumber} (yet)`);
  const index = block.transactions.findIndex((tx) => tx.hash.toLowerCase() === receipt.txHash);
  if (index < 0) throw contradiction(`transaction ${receipt.txHash} is not in block ${receipt.blockNumber}`);
  if (Number(block.timestamp) !== receipt.timestamp) {
    throw contradiction(
      `block ${receipt.blockNumber} has timestamp ${Number(block.timestamp)}, not ${receipt.timestamp}`,
    );
  }

  const hardfork = headerHardfork(block);
  let header;
  try {
    header = createBlockHeaderFromRPC(block as unknown as JSONRPCBlock, {
      common: createCustomCommon({ chainId }, Mainnet, { hardfork }),
      skipConsensusFormatValidation: true,
    });
  } catch (error) {
    throw new EvidenceError(
      "header-unsupported",
      `The header of block ${receipt.blockNumber} cannot be rebuilt as a ${hardfork} header: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const blockHash = bytesToHex(header.hash()) as Hex32;
  if (blockHash !== block.hash.toLowerCase()) {
    throw new EvidenceError(
      "header-unsupported",
      `The header of block ${receipt.blockNumber}, rebuilt as a ${hardfork} header, hashes to ${blockHash}, not to ` +
        `the block hash ${block.hash}: this chain hashes its headers differently (e.g. QBFT or IBFT 2.0 seals).`,
    );
  }

  const txCommon = createCustomCommon({ chainId }, Mainnet, { hardfork: Hardfork.Prague });
  const transactions: Uint8Array[] = [];
  for (const [i, rpcTx] of block.transactions.entries()) {
    let serialized: Uint8Array;
    try {
      const tx = await createTxFromRPC(rpcTx as unknown as TxData[TransactionType], { common: txCommon });
      serialized = tx.serialize();
    } catch (error) {
      throw inconsistent(
        receipt.blockNumber,
        `transaction ${i} (type ${rpcTx.type}) cannot be read: ${(error as Error).message}`,
      );
    }
    if (keccak256(serialized) !== rpcTx.hash.toLowerCase()) {
      throw inconsistent(receipt.blockNumber, `transaction ${i} (type ${rpcTx.type}) does not encode to its hash`);
    }
    transactions.push(serialized);
  }
  const transactionsTrie = await trieOf(transactions);
  if (!equalsBytes(transactionsTrie.root(), header.transactionsTrie)) {
    throw inconsistent(receipt.blockNumber, "its transactions do not rebuild its transactionsRoot");
  }

  const rpcReceipts = await blockReceipts(source, block);
  rpcReceipts.forEach((rpcReceipt, i) => {
    if (rpcReceipt?.transactionHash?.toLowerCase() !== block.transactions[i].hash.toLowerCase()) {
      throw inconsistent(receipt.blockNumber, `receipt ${i} is not the receipt of transaction ${i}`);
    }
  });
  const receipts = rpcReceipts.map(encodeReceipt);
  const receiptsTrie = await trieOf(receipts);
  if (!equalsBytes(receiptsTrie.root(), header.receiptTrie)) {
    throw inconsistent(receipt.blockNumber, "its receipts do not rebuild its receiptsRoot");
  }

  const key = RLP.encode(index);
  const toHex = (nodes: Uint8Array[]) => nodes.map((node) => bytesToHex(node));
  const link = options.linker === undefined ? undefined : await options.linker.linkFor(receipt.blockNumber, blockHash);
  const receiptV2: ReceiptV2 = {
    ...receipt,
    version: 2,
    evidence: {
      block: { hash: blockHash, header: bytesToHex(header.serialize()) },
      transaction: {
        index,
        raw: bytesToHex(transactions[index]),
        proof: toHex(await createMerkleProof(transactionsTrie, key)),
      },
      receipt: { raw: bytesToHex(receipts[index]), proof: toHex(await createMerkleProof(receiptsTrie, key)) },
      ...(link === undefined ? {} : { link }),
    },
  };

  const anchors: TrustAnchor[] = [
    nodeAnchor("that built the evidence", async (n) => (n === receipt.blockNumber ? blockHash : undefined)),
  ];
  if (options.linker !== undefined) anchors.push(checkpointAnchor(options.linker.checkpoint));
  for (const anchor of anchors) {
    const { checks } = await verifyReceiptOffline(receipt.sha256, receiptV2, anchor);
    const failed = checks.filter((check) => !check.passed);
    if (failed.length === 0) continue;
    const messages = failed.map((check) => check.message).join(" ");
    if (failed.some((check) => RECEIPT_CLAIMS.has(check.name))) throw contradiction(messages);
    throw new EvidenceError(
      "evidence-invalid",
      `The evidence built for ${receipt.txHash} does not verify: ${messages}`,
    );
  }
  return receiptV2;
}
