import { createCustomCommon, Hardfork, Mainnet, type Common } from "@ethereumjs/common";
import { verifyMerkleProof } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { createTxFromRLP } from "@ethereumjs/tx";
import { bytesToBigInt, bytesToHex, equalsBytes, hexToBytes } from "@ethereumjs/util";
import { keccak256, type LogDescription, type TransactionDescription } from "ethers";
import { toBytes32, type Sha256Hex, type Hex32 } from "./digest";
import { checkReceiptLink, type Checkpoint } from "./history-accumulator";
import { leafOf, verifyProof } from "./merkle";
import { registryAnchoringInterface } from "./registry-abi";
import type { ReceiptV2 } from "./receipt-v2";
import type { TrustFile } from "./trust-file";
import { verifyWitnesses, type WitnessCheckName } from "./witness";

/** The hash of block `blockNumber` as some source the verifier trusts reports it; undefined if it has none. */
export type BlockHashLookup = (blockNumber: number) => Promise<string | undefined>;

/**
 * What vouches for the block hash: everything else in the evidence only shows the block is
 * self-consistent, and anyone can make up a self-consistent block.
 */
export type TrustAnchor =
  /** A checkpoint pinned beforehand; the receipt's link must place the block hash under it. */
  | { kind: "checkpoint"; checkpoint: Checkpoint }
  /** A node the verifier trusts, asked for one block hash (as `--rpc` does). */
  | { kind: "node"; name: string; blockHashAt: BlockHashLookup }
  /** Consortium members who cosigned the block hash (`evidence.witnesses`), as a trust file lists them. */
  | { kind: "witnesses"; trust: TrustFile };

export function checkpointAnchor(checkpoint: Checkpoint): TrustAnchor {
  return { kind: "checkpoint", checkpoint };
}

export function nodeAnchor(name: string, blockHashAt: BlockHashLookup): TrustAnchor {
  return { kind: "node", name, blockHashAt };
}

export function witnessAnchor(trust: TrustFile): TrustAnchor {
  return { kind: "witnesses", trust };
}

export type EvidenceCheckName =
  | "document"
  | "leaf"
  | "merkle-path"
  | "header-hash"
  | "header-fields"
  | "transaction-hash"
  | "transaction-inclusion"
  | "transaction-call"
  | "transaction-sender"
  | "receipt-inclusion"
  | "receipt-status"
  | "receipt-log"
  /** With a `witnesses` anchor only: each check of the cosignatures against the trust file. */
  | WitnessCheckName
  | "trust-anchor";

export interface EvidenceCheck {
  name: EvidenceCheckName;
  passed: boolean;
  /** What was found, in words: why it passed, or what is wrong. */
  message: string;
}

/** The phrase every offline verdict of a genuine receipt starts with. */
export const OFFLINE_ANCHORED = "anchored; revocation not checked — offline";

export interface OfflineVerdict {
  valid: boolean;
  /** "unknown": only the document differs from the receipt's; "invalid-receipt": the evidence fails. */
  status: "anchored" | "unknown" | "invalid-receipt";
  /** One line for people: OFFLINE_ANCHORED and the trust anchor that held, or what failed. */
  summary: string;
  /** Every failed check's message, when not valid. */
  reason?: string;
  sha256: Sha256Hex;
  merkleRoot: Hex32;
  chainId: number;
  registry: string;
  txHash: Hex32;
  blockNumber: number;
  blockHash: Hex32;
  anchoredAt: number;
  registrar: string;
  trustAnchor: { kind: TrustAnchor["kind"]; description: string; held: boolean };
  /** Revocations live in the registry's state, which the evidence does not carry. */
  revocation: "not-checked";
}

export interface OfflineVerification {
  verdict: OfflineVerdict;
  checks: EvidenceCheck[];
}

/** Positions in a block header's RLP list, unchanged since Frontier (later forks append fields). */
const HEADER_FIELD = { transactionsRoot: 4, receiptsRoot: 5, number: 8, timestamp: 11 } as const;
const FRONTIER_HEADER_FIELDS = 15;

