import type { ContractTransactionResponse, TransactionReceipt, Wallet } from "ethers";
import { DocproofError, isDocproofError } from "../errors";

export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialDelayMs: 250, maxDelayMs: 8_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Errors worth another try: the node or the network, not the transaction itself. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return (
    code === "NETWORK_ERROR" ||
    code === "SERVER_ERROR" ||
    code === "TIMEOUT" ||
    code === "ECONNREFUSED" ||
    code === "ECONNRESET" ||
    code === "UNKNOWN_ERROR" ||
    /ECONNREFUSED|ECONNRESET|socket hang up|fetch failed/i.test(String((error as Error)?.message))
  );
}

/** Retries `action` on transient failures with exponential backoff; anything else fails at once. */
export async function withRetry<T>(policy: RetryPolicy, action: () => Promise<T>): Promise<T> {
  let delay = policy.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      if (attempt >= policy.attempts || !isTransient(error)) throw error;
      await sleep(delay);
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
}

/**
 * Sends the service's transactions from one key, one at a time. The nonce is read from the node
 * ("pending") before each transaction and nothing else sends from this key, so there are no gaps:
 * automining nodes reject gaps, and a gap would stall every later transaction on other chains.
 */
export class TxSender {
  private queue: Promise<unknown> = Promise.resolve();
  readonly wallet: Wallet;
  private readonly confirmations: number;
  private readonly retry: RetryPolicy;
  private readonly confirmationTimeoutMs: number;

  constructor(wallet: Wallet, options: { confirmations: number; retry?: RetryPolicy; confirmationTimeoutMs?: number }) {
    this.wallet = wallet;
    this.confirmations = options.confirmations;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.confirmationTimeoutMs = options.confirmationTimeoutMs ?? 120_000;
  }

  get address(): string {
    return this.wallet.address;
  }

  /**
   * Sends one transaction built by `build(nonce)`, calls `onSent` (to persist the hash) before
   * waiting, and resolves with the receipt once `confirmations` blocks have it.
   */
  send(
    build: (nonce: number) => Promise<ContractTransactionResponse>,
    onSent: (txHash: string, nonce: number) => void,
  ): Promise<TransactionReceipt> {
    const run = async () => {
      const response = await withRetry(this.retry, async () => {
        const nonce = await this.wallet.getNonce("pending");
        return build(nonce);
      }).catch((error: unknown) => {
        throw isDocproofError(error) ? error : wrap("send the transaction", error);
      });
      try {
        onSent(response.hash, response.nonce);
      } catch (error) {
        // The transaction is out even though its hash was not kept (a full disk, say): let it settle
        // before anything else is sent from this key, then report the failure.
        await this.waitFor(response.hash).catch(() => undefined);
        throw error;
      }
      return this.waitFor(response.hash);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Waits for a sent transaction's receipt with the configured confirmations. */
  async waitFor(txHash: string): Promise<TransactionReceipt> {
    const provider = this.wallet.provider;
    if (provider === null) throw new DocproofError("chain-unavailable", "The signer has no provider.");
    const receipt = await withRetry(this.retry, () =>
      provider.waitForTransaction(txHash, this.confirmations, this.confirmationTimeoutMs),
    ).catch((error: unknown) => {
      throw wrap("confirm the transaction", error);
    });
    if (receipt === null) {
      throw new DocproofError("chain-unavailable", `Transaction ${txHash} was not confirmed in time.`);
    }
    return receipt;
  }
}

function wrap(what: string, error: unknown): DocproofError {
  return new DocproofError("chain-unavailable", `The chain did not answer while trying to ${what}.`, { cause: error });
}
