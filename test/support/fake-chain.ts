/**
 * An in-memory registry behind the chain ports (RegistryView, RegistryWriter, ChainCheck), so the
 * use cases can be tested in milliseconds with no node. It keeps the registry's rules that the use
 * cases rely on: a root is anchored once, proofs are checked, revocation is final, and every write
 * makes a new block (a new head).
 */
import { keccak256, toUtf8Bytes } from "ethers";
import type { ChainCheck, ChainState } from "../../server/chain/chain-guard";
import type {
  AnchorBatchOptions,
  AnchoredBatch,
  AnchoringEvent,
  AnchorRecord,
  RegistryView,
  RegistryWriter,
  RevocationEvent,
} from "../../server/chain/registry";
import { DocproofError } from "../../server/errors";
import type { Hex32 } from "../../server/proof/digest";
import { leafOf, verifyProof, type MerkleBatch } from "../../server/proof/merkle";
import type { AnchoringClaim, OnChainStatus, RegistryReader } from "../../server/proof/verification";

export const FAKE_REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
export const FAKE_REGISTRAR = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

interface Anchoring extends AnchoredBatch {
  root: Hex32;
  digests: Hex32[];
}

export class FakeRegistry implements RegistryView, RegistryWriter {
  readonly chainId = 31337;
  readonly address = FAKE_REGISTRY;
  readonly registrar = FAKE_REGISTRAR;
  private block = 1;
  private readonly records = new Map<Hex32, Anchoring>();
  private readonly revoked = new Map<string, RevocationEvent & { revokedAt: number }>();
  /** Transactions sent and not yet mined (see `holdTransactions`). */
  private readonly pending = new Map<Hex32, { batch: MerkleBatch; mined: Promise<void>; confirm: () => void }>();
  private held = false;
  /** Every transaction sent, in order: what tests count to prove nothing was sent twice. */
  readonly sent: { kind: "anchor" | "revoke"; txHash: Hex32; root: Hex32 }[] = [];
  /** How many times the chain was asked `verify`. */
  verifyCalls = 0;
  /** When set, every call fails with this (an outage). */
  failure: DocproofError | undefined;

  /** A new block with no registry change (someone else's transaction): the head moves. */
  mineEmptyBlock(): void {
    this.block++;
  }

  /** Keeps sent transactions pending until `releaseTransactions()` (an unconfirmed transaction). */
  holdTransactions(): void {
    this.held = true;
  }

  releaseTransactions(): void {
    this.held = false;
    for (const txHash of [...this.pending.keys()]) this.mine(txHash);
  }

  private mine(txHash: Hex32): void {
    const { batch, confirm } = this.pending.get(txHash)!;
    this.pending.delete(txHash);
    if (!this.records.has(batch.root)) this.record(batch, txHash);
    confirm();
  }

  /** Anchors `batch` as another process with this key would have: the service never saw it. */
  anchorOutside(batch: MerkleBatch): Hex32 {
    const txHash = this.txHash("anchor", batch.root);
    this.record(batch, txHash);
    return txHash;
  }