interface DecodedHeader {
  transactionsRoot: Uint8Array;
  receiptsRoot: Uint8Array;
  number: bigint;
  timestamp: bigint;
}

interface DecodedLog {
  address: string;
  topics: string[];
  data: string;
}

interface DecodedReceipt {
  /** 1 or 0 after Byzantium; undefined for a pre-Byzantium receipt, which holds a state root instead. */
  status: number | undefined;
  logs: DecodedLog[];
}

type Decoded<T> = { ok: true; value: T } | { ok: false; problem: string };

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function decodeHeader(header: Uint8Array): Decoded<DecodedHeader> {
  try {
    const fields = RLP.decode(header);
    if (!Array.isArray(fields) || fields.length < FRONTIER_HEADER_FIELDS || fields.some((f) => Array.isArray(f))) {
      return { ok: false, problem: "it is not an RLP list of at least 15 byte strings" };
    }
    const bytes = fields as Uint8Array[];
    return {
      ok: true,
      value: {
        transactionsRoot: bytes[HEADER_FIELD.transactionsRoot],
        receiptsRoot: bytes[HEADER_FIELD.receiptsRoot],
        number: bytesToBigInt(bytes[HEADER_FIELD.number]),
        timestamp: bytesToBigInt(bytes[HEADER_FIELD.timestamp]),
      },
    };
  } catch (error) {
    return { ok: false, problem: messageOf(error) };
  }
}

/** Consensus encoding: `type ‖ rlp([status, cumulativeGasUsed, logsBloom, logs])`, or the bare list for legacy. */
function decodeReceipt(raw: Uint8Array): Decoded<DecodedReceipt> {
  try {
    const typed = raw.length > 0 && raw[0] <= 0x7f;
    const fields = RLP.decode(typed ? raw.subarray(1) : raw);
    if (!Array.isArray(fields) || fields.length !== 4 || Array.isArray(fields[0]) || !Array.isArray(fields[3])) {
      return { ok: false, problem: "it is not [status, cumulativeGasUsed, logsBloom, logs]" };
    }
    const statusField = fields[0] as Uint8Array;
    const logs = (fields[3] as unknown[]).map((log) => {
      const [address, topics, data] = log as [Uint8Array, Uint8Array[], Uint8Array];
      return { address: bytesToHex(address), topics: topics.map((topic) => bytesToHex(topic)), data: bytesToHex(data) };
    });
    return {
      ok: true,
      value: { status: statusField.length === 32 ? undefined : Number(bytesToBigInt(statusField)), logs },
    };
  } catch (error) {
    return { ok: false, problem: messageOf(error) };
  }
}

const commons = new Map<number, Common>();
/** Prague reads every transaction type a chain of any fork can hold (legacy, 2930, 1559, 4844, 7702). */
function commonFor(chainId: number): Common {
  let common = commons.get(chainId);
  if (common === undefined) {
    common = createCustomCommon({ chainId }, Mainnet, { hardfork: Hardfork.Prague });
    commons.set(chainId, common);
  }
  return common;
}

/**
 * The value a Merkle-Patricia proof holds at key rlp(index) under `root`. The first node is checked
 * separately so that a proof for another trie and a proof altered below its root read differently.
 */
async function provenValue(
  what: "transactions" | "receipts",
  root: Uint8Array,
  index: number,
  proof: readonly Uint8Array[],
): Promise<Decoded<Uint8Array>> {
  if (keccak256(proof[0]) !== bytesToHex(root)) {
    return {
      ok: false,
      problem: `The ${what}-trie proof does not start at the header's ${what}Root: its first node was altered, or it belongs to another block.`,
    };
  }
  let value: Uint8Array | null;
  try {
    value = await verifyMerkleProof(RLP.encode(index), [...proof], { root });
  } catch {
    return {
      ok: false,
      problem: `The ${what}-trie proof is broken below its root: a node was altered or is missing.`,
    };
  }
  if (value === null) return { ok: false, problem: `The ${what} trie proves there is no entry at index ${index}.` };
  return { ok: true, value };
}

