/**
 * The registry as the rest of the server sees it: small interfaces (ports) implemented here in
 * chain/ with ethers, so services and the CLI never touch a provider or a contract object.
 */
import type { Hex32 } from "../proof/digest";
import type { MerkleBatch } from "../proof/merkle";
import type { AnchoringClaim, RegistryReader } from "../proof/verification";

/** The registry's record of an anchoring (`anchorOf`). */
export interface AnchorRecord {
  registrar: string;
  /** The anchoring block's time, Unix seconds. */
  anchoredAt: number;
  blockNumber: number;
  leafCount: number;
}

/** An anchoring found on chain, with its digests read back from the transaction input. */
export interface AnchoringEvent {
  root: Hex32;
  registrar: string;
  txHash: Hex32;
  blockNumber: number;
  digests: Hex32[];
}

export interface RevocationEvent {
  root: Hex32;
  digest: Hex32;
  revokedBy: string;
  reason: number;
  txHash: Hex32;
  blockNumber: number;
}

/** A block as the index refers to it. */
export interface BlockRef {
  number: number;
  hash: string;
  /** Unix seconds. */
  timestamp: number;
}

/**
 * Everything that happened on the registry in a range of blocks, oldest first: anchorings (with
 * their digests read from the transactions' input), revocations, directory entries and registrar
 * role changes, and the blocks they are in.
 */
export interface RegistryEventBatch {
  anchorings: (AnchoringEvent & { timestamp: number; leafCount: number })[];
  revocations: (RevocationEvent & { revokedAt: number })[];
  organisations: { registrar: string; name: string; uri: string; blockNumber: number; logIndex: number }[];
  roles: { registrar: string; granted: boolean; blockNumber: number; logIndex: number }[];
  blocks: BlockRef[];
}

/** The chain as the registry's follower reads it. */
export interface RegistryEvents {
  /** The number of the latest block. */
  headNumber(): Promise<number>;
  /** The block at `number`, or undefined if the chain has none (yet, or any more). */
  blockAt(number: number): Promise<BlockRef | undefined>;
  /** The registry's events in blocks `from`..`to` (inclusive), and the blocks they are in. */
  eventsBetween(from: number, to: number): Promise<RegistryEventBatch>;
}

/** Everything the service reads from the registry. */
export interface RegistryView extends RegistryReader {
  /** The hash of the latest block: a new block, or a reorganisation, changes it. */
  latestBlockHash(): Promise<string>;
  anchorOf(root: Hex32): Promise<AnchorRecord | undefined>;
  /** The claim for `digest` anchored as a single document, found without a receipt. */
  singleAnchoringOf(digest: Hex32): Promise<AnchoringClaim | undefined>;
  blockTimestamp(blockNumber: number): Promise<number>;
  isRegistrar(account: string): Promise<boolean>;
  /** Every anchoring, optionally by one registrar, oldest first. */
  anchorings(registrar?: string, fromBlock?: number): Promise<AnchoringEvent[]>;
  revocations(fromBlock?: number): Promise<RevocationEvent[]>;
  /** The revocation of `digest` within the anchoring `root`, found by its event. */
  revocationOf(root: Hex32, digest: Hex32): Promise<RevocationEvent | undefined>;
}

/** An anchoring transaction as the chain recorded it. */
export interface AnchoredBatch extends AnchorRecord {
  txHash: Hex32;
  blockHash: string;
}

export interface AnchorBatchOptions {
  /** A transaction sent for this batch before (by a process that may have died): reconciled, not sent twice. */
  sentTxHash?: Hex32;
  /** Runs just before a transaction is sent (a last check of the chain, or of the key's role). */
  beforeSend?: () => Promise<void>;
  /** Called with the hash as soon as the transaction is out, before it is mined (to persist it). */
  onSent?: (txHash: Hex32) => void;
}

/** What the registrar's key writes to the registry. */
export interface RegistryWriter {
  /** The registrar's address. */
  readonly registrar: string;
  /**
   * Anchors `batch` once: a root already on chain is not sent again (its transaction is found);
   * a transaction sent before and still pending is waited for; otherwise `anchor` (one document)
   * or `anchorBatch` is sent. Resolves once the transaction is confirmed and the chain holds the
   * root; throws if the transaction did not anchor it.
   */
  anchorBatch(batch: MerkleBatch, options?: AnchorBatchOptions): Promise<AnchoredBatch>;
  /** Revokes `digest` within the anchoring `root`; resolves once confirmed. */
  revoke(
    root: Hex32,
    digest: Hex32,
    proof: readonly Hex32[],
    reason: number,
  ): Promise<{ txHash: Hex32; blockNumber: number }>;
}