  private up(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private txHash(kind: string, root: Hex32): Hex32 {
    const txHash = keccak256(toUtf8Bytes(`${kind}:${root}:${this.sent.length}:${this.block}`)) as Hex32;
    this.sent.push({ kind: kind as "anchor" | "revoke", txHash, root });
    return txHash;
  }

  private record(batch: MerkleBatch, txHash: Hex32): Anchoring {
    this.block++;
    const anchoring: Anchoring = {
      root: batch.root,
      digests: [...batch.digests],
      txHash,
      registrar: this.registrar,
      anchoredAt: 1_700_000_000 + this.block,
      blockNumber: this.block,
      blockHash: keccak256(toUtf8Bytes(`block ${this.block}`)),
      leafCount: batch.digests.length,
    };
    this.records.set(batch.root, anchoring);
    return anchoring;
  }

  // RegistryView

  async latestBlockHash(): Promise<string> {
    this.up();
    return keccak256(toUtf8Bytes(`block ${this.block}`));
  }

  async verify(digest: Hex32, root: Hex32, proof: readonly Hex32[]): Promise<OnChainStatus> {
    this.up();
    this.verifyCalls++;
    return this.status(digest, root, proof);
  }

  /** What `verify` answers, without counting a call (the registry's own checks are not the caller's reads). */
  private status(digest: Hex32, root: Hex32, proof: readonly Hex32[]): OnChainStatus {
    const anchoring = this.records.get(root);
    if (anchoring === undefined || !verifyProof(digest, root, proof)) return { status: "unknown" };
    const base = {
      registrar: anchoring.registrar,
      anchoredAt: anchoring.anchoredAt,
      blockNumber: anchoring.blockNumber,
      leafCount: anchoring.leafCount,
    };
    const revocation = this.revoked.get(`${root}:${digest}`);
    if (revocation === undefined) return { status: "anchored", ...base };
    return {
      status: "revoked",
      ...base,
      revokedAt: revocation.revokedAt,
      revokedBy: revocation.revokedBy,
      revocationReason: revocation.reason,
    };
  }

  async transactionAnchored(txHash: Hex32, root: Hex32): Promise<boolean> {
    this.up();
    return this.records.get(root)?.txHash === txHash;
  }

  async anchorOf(root: Hex32): Promise<AnchorRecord | undefined> {
    this.up();
    const anchoring = this.records.get(root);
    if (anchoring === undefined) return undefined;
    const { registrar, anchoredAt, blockNumber, leafCount } = anchoring;
    return { registrar, anchoredAt, blockNumber, leafCount };
  }

  async singleAnchoringOf(digest: Hex32): Promise<AnchoringClaim | undefined> {
    this.up();
    const anchoring = this.records.get(leafOf(digest));
    return anchoring === undefined ? undefined : { merkleRoot: anchoring.root, proof: [], txHash: anchoring.txHash };
  }

  async blockTimestamp(blockNumber: number): Promise<number> {
    this.up();
    return 1_700_000_000 + blockNumber;
  }

  async isRegistrar(account: string): Promise<boolean> {
    this.up();
    return sameAddress(account, this.registrar);
  }

  async anchorings(registrar?: string, fromBlock = 0): Promise<AnchoringEvent[]> {
    this.up();
    return [...this.records.values()]
      .filter((a) => a.blockNumber >= fromBlock && (registrar === undefined || sameAddress(a.registrar, registrar)))
      .map(({ root, registrar, txHash, blockNumber, digests }) => ({ root, registrar, txHash, blockNumber, digests }));
  }

  async revocations(fromBlock = 0): Promise<RevocationEvent[]> {
    this.up();
    return [...this.revoked.values()]
      .filter((r) => r.blockNumber >= fromBlock)
      .map(({ root, digest, revokedBy, reason, txHash, blockNumber }) => ({
        root,
        digest,
        revokedBy,
        reason,
        txHash,
        blockNumber,
      }));
  }

  async revocationOf(root: Hex32, digest: Hex32): Promise<RevocationEvent | undefined> {
    this.up();
    const revocation = this.revoked.get(`${root}:${digest}`);
    if (revocation === undefined) return undefined;
    const { revokedAt: _revokedAt, ...event } = revocation;
    return event;
  }

  // RegistryWriter: the same promises as EthersRegistryWriter, kept in memory.

  async anchorBatch(batch: MerkleBatch, options: AnchorBatchOptions = {}): Promise<AnchoredBatch> {
    this.up();
    const existing = this.records.get(batch.root);
    if (existing !== undefined) return this.anchored(existing);
    const earlier = options.sentTxHash === undefined ? undefined : this.pending.get(options.sentTxHash);
    if (earlier === undefined) {
      await options.beforeSend?.();
      const txHash = this.txHash("anchor", batch.root);
      let confirm!: () => void;
      const mined = new Promise<void>((resolve) => (confirm = resolve));
      this.pending.set(txHash, { batch, mined, confirm });
      try {
        options.onSent?.(txHash);
      } finally {
        // The transaction is out whether or not its hash was kept: it is mined either way, and the
        // writer (as TxSender does) lets it settle before reporting the failure.
        if (!this.held) this.mine(txHash);
        await mined;
      }
    } else {
      await earlier.mined;
    }
    this.up();
    return this.anchored(this.records.get(batch.root)!);
  }

  private anchored({ txHash, registrar, anchoredAt, blockNumber, blockHash, leafCount }: Anchoring): AnchoredBatch {
    return { txHash, registrar, anchoredAt, blockNumber, blockHash, leafCount };
  }

  async revoke(root: Hex32, digest: Hex32, proof: readonly Hex32[], reason: number) {
    this.up();
    if (this.status(digest, root, proof).status !== "anchored") {
      throw new Error("DocumentRegistryNotAnchored (revert)");
    }
    const txHash = this.txHash("revoke", root);
    this.block++;
    this.revoked.set(`${root}:${digest}`, {
      root,
      digest,
      revokedBy: this.registrar,
      reason,
      txHash,
      blockNumber: this.block,
      revokedAt: 1_700_000_000 + this.block,
    });
    return { txHash, blockNumber: this.block };
  }
}

/** A chain guard that passes, or fails as told: `state` decides. */
export class FakeGuard implements ChainCheck {
  state: ChainState = "ok";
  checks = 0;

  constructor(private readonly registry: RegistryReader) {}

  private failure(): DocproofError | undefined {
    if (this.state === "unreachable") return new DocproofError("chain-unavailable", "The chain did not answer.");
    if (this.state === "mismatch") return new DocproofError("chain-mismatch", "The node is another chain.");
    return undefined;
  }

  async checkNow(): Promise<void> {
    this.checks++;
    const failure = this.failure();
    if (failure !== undefined) throw failure;
  }

  checkRecent(): Promise<void> {
    return this.checkNow();
  }

  refuseIfWrongChain(): void {
    if (this.state === "mismatch") throw this.failure()!;
  }

  /** Like ChainGuard's: every read first passes `checkRecent()`, so an outage or another chain refuses it. */
  checkedReader(): RegistryReader {
    const registry = this.registry;
    return {
      chainId: registry.chainId,
      address: registry.address,
      verify: async (digest, root, proof) => {
        await this.checkRecent();
        return registry.verify(digest, root, proof);
      },
      transactionAnchored: async (txHash, root) => {
        await this.checkRecent();
        return registry.transactionAnchored(txHash, root);
      },
    };
  }
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
