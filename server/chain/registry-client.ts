import type { JsonRpcApiProvider, Log, TransactionReceipt } from "ethers";
import { DocumentRegistry__factory, type DocumentRegistry } from "../../typechain-types";
import { DocproofError } from "../errors";
import type { Hex32 } from "../proof/digest";
import { leafOf } from "../proof/merkle";
import { anchorBatchDigests } from "../proof/registry-abi";
import type { AnchoringClaim, OnChainStatus } from "../proof/verification";
import type { JsonRpcPort } from "./json-rpc";
import { chainIdOf, onChain } from "./provider";
import type {
  AnchoringEvent,
  AnchorRecord,
  BlockRef,
  RegistryEventBatch,
  RegistryEvents,
  RegistryView,
  RevocationEvent,
} from "./registry";

const STATUS = ["unknown", "anchored", "revoked"] as const;
const NO_REGISTRAR = "0x0000000000000000000000000000000000000000";

/** The DocumentRegistry read through ethers; the provider and contract stay inside chain/. */
export class RegistryClient implements RegistryView, RegistryEvents {
  readonly chainId: number;
  readonly address: string;
  private readonly provider: JsonRpcApiProvider;
  /** Where batch transactions are read, the provider unless given (see `EthersRegistryWriter`). */
  private readonly rpc: JsonRpcPort;
  private readonly contract: DocumentRegistry;
  private registrarRole: string | undefined;

