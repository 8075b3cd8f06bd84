import { getBytes, type JsonRpcApiProvider, type TransactionReceipt, type Wallet } from "ethers";
import { DocumentRegistry__factory, type DocumentRegistry } from "../../typechain-types";
import { DocproofError } from "../errors";
import type { Hex32 } from "../proof/digest";
import type { MerkleBatch } from "../proof/merkle";
import { anchorBatchCalldata } from "../proof/registry-abi";
import { refusalIn, type JsonRpcPort } from "./json-rpc";
import { onChain } from "./provider";
import { signCall, type GasFees } from "./raw-transaction";
import type { AnchorBatchOptions, AnchoredBatch, RegistryWriter } from "./registry";
import type { RegistryClient } from "./registry-client";
import { TxSender, walletAccount, type BuiltTransaction, type TxSenderOptions } from "./tx-sender";

/** What became of a transaction sent earlier. */
type TransactionState = "pending" | "mined" | "unknown";

/** A call to the registry, before its nonce, gas and fees. */
interface RegistryCall {
  to: string;
  data: string;
}

/**
 * The registry written with the registrar's key: one transaction at a time from one key (TxSender),
 * each checked, once mined, against what the chain recorded.
 */
export class EthersRegistryWriter implements RegistryWriter {
  private readonly contract: DocumentRegistry;
  private readonly sender: TxSender;
  private readonly provider: JsonRpcApiProvider;
  /** The node's JSON-RPC for the calls that carry a whole batch: estimating, sending, looking up. */
  private readonly rpc: JsonRpcPort;
  private readonly privateKey: Uint8Array;

  /**
   * `rpc` is the port the large calls go through, the wallet's provider unless given: a plain
   * HTTP client (`httpJsonRpc`) leaves a batch's calldata to native JSON and UTF-8 code.
   */
  constructor(
    private readonly reader: RegistryClient,
    private readonly wallet: Wallet,
    options: TxSenderOptions & { rpc?: JsonRpcPort },
  ) {
    if (wallet.provider === null) throw new Error("The registrar's wallet has no provider.");
    this.provider = wallet.provider as JsonRpcApiProvider;
    this.rpc = options.rpc ?? this.provider;
    this.privateKey = getBytes(wallet.privateKey);
    this.contract = DocumentRegistry__factory.connect(reader.address, wallet);
    this.sender = new TxSender(walletAccount(wallet, this.rpc), options);
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
   * Gas is estimated and fees chosen as ethers' signer does (EIP-1559 where the chain has a base
   * fee, a gas price elsewhere); the calldata stays a string for JSON and bytes for signing.
   */
  private signed(call: () => Promise<RegistryCall>): (nonce: number) => Promise<BuiltTransaction> {
    return async (nonce) => {
      const { to, data } = await call();
      const [gasLimit, fees] = await Promise.all([
        this.call("eth_estimateGas", [{ from: this.wallet.address, to, data }]),
        this.gasFees(),
      ]);
      const { raw, hash } = signCall(
        {
          chainId: this.reader.chainId,
          nonce,
          to,
          data: bytesOf(data),
          gasLimit: quantity(gasLimit, "eth_estimateGas"),
          fees,
        },
        this.privateKey,
      );
      return {
        hash,
        broadcast: async () => {
          try {
            await this.call("eth_sendRawTransaction", [raw]);
          } catch (error) {
            // An earlier attempt that got through before its answer was lost: the node has it.
            if ((await this.rpc.send("eth_getTransactionByHash", [hash]).catch(() => null)) == null) throw error;
          }
        },
      };
    };
  }

  /**
   * A call to the node about a transaction. A refusal (a revert while estimating, a nonce used, no
   * funds) is the transaction's own failure, as ethers' errors said before: thrown as the node's
   * refusal, not as the outage `chain-unavailable`, and not tried again.
   */
  private async call(method: string, params: unknown[]): Promise<unknown> {
    try {
      return await this.rpc.send(method, params);
    } catch (error) {
      throw refusalIn(error) ?? error;
    }
  }

  private async gasFees(): Promise<GasFees> {
    const fees = await this.provider.getFeeData();
    if (fees.maxFeePerGas !== null && fees.maxPriorityFeePerGas !== null) {
      return { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas };
    }
    if (fees.gasPrice === null) throw new DocproofError("chain-unavailable", "The node reports no gas price.");
    return { gasPrice: fees.gasPrice };
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
      return (await this.rpc.send("eth_getTransactionByHash", [txHash])) != null ? "pending" : "unknown";
    });
  }
}

function quantity(answer: unknown, method: string): bigint {
  if (typeof answer !== "string" || !/^0x[0-9a-f]+$/i.test(answer)) {
    throw new DocproofError("chain-unavailable", `The node answered ${method} with ${JSON.stringify(answer)}.`);
  }
  return BigInt(answer);
}

/** 0x-prefixed hex as bytes, converted natively: a batch's calldata is about 250,000 characters. */
function bytesOf(hex: string): Uint8Array {
  return Buffer.from(hex.slice(2), "hex");
}
