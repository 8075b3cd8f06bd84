import type { JsonRpcApiProvider, Log, TransactionReceipt } from "ethers";
import { DocumentRegistry__factory, type DocumentRegistry } from "../../typechain-types";
import { DocproofError } from "../errors";
import type { Hex32 } from "../proof/digest";
import { leafOf } from "../proof/merkle";
import type { AnchoringClaim, OnChainStatus } from "../proof/verification";
import { chainIdOf, onChain } from "./provider";
import type { AnchoringEvent, AnchorRecord, RegistryView, RevocationEvent } from "./registry";

const STATUS = ["unknown", "anchored", "revoked"] as const;
const NO_REGISTRAR = "0x0000000000000000000000000000000000000000";

/** The DocumentRegistry read through ethers; the provider and contract stay inside chain/. */
export class RegistryClient implements RegistryView {
  readonly chainId: number;
  readonly address: string;
  private readonly provider: JsonRpcApiProvider;
  private readonly contract: DocumentRegistry;

  constructor(provider: JsonRpcApiProvider, address: string, chainId: number) {
    this.provider = provider;
    this.address = address;
    this.chainId = chainId;
    this.contract = DocumentRegistry__factory.connect(address, provider);
  }

  /** The chain id the node reports now (the provider's own network is fixed at start). */
  nodeChainId(): Promise<number> {
    return chainIdOf(this.provider);
  }

  async genesisHash(): Promise<string> {
    return onChain("read the genesis block", async () => {
      const block = await this.provider.getBlock(0);
      if (block?.hash == null) throw new DocproofError("chain-unavailable", "The chain has no genesis block.");
      return block.hash;
    });
  }

  /** The hash of the latest block: what cached chain reads are keyed by (a new block, or a reorganisation, changes it). */
  async latestBlockHash(): Promise<string> {
    return onChain("read the latest block", async () => {
      const block = (await this.provider.send("eth_getBlockByNumber", ["latest", false])) as { hash?: string } | null;
      if (block?.hash == null) throw new DocproofError("chain-unavailable", "The chain has no latest block.");
      return block.hash;
    });
  }

  async hasCode(): Promise<boolean> {
    return onChain("read the registry code", async () => (await this.provider.getCode(this.address)) !== "0x");
  }

  async isRegistrar(account: string): Promise<boolean> {
    return onChain("read the registrar role", async () =>
      this.contract.hasRole(await this.contract.REGISTRAR_ROLE(), account),
    );
  }

  async verify(digest: Hex32, root: Hex32, proof: readonly Hex32[]): Promise<OnChainStatus> {
    return onChain("verify the document", async () => {
      const [status, anchor, revocation] = await this.contract.verify(digest, root, [...proof]);
      const result: OnChainStatus = { status: STATUS[Number(status)] };
      if (result.status === "unknown") return result;
      result.registrar = anchor.registrar;
      result.anchoredAt = Number(anchor.anchoredAt);
      result.blockNumber = Number(anchor.blockNumber);
      result.leafCount = Number(anchor.leafCount);
      if (result.status === "revoked") {
        result.revokedAt = Number(revocation.revokedAt);
        result.revokedBy = revocation.revokedBy;
        result.revocationReason = Number(revocation.reason);
      }
      return result;
    });
  }

  async anchorOf(root: Hex32): Promise<AnchorRecord | undefined> {
    return onChain("read the anchoring", async () => {
      const anchor = await this.contract.anchorOf(root);
      if (anchor.registrar === NO_REGISTRAR) return undefined;
      return {
        registrar: anchor.registrar,
        anchoredAt: Number(anchor.anchoredAt),
        blockNumber: Number(anchor.blockNumber),
        leafCount: Number(anchor.leafCount),
      };
    });
  }

  /**
   * The claim for `digest` anchored as a single document (a tree of one leaf), found without a
   * receipt: the record through `documentAnchorOf`, the transaction through the anchoring events.
   */
  async singleAnchoringOf(digest: Hex32): Promise<AnchoringClaim | undefined> {
    return onChain("read the document's anchoring", async () => {
      const anchor = await this.contract.documentAnchorOf(digest);
      if (anchor.registrar === NO_REGISTRAR) return undefined;
      const root = leafOf(digest);
      const found = await this.findAnchoringTransaction(root);
      return found === undefined ? undefined : { merkleRoot: root, proof: [], txHash: found.txHash };
    });
  }

  async transactionAnchored(txHash: Hex32, root: Hex32): Promise<boolean> {
    return onChain("read the anchoring transaction", async () => {
      const receipt = await this.provider.getTransactionReceipt(txHash);
      return receipt !== null && receipt.status === 1 && this.anchoringRoots(receipt).includes(root);
    });
  }

