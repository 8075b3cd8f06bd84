import {
  keccak256,
  type ContractTransaction,
  type JsonRpcApiProvider,
  type TransactionReceipt,
  type Wallet,
} from "ethers";
import { DocumentRegistry__factory, type DocumentRegistry } from "../../typechain-types";
import { DocproofError } from "../errors";
import type { Hex32 } from "../proof/digest";
import type { MerkleBatch } from "../proof/merkle";
import { anchorBatchCalldata } from "../proof/registry-abi";
import { onChain } from "./provider";
import type { AnchorBatchOptions, AnchoredBatch, RegistryWriter } from "./registry";
import type { RegistryClient } from "./registry-client";
import { TxSender, walletAccount, type BuiltTransaction, type TxSenderOptions } from "./tx-sender";

/** What became of a transaction sent earlier. */
type TransactionState = "pending" | "mined" | "unknown";

/**
 * The registry written with the registrar's key: one transaction at a time from one key (TxSender),
 * each checked, once mined, against what the chain recorded.
 */
export class EthersRegistryWriter implements RegistryWriter {
  private readonly contract: DocumentRegistry;
  private readonly sender: TxSender;
  private readonly provider: JsonRpcApiProvider;

  constructor(
    private readonly reader: RegistryClient,
    private readonly wallet: Wallet,
    options: TxSenderOptions,
  ) {
    if (wallet.provider === null) throw new Error("The registrar's wallet has no provider.");
    this.provider = wallet.provider as JsonRpcApiProvider;
    this.contract = DocumentRegistry__factory.connect(reader.address, wallet);
    this.sender = new TxSender(walletAccount(wallet), options);
  }

  get registrar(): string {
    return this.sender.address;
  }

  async anchorBatch(batch: MerkleBatch, options: AnchorBatchOptions = {}): Promise<AnchoredBatch> {
    const existing = await this.reader.anchorOf(batch.root);
    if (existing !== undefined) {
      const { sentTxHash } = options;
      const txHash =
        sentTxHash !== undefined && (await this.reader.transactionAnchored(sentTxHash, batch.root))
          ? sentTxHash
          : (await this.reader.findAnchoringTransaction(batch.root))?.txHash;
      if (txHash === undefined) {
        throw new DocproofError(
          "chain-unavailable",
          `Root ${batch.root} is anchored but its transaction was not found.`,
        );
      }
      // Found on chain (after a restart, say): it counts once it has its confirmations, like any other.
      return this.recorded(batch.root, await this.sender.waitFor(txHash));
    }
    if (options.sentTxHash !== undefined && (await this.transactionState(options.sentTxHash)) === "pending") {
      return this.recorded(batch.root, await this.sender.waitFor(options.sentTxHash));
    }
    // Never sent, dropped, or mined and reverted without anchoring: send it (again).
    await options.beforeSend?.();
    const receipt = await this.sender.send(
      this.signed(() =>
        batch.digests.length === 1
          ? this.contract.anchor.populateTransaction(batch.digests[0])
          : Promise.resolve({ to: this.reader.address, data: anchorBatchCalldata(batch.root, batch.digests) }),
      ),
      options.onSent,
    );
    return this.recorded(batch.root, receipt);
  }

  async revoke(
    root: Hex32,
    digest: Hex32,
    proof: readonly Hex32[],
    reason: number,
  ): Promise<{ txHash: Hex32; blockNumber: number }> {
    const receipt = await this.sender.send(
      this.signed(() => this.contract.revoke.populateTransaction(root, digest, [...proof], reason)),
    );
    if (receipt.status !== 1) throw new Error(`Revocation transaction ${receipt.hash} failed.`);
    return { txHash: receipt.hash as Hex32, blockNumber: receipt.blockNumber };
  }

  /**
   * A transaction for the registry, signed for a nonce but not yet sent: its hash is known (and
   * recorded by the caller) before it leaves. Sending it again is harmless: the node knows it.
   */
  private signed(call: () => Promise<ContractTransaction>): (nonce: number) => Promise<BuiltTransaction> {
    return async (nonce) => {
      const populated = await this.wallet.populateTransaction({ ...(await call()), nonce });
      const raw = await this.wallet.signTransaction(populated);
      // A signed transaction's hash is the keccak-256 of its bytes, whatever its type.
      const hash = keccak256(raw);
      return {
        hash,
        broadcast: async () => {
          try {
            // Sent as it is: ethers' broadcastTransaction would parse and hash the whole transaction
            // again, and read the block number and network besides.
            await this.provider.send("eth_sendRawTransaction", [raw]);
          } catch (error) {
            // An earlier attempt that got through before its answer was lost: the node has it.
            if ((await this.provider.getTransaction(hash).catch(() => null)) === null) throw error;
          }
        },
      };
    };
  }

  /** The anchoring a mined transaction made, as the chain now records it; throws if it made none of `root`. */
  private async recorded(root: Hex32, receipt: TransactionReceipt): Promise<AnchoredBatch> {
    if (receipt.status !== 1 || !this.reader.anchoringRoots(receipt).includes(root)) {
      throw new Error(`Transaction ${receipt.hash} did not anchor root ${root}.`);
    }
    const record = await this.reader.anchorOf(root);
    if (record === undefined) throw new Error(`Root ${root} is not on chain after ${receipt.hash}.`);
    // The record is read at the latest block: after a shallow reorganisation it names the block
    // the transaction ended up in, which may not be the receipt's.
    return { ...record, txHash: receipt.hash as Hex32, blockHash: await this.blockHashOf(record.blockNumber) };
  }

  private async blockHashOf(blockNumber: number): Promise<string> {
    const block = await this.reader.blockAt(blockNumber);
    if (block === undefined) throw new DocproofError("chain-unavailable", `Block ${blockNumber} is not available.`);
    return block.hash;
  }

  private transactionState(txHash: Hex32): Promise<TransactionState> {
    return onChain("read the transaction", async () => {
      if ((await this.provider.getTransactionReceipt(txHash)) !== null) return "mined";
      return (await this.provider.getTransaction(txHash)) !== null ? "pending" : "unknown";
    });
  }
}