const pass = (name: EvidenceCheckName, message: string): EvidenceCheck => ({ name, passed: true, message });
const fail = (name: EvidenceCheckName, message: string): EvidenceCheck => ({ name, passed: false, message });
const sameAddress = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();

function checkCall(receipt: ReceiptV2, call: TransactionDescription): EvidenceCheck {
  const digest = toBytes32(receipt.sha256);
  if (call.name === "anchorBatch") {
    const root = (call.args.root as string).toLowerCase();
    const digests = (call.args.digests as string[]).map((d) => d.toLowerCase());
    if (root !== receipt.merkleRoot) {
      return fail(
        "transaction-call",
        `The transaction anchors root ${root}, not the receipt's merkleRoot ${receipt.merkleRoot}.`,
      );
    }
    if (digests.length !== receipt.leafCount) {
      return fail(
        "transaction-call",
        `The transaction's batch holds ${digests.length} documents, not the receipt's leafCount ${receipt.leafCount}.`,
      );
    }
    if (!digests.includes(digest)) {
      return fail("transaction-call", "The transaction's batch does not hold the receipt's sha256.");
    }
    return pass(
      "transaction-call",
      `The transaction calls anchorBatch on the registry with the merkleRoot and ${digests.length} documents, the receipt's among them.`,
    );
  }
  const anchored = (call.args.digest as string).toLowerCase() as Hex32;
  if (anchored !== digest) {
    return fail(
      "transaction-call",
      `The transaction anchors the single document ${anchored}, not the receipt's sha256.`,
    );
  }
  if (leafOf(anchored) !== receipt.merkleRoot || receipt.leafCount !== 1) {
    return fail(
      "transaction-call",
      `The transaction anchors a single document, whose root is its leaf ${leafOf(anchored)}, not the receipt's merkleRoot ${receipt.merkleRoot} of ${receipt.leafCount} documents.`,
    );
  }
  return pass("transaction-call", "The transaction calls anchor on the registry with the receipt's sha256.");
}

function checkLogs(receipt: ReceiptV2, logs: readonly DecodedLog[]): EvidenceCheck {
  for (const log of logs) {
    if (!sameAddress(log.address, receipt.registry)) continue;
    let event: LogDescription | null;
    try {
      event = registryAnchoringInterface.parseLog(log);
    } catch {
      event = null;
    }
    if (event === null || (event.args.root as string).toLowerCase() !== receipt.merkleRoot) continue;
    if (!sameAddress(event.args.registrar as string, receipt.registrar)) continue;
    if (event.name === "BatchAnchored" && Number(event.args.leafCount) === receipt.leafCount) {
      return pass(
        "receipt-log",
        `The registry emitted BatchAnchored for the merkleRoot by the registrar (${receipt.leafCount} documents).`,
      );
    }
    if (
      event.name === "DocumentAnchored" &&
      (event.args.digest as string).toLowerCase() === toBytes32(receipt.sha256)
    ) {
      return pass("receipt-log", "The registry emitted DocumentAnchored for the sha256 by the registrar.");
    }
  }
  return fail(
    "receipt-log",
    `The receipt holds no anchoring event from the registry ${receipt.registry} for root ${receipt.merkleRoot} by ${receipt.registrar}.`,
  );
}

