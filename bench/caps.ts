/**
 * Where gas caps a batch: the per-transaction cap of EIP-7825 (2^24 gas, active from Osaka), the
 * node's block gas limit and the registry's MAX_BATCH_SIZE, against the measured cost per document.
 */
import type { GasReport } from "./gas";
import { REGISTRAR, type BenchChain } from "./lib/stack";

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
  const provider = chain.provider;
  const block = await provider.getBlock("latest");
  const [a, b] = gas.batches.slice(-2);
  const marginal = Number(b.gas - a.gas) / (b.size - a.size);
  const largestUnderTxCap = Math.floor(b.size + (TX_GAS_CAP - Number(b.gas)) / marginal);
  const maxBatchSize = Number(await chain.contract.MAX_BATCH_SIZE());
  const largestGas = Number(gas.batches.find((x) => x.size === maxBatchSize)?.gas ?? b.gas);

  // Asked of the node directly (its development accounts are unlocked), so its own answer is kept.
  const response = await fetch(chain.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "eth_sendTransaction",
      params: [{ from: REGISTRAR, to: REGISTRAR, gas: `0x${(TX_GAS_CAP + 1).toString(16)}` }],
    }),
  });
  const answer = (await response.json()) as { result?: string; error?: { message?: string } };
  const overCapAnswer =
    answer.error === undefined
      ? `accepted as ${answer.result} (the node does not enforce EIP-7825)`
      : `refused: "${answer.error.message}"`;
  return {
    blockGasLimit: Number(block!.gasLimit),
    maxBatchSize,
    marginalPerDocument: marginal,
    largestUnderTxCap,
    largestBatchesPerBlock: Math.floor(Number(block!.gasLimit) / largestGas),
    overCapAnswer,
  };
}
