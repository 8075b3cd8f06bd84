/**
 * Where gas caps a batch: the per-transaction cap of EIP-7825 (2^24 gas, active from Osaka), the
 * node's block gas limit and the registry's MAX_BATCH_SIZE, against the measured cost per document.
 */
import { Wallet } from "ethers";
import type { GasReport } from "./gas";
import { REGISTRAR, REGISTRAR_KEY, type BenchChain } from "./lib/stack";

export const TX_GAS_CAP = 2 ** 24;

export interface GasCaps {
  blockGasLimit: number;
  maxBatchSize: number;
  /** Marginal gas per document, from the two largest measured batches. */
  marginalPerDocument: number;
  /** The largest batch whose gas stays under the transaction cap, by that slope. */
  largestUnderTxCap: number;
  /** Largest batches that fit one block. */
  largestBatchesPerBlock: number;
  /** What the node answered to a transaction asking for more gas than the cap. */
  overCapAnswer: string;
}

export async function measureCaps(chain: BenchChain, gas: GasReport): Promise<GasCaps> {
  const provider = chain.registry.provider;
  const block = await provider.getBlock("latest");
  const [a, b] = gas.batches.slice(-2);
  const marginal = Number(b.gas - a.gas) / (b.size - a.size);
  const largestUnderTxCap = Math.floor(b.size + (TX_GAS_CAP - Number(b.gas)) / marginal);
  const maxBatchSize = Number(await chain.registry.contract.MAX_BATCH_SIZE());
  const largestGas = Number(gas.batches.find((x) => x.size === maxBatchSize)?.gas ?? b.gas);

  let overCapAnswer = "accepted (the node does not enforce EIP-7825)";
  const wallet = new Wallet(REGISTRAR_KEY, provider);
  try {
    const tx = await wallet.sendTransaction({ to: REGISTRAR, gasLimit: TX_GAS_CAP + 1 });
    await tx.wait();
  } catch (error) {
    const message = (error as { shortMessage?: string; message?: string }).shortMessage ?? String(error);
    const inner = (error as { info?: { error?: { message?: string } } }).info?.error?.message;
    overCapAnswer = `refused: ${inner ?? message}`;
  }
  return {
    blockGasLimit: Number(block!.gasLimit),
    maxBatchSize,
    marginalPerDocument: marginal,
    largestUnderTxCap,
    largestBatchesPerBlock: Math.floor(Number(block!.gasLimit) / largestGas),
    overCapAnswer,
  };
}