  /** The roots a mined transaction anchored on this registry. */
  anchoringRoots(receipt: TransactionReceipt): Hex32[] {
    return receipt.logs.flatMap((log) => {
      const parsed = this.parseRegistryLog(log);
      if (parsed?.name === "BatchAnchored" || parsed?.name === "DocumentAnchored") return [parsed.args.root as Hex32];
      return [];
    });
  }

  private parseRegistryLog(log: Log) {
    if (log.address.toLowerCase() !== this.address.toLowerCase()) return null;
    try {
      return this.contract.interface.parseLog(log);
    } catch {
      return null;
    }
  }

  /** The transaction that anchored `root`, found through the anchoring events. */
  async findAnchoringTransaction(
    root: Hex32,
    fromBlock = 0,
  ): Promise<{ txHash: Hex32; blockNumber: number } | undefined> {
    return onChain("find the anchoring transaction", async () => {
      const batchLogs = await this.contract.queryFilter(this.contract.filters.BatchAnchored(root), fromBlock);
      const singleLogs = await this.contract.queryFilter(
        this.contract.filters.DocumentAnchored(undefined, root),
        fromBlock,
      );
      const log = [...batchLogs, ...singleLogs][0];
      return log === undefined ? undefined : { txHash: log.transactionHash as Hex32, blockNumber: log.blockNumber };
    });
  }

  async blockTimestamp(blockNumber: number): Promise<number> {
    return onChain("read the block", async () => {
      const block = await this.provider.getBlock(blockNumber);
      if (block === null) throw new DocproofError("chain-unavailable", `Block ${blockNumber} is not available.`);
      return block.timestamp;
    });
  }

  /** Every anchoring on the registry, optionally by one registrar, with digests read from calldata. */
  async anchorings(registrar?: string, fromBlock = 0): Promise<AnchoringEvent[]> {
    return onChain("read the anchorings", async () => {
      const batchLogs = await this.contract.queryFilter(
        this.contract.filters.BatchAnchored(undefined, registrar),
        fromBlock,
      );
      const singleLogs = await this.contract.queryFilter(
        this.contract.filters.DocumentAnchored(undefined, undefined, registrar),
        fromBlock,
      );
      const events: AnchoringEvent[] = [];
      for (const log of batchLogs) {
        const tx = await this.provider.getTransaction(log.transactionHash);
        const call = tx === null ? null : this.contract.interface.parseTransaction({ data: tx.data });
        if (call?.name !== "anchorBatch") {
          // NOTE: anchored through another contract; its digests are only in call traces.
          throw new DocproofError(
            "chain-unavailable",
            `Batch ${log.args.root} was anchored by a contract call; its digests are not in transaction ${log.transactionHash}.`,
          );
        }
        events.push({
          root: log.args.root as Hex32,
          registrar: log.args.registrar,
          txHash: log.transactionHash as Hex32,
          blockNumber: log.blockNumber,
          digests: (call.args.digests as string[]).map((d) => d.toLowerCase() as Hex32),
        });
      }
      for (const log of singleLogs) {
        events.push({
          root: log.args.root as Hex32,
          registrar: log.args.registrar,
          txHash: log.transactionHash as Hex32,
          blockNumber: log.blockNumber,
          digests: [log.args.digest.toLowerCase() as Hex32],
        });
      }
      return events.sort((a, b) => a.blockNumber - b.blockNumber);
    });
  }

  async revocations(fromBlock = 0): Promise<RevocationEvent[]> {
    return this.revocationEvents("read the revocations", undefined, undefined, fromBlock);
  }

  async revocationOf(root: Hex32, digest: Hex32): Promise<RevocationEvent | undefined> {
    return (await this.revocationEvents("find the revocation", root, digest, 0))[0];
  }

  private async revocationEvents(
    what: string,
    root: Hex32 | undefined,
    digest: Hex32 | undefined,
    fromBlock: number,
  ): Promise<RevocationEvent[]> {
    return onChain(what, async () => {
      const logs = await this.contract.queryFilter(this.contract.filters.DocumentRevoked(root, digest), fromBlock);
      return logs.map((log) => ({
        root: log.args.root as Hex32,
        digest: log.args.digest.toLowerCase() as Hex32,
        revokedBy: log.args.revokedBy,
        reason: Number(log.args.reason),
        txHash: log.transactionHash as Hex32,
        blockNumber: log.blockNumber,
      }));
    });
  }
}
