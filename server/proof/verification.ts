import { DocproofError } from "../errors";
import { checkReceiptConsistency, type ReceiptV1 } from "./receipt";
import { toBytes32, type Sha256Hex, type Hex32 } from "./digest";

/** What the registry's `verify` view answers for one document within one anchoring. */
export interface OnChainStatus {
  status: "unknown" | "anchored" | "revoked";
  registrar?: string;
  anchoredAt?: number;
  blockNumber?: number;
  leafCount?: number;
  revokedAt?: number;
  revokedBy?: string;
  revocationReason?: number;
}

/** The chain, as verification needs it. Implemented with ethers in server/chain/registry-client.ts. */
export interface RegistryReader {
  readonly chainId: number;
  readonly address: string;
  verify(digest: Hex32, root: Hex32, proof: readonly Hex32[]): Promise<OnChainStatus>;
  /** True when transaction `txHash` anchored `root` on this registry. */
  transactionAnchored(txHash: Hex32, root: Hex32): Promise<boolean>;
}

/**
 * "receipt-superseded": the receipt names an anchoring that a rollback of the chain removed (a
 * reorganisation deeper than the confirmations waited for, or a node restored from an older
 * snapshot). Not forged: the document was anchored again, and has a new receipt.
 */
export type VerdictStatus = "anchored" | "revoked" | "unknown" | "invalid-receipt" | "receipt-superseded";

export interface Verdict {
  valid: boolean;
  status: VerdictStatus;
  sha256: Sha256Hex;
  anchoredAt?: number;
  blockNumber?: number;
  txHash?: Hex32;
  registrar?: string;
  merkleRoot?: Hex32;
  chainId?: number;
  registry?: string;
  revokedAt?: number;
  revokedBy?: string;
  revocationReason?: number;
  /** Why the verdict is not "anchored", in words. */
  reason?: string;
  /** The block whose chain state the verdict was read from, when it was read from the service's index. */
  checkedAt?: { blockNumber: number; blockHash: string };
  /** For a superseded receipt: the anchoring that stands for the document now, if there is one yet. */
  supersededBy?: { txHash: Hex32; blockNumber: number; anchoredAt: number };
}

/** Where a document is claimed to be anchored: from a receipt, or from the service's records. */
export interface AnchoringClaim {
  merkleRoot: Hex32;
  proof: readonly Hex32[];
  txHash: Hex32;
  blockNumber?: number;
  timestamp?: number;
  registrar?: string;
}

/**
 * Checks a claim against the chain: the registry's record for the root, the Merkle proof, the
 * revocation, and that the named transaction made the anchoring. Anything the chain contradicts
 * makes the verdict "invalid-receipt".
 */
export async function verifyClaim(sha256: Sha256Hex, claim: AnchoringClaim, chain: RegistryReader): Promise<Verdict> {
  const onChain = await chain.verify(toBytes32(sha256), claim.merkleRoot, claim.proof);
  const base = { sha256, merkleRoot: claim.merkleRoot, chainId: chain.chainId, registry: chain.address };
  if (onChain.status === "unknown") {
    return {
      ...base,
      valid: false,
      status: "invalid-receipt",
      reason: "The registry has no anchoring of this document under the receipt's Merkle root.",
    };
  }
  const contradictions = [
    claim.blockNumber !== undefined && claim.blockNumber !== onChain.blockNumber && "block number",
    claim.timestamp !== undefined && claim.timestamp !== onChain.anchoredAt && "timestamp",
    claim.registrar !== undefined && claim.registrar.toLowerCase() !== onChain.registrar?.toLowerCase() && "registrar",
  ].filter((field): field is string => typeof field === "string");
  if (!(await chain.transactionAnchored(claim.txHash, claim.merkleRoot))) contradictions.push("transaction");
  if (contradictions.length > 0) {
    return {
      ...base,
      valid: false,
      status: "invalid-receipt",
      reason: `The chain contradicts the receipt's ${contradictions.join(", ")}.`,
    };
  }
  const anchored = {
    ...base,
    anchoredAt: onChain.anchoredAt,
    blockNumber: onChain.blockNumber,
    txHash: claim.txHash,
    registrar: onChain.registrar,
  };
  if (onChain.status === "revoked") {
    return {
      ...anchored,
      valid: false,
      status: "revoked",
      revokedAt: onChain.revokedAt,
      revokedBy: onChain.revokedBy,
      revocationReason: onChain.revocationReason,
      reason: "The registrar or an admin revoked this document.",
    };
  }
  return { ...anchored, valid: true, status: "anchored" };
}

/**
 * Verifies a document against a receipt, as anyone can without the service: the document's digest
 * must be the receipt's, the receipt must be consistent, must name this chain and registry, and
 * the chain must confirm it. Throws `receipt-tampered` or `receipt-wrong-chain` for receipts that
 * cannot be checked here.
 */
export async function verifyReceipt(sha256: Sha256Hex, receipt: ReceiptV1, chain: RegistryReader): Promise<Verdict> {
  checkReceiptConsistency(receipt);
  if (receipt.chainId !== chain.chainId || receipt.registry.toLowerCase() !== chain.address.toLowerCase()) {
    throw new DocproofError(
      "receipt-wrong-chain",
      `The receipt is for registry ${receipt.registry} on chain ${receipt.chainId}; ` +
        `this verifier checks registry ${chain.address} on chain ${chain.chainId}.`,
    );
  }
  if (receipt.sha256 !== sha256) {
    return {
      valid: false,
      status: "unknown",
      sha256,
      reason:
        "The document's SHA-256 differs from the receipt's: the document was modified, or the receipt is another's.",
    };
  }
  return verifyClaim(sha256, receipt, chain);
}
