import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { RLP } from "@ethereumjs/rlp";
import { bigIntToUnpaddedBytes, bytesToBigInt, bytesToHex, hexToBytes } from "@ethereumjs/util";
import { keccak256, type Provider, type Signer } from "ethers";
import type { DocumentRegistry } from "../../../typechain-types";
import { fromBytes32, type Sha256Hex, type Hex32 } from "../../../server/proof/digest";
import { buildBatch } from "../../../server/proof/merkle";
import type { EvidenceCheckName, OfflineVerification } from "../../../server/proof/offline-verification";
import { buildReceipt, type ReceiptV1 } from "../../../server/proof/receipt";
import type { ReceiptV2 } from "../../../server/proof/receipt-v2";
import { randomDigest, randomDigests } from "../../contracts/fixtures";

export interface AnchoredSamples {
  /** A member of a batch anchored in a block it shares with a stranger's transfers. */
  batch: ReceiptV1;
  /** A single document anchored alone in its block. */
  single: ReceiptV1;
}

/**
 * Anchors a batch between two transfers of another account, all mined in one block (so the
 * block's tries have branch nodes), then a single document in a block of its own.
 */
export async function anchorSamples(options: {
  registry: DocumentRegistry;
  stranger: Signer;
  provider: Provider;
  send(method: string, params: unknown[]): Promise<unknown>;
  chainId: number;
  batchSize?: number;
}): Promise<AnchoredSamples> {
  const { registry, stranger, provider, send, chainId } = options;
  const registryAddress = await registry.getAddress();
  const registrar = await (registry.runner as Signer).getAddress();
  const strangerAddress = await stranger.getAddress();
  const batch = buildBatch(randomDigests(options.batchSize ?? 8));

  await send("evm_setAutomine", [false]);
  let anchoringHash: string;
  try {
    let nonce = await provider.getTransactionCount(strangerAddress, "latest");
    await stranger.sendTransaction({ to: strangerAddress, value: 1n, nonce: nonce++ });
    anchoringHash = (await registry.anchorBatch(batch.root, [...batch.digests])).hash;
    await stranger.sendTransaction({ to: registrar, value: 1n, nonce: nonce++ });
    await send("evm_mine", []);
  } finally {
    await send("evm_setAutomine", [true]);
  }
  const batchMined = (await provider.getTransactionReceipt(anchoringHash))!;
  expect(batchMined.status).to.equal(1);
  const batchBlock = (await provider.getBlock(batchMined.blockNumber))!;
  expect(batchBlock.transactions).to.have.length(3);
  const member = batch.digests[3];
  const batchReceipt = buildReceipt(fromBytes32(member), batch.proofOf(member), {
    merkleRoot: batch.root,
    leafCount: batch.digests.length,
    chainId,
    registry: registryAddress,
    txHash: anchoringHash as Hex32,
    blockNumber: batchMined.blockNumber,
    timestamp: batchBlock.timestamp,
    registrar,
  });

  const single = randomDigest();
  const singleMined = (await (await registry.anchor(single)).wait())!;
  const singleBlock = (await provider.getBlock(singleMined.blockNumber))!;
  expect(singleBlock.transactions).to.have.length(1);
  const singleReceipt = buildReceipt(fromBytes32(single), [], {
    merkleRoot: buildBatch([single]).root,
    leafCount: 1,
    chainId,
    registry: registryAddress,
    txHash: singleMined.hash as Hex32,
    blockNumber: singleMined.blockNumber,
    timestamp: singleBlock.timestamp,
    registrar,
  });
  return { batch: batchReceipt, single: singleReceipt };
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The hex string with the byte at `index` (negative: from the end) changed. */
function flipByte(hex: string, index: number): string {
  const bytes = hexToBytes(hex as `0x${string}`);
  const at = index < 0 ? bytes.length + index : index;
  bytes[at] ^= 0x01;
  return bytesToHex(bytes);
}

/** The header with its timestamp moved one second on. */
function laterHeader(header: string): string {
  const fields = RLP.decode(hexToBytes(header as `0x${string}`)) as Uint8Array[];
  fields[11] = bigIntToUnpaddedBytes(bytesToBigInt(fields[11]) + 1n);
  return bytesToHex(RLP.encode(fields));
}

/** The receipt's consensus encoding with its status set to 0 (failed). */
function failedReceipt(raw: string): string {
  const bytes = hexToBytes(raw as `0x${string}`);
  const typed = bytes[0] <= 0x7f;
  const fields = RLP.decode(typed ? bytes.subarray(1) : bytes) as Uint8Array[];
  fields[0] = new Uint8Array();
  const body = RLP.encode(fields);
  return bytesToHex(typed ? Uint8Array.from([bytes[0], ...body]) : body);
}

export interface Tampering {
  what: string;
  /** Only a batch member has Merkle siblings to alter. */
  batchOnly?: boolean;
  tamper(receipt: ReceiptV2, sha256: Sha256Hex): { receipt: ReceiptV2; sha256: Sha256Hex };
  /** Exactly the checks that must fail. */
  fails: EvidenceCheckName[];
  /** What the named failed checks must say. */
  says: Partial<Record<EvidenceCheckName, RegExp>>;
}

/** Each kind of tampering a receipt v2 must reveal offline, and how it must be revealed. */
export const TAMPERINGS: Tampering[] = [
  {
    what: "a different file",
    tamper: (receipt) => ({ receipt, sha256: randomBytes(32).toString("hex") as Sha256Hex }),
    fails: ["document"],
    says: { document: /document's SHA-256 differs from the receipt's/ },
  },
  {
    what: "an altered sibling of the Merkle path",
    batchOnly: true,
    tamper: (receipt, sha256) => {
      const altered = clone(receipt);
      altered.proof[0] = flipByte(altered.proof[0], -1) as Hex32;
      return { receipt: altered, sha256 };
    },
    fails: ["merkle-path"],
    says: { "merkle-path": /Merkle path does not lead from the leaf to the receipt's merkleRoot/ },
  },
  {
    what: "an altered Merkle root",
    tamper: (receipt, sha256) => ({ receipt: { ...clone(receipt), merkleRoot: randomDigest() }, sha256 }),
    fails: ["merkle-path", "transaction-call", "receipt-log"],
    says: {
      "transaction-call": /anchors .* not the receipt's merkleRoot/,
      "receipt-log": /no anchoring event from the registry/,
    },
  },
  {
    what: "an altered byte of the transaction",
    tamper: (receipt, sha256) => {
      const altered = clone(receipt);
      altered.evidence.transaction.raw = flipByte(altered.evidence.transaction.raw, -1);
      return { receipt: altered, sha256 };
    },
    fails: ["transaction-hash", "transaction-inclusion", "transaction-sender"],
    says: {
      "transaction-hash": /transaction hashes to .* not to the receipt's txHash/,
      "transaction-inclusion": /transactions trie holds another transaction at index/,
      "transaction-sender": /signed by .* not by the receipt's registrar|signature is not valid/,
    },
  },
  {
    what: "an altered receipt status",
    tamper: (receipt, sha256) => {
      const altered = clone(receipt);
      altered.evidence.receipt.raw = failedReceipt(altered.evidence.receipt.raw);
      return { receipt: altered, sha256 };
    },
    fails: ["receipt-inclusion", "receipt-status"],
    says: {
      "receipt-inclusion": /receipts trie holds another receipt/,
      "receipt-status": /transaction failed \(status 0\)/,
    },
  },
  {
    what: "an altered node of the transactions-trie proof",
    tamper: (receipt, sha256) => {
      const altered = clone(receipt);
      const proof = altered.evidence.transaction.proof;
      proof[proof.length - 1] = flipByte(proof[proof.length - 1], -1);
      return { receipt: altered, sha256 };
    },
    fails: ["transaction-inclusion"],
    says: { "transaction-inclusion": /transactions-trie proof (is broken below its root|does not start at)/ },
  },
  {
    what: "an altered node of the receipts-trie proof",
    tamper: (receipt, sha256) => {
      const altered = clone(receipt);
      altered.evidence.receipt.proof[0] = flipByte(altered.evidence.receipt.proof[0], -1);
      return { receipt: altered, sha256 };
    },
    fails: ["receipt-inclusion"],
    says: { "receipt-inclusion": /receipts-trie proof does not start at the header's receiptsRoot/ },
  },
  {
    what: "an altered header timestamp",
    tamper: (receipt, sha256) => {
      const altered = clone(receipt);
      altered.evidence.block.header = laterHeader(altered.evidence.block.header);
      return { receipt: altered, sha256 };
    },
    fails: ["header-hash", "header-fields"],
    says: {
      "header-hash": /header hashes to .* not to the block hash .* a header field was altered/,
      "header-fields": /header contradicts the receipt: timestamp/,
    },
  },
  {
    what: "a made-up block (a later timestamp in header and receipt, its hash recomputed)",
    tamper: (receipt, sha256) => {
      const altered = clone(receipt);
      altered.evidence.block.header = laterHeader(altered.evidence.block.header);
      altered.evidence.block.hash = keccak256(altered.evidence.block.header) as Hex32;
      altered.timestamp += 1;
      return { receipt: altered, sha256 };
    },
    fails: ["trust-anchor"],
    says: {
      "trust-anchor": /is not the one the checkpoint at block \d+ commits to|reports hash 0x[0-9a-f]{64} for block/,
    },
  },
];

/** Asserts that exactly `fails` failed, each saying what `says` expects, and that the verdict says why. */
export function expectRevealed(result: OfflineVerification, tampering: Tampering): void {
  const failed = result.checks.filter((check) => !check.passed);
  expect(failed.map((check) => check.name).sort(), JSON.stringify(failed, null, 2)).to.deep.equal(
    [...tampering.fails].sort(),
  );
  for (const [name, pattern] of Object.entries(tampering.says)) {
    expect(failed.find((check) => check.name === name)?.message, name).to.match(pattern);
  }
  expect(result.verdict.valid).to.equal(false);
  expect(result.verdict.status).to.equal(
    tampering.fails.length === 1 && tampering.fails[0] === "document" ? "unknown" : "invalid-receipt",
  );
  expect(result.verdict.summary).to.equal(`not valid: ${failed[0].message}`);
  for (const check of failed) expect(result.verdict.reason).to.include(check.message);
}

/** Asserts a genuine verdict: every check passed and the verdict says plainly what was not checked. */
export function expectGenuine(result: OfflineVerification): void {
  const failed = result.checks.filter((check) => !check.passed);
  expect(failed, JSON.stringify(failed, null, 2)).to.deep.equal([]);
  expect(result.checks).to.have.length(13);
  expect(result.verdict.valid).to.equal(true);
  expect(result.verdict.status).to.equal("anchored");
  expect(result.verdict.summary.startsWith("anchored; revocation not checked — offline")).to.equal(true);
  expect(result.verdict.revocation).to.equal("not-checked");
  expect(result.verdict.trustAnchor.held).to.equal(true);
}