function checkWitnesses(
  receipt: ReceiptV2,
  trust: TrustFile,
): { check: EvidenceCheck; description: string; witnessChecks: EvidenceCheck[] } {
  const { blockNumber, chainId, registry } = receipt;
  const blockHash = receipt.evidence.block.hash;
  const description = `${trust.threshold} of ${trust.witnesses.length} witnesses of the trust file for chain ${trust.chainId}`;
  const report = verifyWitnesses(
    { chainId, registry, blockNumber, blockHash },
    receipt.evidence.witnesses ?? [],
    trust,
  );
  const witnessChecks = report.checks.map((step) => (step.ok ? pass : fail)(step.name, step.detail));
  const failed = report.checks.filter((step) => !step.ok);
  return {
    description,
    witnessChecks,
    check: report.ok
      ? pass(
          "trust-anchor",
          `Block ${blockNumber}'s hash is cosigned by ${report.counted.length} trusted witnesses, ${trust.threshold} needed.`,
        )
      : fail(
          "trust-anchor",
          (receipt.evidence.witnesses ?? []).length === 0
            ? "The receipt carries no witness cosignatures."
            : `The witnesses do not vouch for block ${blockNumber}: ${failed.map((step) => step.detail).join(" ")}`,
        ),
  };
}

async function checkTrustAnchor(
  receipt: ReceiptV2,
  anchor: TrustAnchor,
): Promise<{ check: EvidenceCheck; description: string; witnessChecks?: EvidenceCheck[] }> {
  const { blockNumber } = receipt;
  const blockHash = receipt.evidence.block.hash;
  if (anchor.kind === "witnesses") return checkWitnesses(receipt, anchor.trust);
  if (anchor.kind === "checkpoint") {
    const { checkpoint } = anchor;
    const description = `checkpoint at block ${checkpoint.blockNumber} (${checkpoint.blockHash}) of chain ${checkpoint.chainId}`;
    if (checkpoint.chainId !== receipt.chainId) {
      return {
        description,
        check: fail(
          "trust-anchor",
          `The checkpoint is for chain ${checkpoint.chainId}; the receipt for chain ${receipt.chainId}.`,
        ),
      };
    }
    const link = receipt.evidence.link;
    if (link === undefined) {
      return { description, check: fail("trust-anchor", "The receipt carries no link to a checkpoint.") };
    }
    const problem = checkReceiptLink(checkpoint, blockNumber, blockHash, link);
    return {
      description,
      check:
        problem === undefined
          ? pass("trust-anchor", `Block ${blockNumber}'s hash is committed under the ${description}.`)
          : fail("trust-anchor", problem),
    };
  }
  const description = `node ${anchor.name}`;
  let reported: string | undefined;
  try {
    reported = await anchor.blockHashAt(blockNumber);
  } catch (error) {
    return {
      description,
      check: fail(
        "trust-anchor",
        `The ${description} could not be asked for block ${blockNumber}: ${messageOf(error)}`,
      ),
    };
  }
  if (reported === undefined) {
    return { description, check: fail("trust-anchor", `The ${description} has no block ${blockNumber}.`) };
  }
  return {
    description,
    check:
      reported.toLowerCase() === blockHash
        ? pass("trust-anchor", `The ${description} reports the same hash for block ${blockNumber}.`)
        : fail(
            "trust-anchor",
            `The ${description} reports hash ${reported.toLowerCase()} for block ${blockNumber}, not the receipt's ${blockHash}.`,
          ),
  };
}

function documentChecks(sha256: Sha256Hex, receipt: ReceiptV2): EvidenceCheck[] {
  const digest = toBytes32(receipt.sha256);
  return [
    sha256 === receipt.sha256
      ? pass("document", "The document's SHA-256 is the receipt's.")
      : fail(
          "document",
          "The document's SHA-256 differs from the receipt's: the document was modified, or the receipt is another's.",
        ),
    leafOf(digest) === receipt.leaf
      ? pass("leaf", "The receipt's leaf is the leaf of its sha256.")
      : fail("leaf", "The receipt's leaf is not the leaf of its sha256."),
    verifyProof(digest, receipt.merkleRoot, receipt.proof)
      ? pass("merkle-path", `The Merkle path leads from the leaf to the merkleRoot in ${receipt.proof.length} steps.`)
      : fail(
          "merkle-path",
          "The Merkle path does not lead from the leaf to the receipt's merkleRoot: a sibling or the root was altered.",
        ),
  ];
}