  constructor(provider: JsonRpcApiProvider, address: string, chainId: number, rpc: JsonRpcPort = provider) {
    this.provider = provider;
    this.rpc = rpc;
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

  /**
   * The organisation the registry's directory names for `registrar`, if any. Registries deployed
   * before the directory existed (version 1.0.0) have none: undefined, not an error.
   */
  async organisationOf(registrar: string): Promise<{ name: string; uri: string } | undefined> {
    try {
      const { name, uri } = await this.contract.organisationOf(registrar);
      return name === "" ? undefined : { name, uri };
    } catch (error) {
      if ((error as { code?: string }).code === "CALL_EXCEPTION" || (error as { code?: string }).code === "BAD_DATA") {
        return undefined;
      }
      throw new DocproofError("chain-unavailable", "The chain did not answer while reading the directory.", {
        cause: error,
      });
    }
  }

  async hasCode(): Promise<boolean> {
    return onChain("read the registry code", async () => (await this.provider.getCode(this.address)) !== "0x");
  }

  async isRegistrar(account: string): Promise<boolean> {
    return onChain("read the registrar role", async () =>
      this.contract.hasRole(await this.contract.REGISTRAR_ROLE(), account),
    );
  }

  /** True when `account` holds the registry's default admin role (which may revoke any anchoring). */
  async isAdmin(account: string): Promise<boolean> {
    return onChain("read the admin role", async () =>
      this.contract.hasRole(await this.contract.DEFAULT_ADMIN_ROLE(), account),
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
    const { anchorings } = await this.eventsBetween(fromBlock, await this.headNumber());
    return anchorings
      .filter((a) => registrar === undefined || a.registrar.toLowerCase() === registrar.toLowerCase())
      .map(({ root, registrar: by, txHash, blockNumber, digests }) => ({
        root,
        registrar: by,
        txHash,
        blockNumber,
        digests,
      }));
  }

  /** The latest block's gas limit: what one transaction, and so one batch, can use at most. */
  async blockGasLimit(): Promise<bigint> {
    return onChain("read the latest block", async () => {
      const block = await this.provider.getBlock("latest");
      if (block === null) throw new DocproofError("chain-unavailable", "The chain has no latest block.");
      return block.gasLimit;
    });
  }

  async headNumber(): Promise<number> {
    return onChain("read the latest block number", () => this.provider.getBlockNumber());
  }

  async blockAt(number: number): Promise<BlockRef | undefined> {
    return onChain("read the block", async () => {
      const block = await this.provider.getBlock(number);
      return block?.hash == null ? undefined : { number: block.number, hash: block.hash, timestamp: block.timestamp };
    });
  }

  async eventsBetween(from: number, to: number): Promise<RegistryEventBatch> {
    return onChain("read the registry's events", async () => {
      const events = this.contract.interface;
      const names = [
        "DocumentAnchored",
        "BatchAnchored",
        "DocumentRevoked",
        "OrganisationRecorded",
        "RoleGranted",
        "RoleRevoked",
      ] as const;
      const topics = names.map((name) => events.getEvent(name).topicHash);
      const logs = await this.provider.getLogs({
        address: this.address,
        fromBlock: from,
        toBlock: to,
        topics: [topics],
      });
      const registrarRole = (this.registrarRole ??= await this.contract.REGISTRAR_ROLE());
      const blockNumbers = [...new Set([...logs.map((log) => log.blockNumber), to])];
      const blocks = await Promise.all(
        blockNumbers.map(async (n) => {
          const block = await this.blockAt(n);
          if (block === undefined) throw new DocproofError("chain-unavailable", `Block ${n} is not available.`);
          return block;
        }),
      );
      const blockByNumber = new Map(blocks.map((block) => [block.number, block]));
      for (const log of logs) {
        // The range is final, so its blocks cannot change; a node that changes them anyway is caught here.
        if (blockByNumber.get(log.blockNumber)!.hash !== log.blockHash) {
          throw new DocproofError("chain-unavailable", `Block ${log.blockNumber} changed while it was read.`);
        }
      }
      const batchCalls = new Map<string, Promise<Hex32[] | undefined>>();
      const digestsOf = (txHash: string) => {
        let call = batchCalls.get(txHash);
        if (call === undefined) {
          // NOTE: a batch anchored through another contract (a multisig) has its digests only in call
          // traces: the anchoring is indexed without members, and its documents need their receipts.
          call = this.rpc.send("eth_getTransactionByHash", [txHash]).then((tx) => {
            // `input` per the JSON-RPC specification; some older nodes name it `data`.
            const found = tx as { input?: unknown; data?: unknown } | null;
            const input = found?.input ?? found?.data;
            return typeof input === "string" ? anchorBatchDigests(input) : undefined;
          });
          batchCalls.set(txHash, call);
        }
        return call;
      };
      const batch: RegistryEventBatch = { anchorings: [], revocations: [], organisations: [], roles: [], blocks };
      for (const log of logs) {
        const parsed = events.parseLog(log);
        if (parsed === null) continue;
        const at = { blockNumber: log.blockNumber, logIndex: log.index };
        const timestamp = blockByNumber.get(log.blockNumber)!.timestamp;
        const txHash = log.transactionHash as Hex32;
        switch (parsed.name) {
          case "DocumentAnchored":
            batch.anchorings.push({
              root: parsed.args.root as Hex32,
              registrar: parsed.args.registrar,
              txHash,
              blockNumber: log.blockNumber,
              timestamp,
              leafCount: 1,
              digests: [(parsed.args.digest as string).toLowerCase() as Hex32],
            });
            break;
          case "BatchAnchored":
            batch.anchorings.push({
              root: parsed.args.root as Hex32,
              registrar: parsed.args.registrar,
              txHash,
              blockNumber: log.blockNumber,
              timestamp,
              leafCount: Number(parsed.args.leafCount),
              digests: (await digestsOf(txHash)) ?? [],
            });
            break;
          case "DocumentRevoked":
            batch.revocations.push({
              root: parsed.args.root as Hex32,
              digest: (parsed.args.digest as string).toLowerCase() as Hex32,
              revokedBy: parsed.args.revokedBy,
              reason: Number(parsed.args.reason),
              txHash,
              blockNumber: log.blockNumber,
              revokedAt: timestamp,
            });
            break;
          case "OrganisationRecorded":
            batch.organisations.push({
              registrar: parsed.args.registrar,
              name: parsed.args.name,
              uri: parsed.args.uri,
              ...at,
            });
            break;
          case "RoleGranted":
          case "RoleRevoked":
            if (parsed.args.role === registrarRole) {
              batch.roles.push({ registrar: parsed.args.account, granted: parsed.name === "RoleGranted", ...at });
            }
            break;
        }
      }
      return batch;
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