function headerChecks(receipt: ReceiptV2, headerBytes: Uint8Array, header: Decoded<DecodedHeader>): EvidenceCheck[] {
  const { hash } = receipt.evidence.block;
  const headerHash = keccak256(headerBytes);
  const hashCheck =
    headerHash === hash
      ? pass("header-hash", `The header hashes to the block hash ${hash}.`)
      : fail(
          "header-hash",
          `The header hashes to ${headerHash}, not to the block hash ${hash}: a header field was altered.`,
        );
  if (!header.ok) return [hashCheck, fail("header-fields", `The header cannot be read: ${header.problem}.`)];
  const differences = [
    header.value.number !== BigInt(receipt.blockNumber) &&
      `number ${header.value.number} (receipt: ${receipt.blockNumber})`,
    header.value.timestamp !== BigInt(receipt.timestamp) &&
      `timestamp ${header.value.timestamp} (receipt: ${receipt.timestamp})`,
  ].filter((difference): difference is string => typeof difference === "string");
  return [
    hashCheck,
    differences.length === 0
      ? pass(
          "header-fields",
          `The header is block ${receipt.blockNumber} at ${receipt.timestamp}, as the receipt says.`,
        )
      : fail("header-fields", `The header contradicts the receipt: ${differences.join(", ")}.`),
  ];
}

/** Whether the trie under `root` holds `value` at the evidence's index, as a check. */
async function inclusionCheck(
  name: "transaction-inclusion" | "receipt-inclusion",
  header: Decoded<DecodedHeader>,
  index: number,
  value: Uint8Array,
  proof: readonly string[],
): Promise<EvidenceCheck> {
  const what = name === "transaction-inclusion" ? "transaction" : "receipt";
  if (!header.ok) return fail(name, `The header cannot be read, so the ${what} cannot be placed in the block.`);
  const trie = name === "transaction-inclusion" ? "transactions" : "receipts";
  const root = trie === "transactions" ? header.value.transactionsRoot : header.value.receiptsRoot;
  const proven = await provenValue(
    trie,
    root,
    index,
    proof.map((node) => hexToBytes(node as `0x${string}`)),
  );
  if (!proven.ok) return fail(name, proven.problem);
  return equalsBytes(proven.value, value)
    ? pass(name, `The block's ${trie} trie holds the ${what} at index ${index}.`)
    : fail(name, `The block's ${trie} trie holds another ${what} at index ${index} than the one given.`);
}

async function transactionChecks(receipt: ReceiptV2, header: Decoded<DecodedHeader>): Promise<EvidenceCheck[]> {
  const { index, raw, proof } = receipt.evidence.transaction;
  const rawTransaction = hexToBytes(raw as `0x${string}`);
  const transactionHash = keccak256(rawTransaction);
  const checks = [
    transactionHash === receipt.txHash
      ? pass("transaction-hash", "The transaction hashes to the receipt's txHash.")
      : fail(
          "transaction-hash",
          `The transaction hashes to ${transactionHash}, not to the receipt's txHash ${receipt.txHash}: it was altered.`,
        ),
    await inclusionCheck("transaction-inclusion", header, index, rawTransaction, proof),
  ];

  let transaction: ReturnType<typeof createTxFromRLP>;
  try {
    transaction = createTxFromRLP(rawTransaction, { common: commonFor(receipt.chainId) });
  } catch (error) {
    const problem = `The transaction cannot be read as one of chain ${receipt.chainId}: ${messageOf(error)}`;
    return [...checks, fail("transaction-call", problem), fail("transaction-sender", problem)];
  }
  const to = transaction.to?.toString();
  let call: TransactionDescription | null;
  try {
    call = registryAnchoringInterface.parseTransaction({ data: bytesToHex(transaction.data) });
  } catch {
    call = null;
  }
  checks.push(
    !sameAddress(to, receipt.registry)
      ? fail(
          "transaction-call",
          `The transaction is sent to ${to ?? "no one (a contract creation)"}, not to the registry ${receipt.registry}.`,
        )
      : call === null
        ? fail("transaction-call", "The transaction's input is not anchor(digest) or anchorBatch(root, digests).")
        : checkCall(receipt, call),
  );
  let sender: string;
  try {
    sender = transaction.getSenderAddress().toString();
  } catch (error) {
    return [...checks, fail("transaction-sender", `The transaction's signature is not valid: ${messageOf(error)}`)];
  }
  checks.push(
    sameAddress(sender, receipt.registrar)
      ? pass("transaction-sender", "The transaction is signed by the receipt's registrar.")
      : fail(
          "transaction-sender",
          `The transaction is signed by ${sender}, not by the receipt's registrar ${receipt.registrar}.`,
        ),
  );
  return checks;
}

async function receiptChecks(receipt: ReceiptV2, header: Decoded<DecodedHeader>): Promise<EvidenceCheck[]> {
  const { raw, proof } = receipt.evidence.receipt;
  const rawReceipt = hexToBytes(raw as `0x${string}`);
  const checks = [
    await inclusionCheck("receipt-inclusion", header, receipt.evidence.transaction.index, rawReceipt, proof),
  ];
  const decoded = decodeReceipt(rawReceipt);
  if (!decoded.ok) {
    const problem = `The transaction's receipt cannot be read: ${decoded.problem}.`;
    return [...checks, fail("receipt-status", problem), fail("receipt-log", problem)];
  }
  const { status, logs } = decoded.value;
  return [
    ...checks,
    status === 1
      ? pass("receipt-status", "The transaction succeeded (status 1).")
      : fail(
          "receipt-status",
          status === undefined
            ? "The receipt holds a state root instead of a status (before Byzantium): success cannot be read from it."
            : `The transaction failed (status ${status}): it anchored nothing.`,
        ),
    checkLogs(receipt, logs),
  ];
}

/**
 * Checks a version 2 receipt for the document whose SHA-256 is `sha256`, from the receipt alone and
 * the trust anchor, with no node (a `node` anchor is asked for one block hash). Every check runs and
 * is reported; the verdict is "anchored" only when all pass. Revocation is never checked here: it
 * lives in the registry's current state, which no evidence of the past can show.
 */
export async function verifyReceiptOffline(
  sha256: Sha256Hex,
  receipt: ReceiptV2,
  anchor: TrustAnchor,
): Promise<OfflineVerification> {
  const headerBytes = hexToBytes(receipt.evidence.block.header as `0x${string}`);
  const header = decodeHeader(headerBytes);
  const trust = await checkTrustAnchor(receipt, anchor);
  const checks = [
    ...documentChecks(sha256, receipt),
    ...headerChecks(receipt, headerBytes, header),
    ...(await transactionChecks(receipt, header)),
    ...(await receiptChecks(receipt, header)),
    ...(trust.witnessChecks ?? []),
    trust.check,
  ];

  const failed = checks.filter((check) => !check.passed);
  const valid = failed.length === 0;
  const status = valid
    ? "anchored"
    : failed.every((check) => check.name === "document")
      ? "unknown"
      : "invalid-receipt";
  return {
    checks,
    verdict: {
      valid,
      status,
      summary: valid
        ? `${OFFLINE_ANCHORED}; the block hash is held by the ${trust.description}.`
        : `not valid: ${failed[0].message}`,
      ...(valid ? {} : { reason: failed.map((check) => check.message).join(" ") }),
      sha256,
      merkleRoot: receipt.merkleRoot,
      chainId: receipt.chainId,
      registry: receipt.registry,
      txHash: receipt.txHash,
      blockNumber: receipt.blockNumber,
      blockHash: receipt.evidence.block.hash,
      anchoredAt: receipt.timestamp,
      registrar: receipt.registrar,
      trustAnchor: { kind: anchor.kind, description: trust.description, held: trust.check.passed },
      revocation: "not-checked",
    },
  };
}
