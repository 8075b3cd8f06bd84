import type { TransactionReceipt, Wallet } from "ethers";
import { DocproofError, isDocproofError } from "../errors";
import type { Hex32 } from "../proof/digest";
import type { JsonRpcPort } from "./json-rpc";

export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialDelayMs: 250, maxDelayMs: 8_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Errors worth another try: the node or the network, not the transaction itself. A failure of the
 * plain JSON-RPC client is typed already, with what the network (or the node) said as its cause.
 */
function isTransient(error: unknown): boolean {
  // A few causes deep at most: a chain of causes may loop.
  for (let e = error, depth = 0; e !== undefined && depth < 4; e = (e as { cause?: unknown })?.cause, depth++) {
    if (isTransientItself(e)) return true;
  }
  return false;
}

function isTransientItself(error: unknown): boolean {
  if (error === null || typeof error !== "object") return false;
  const code = (error as { code?: string }).code;
  return (
    (error as { transient?: unknown }).transient === true ||
    (error as { name?: string }).name === "TimeoutError" ||
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

/** The account transactions are sent from, as the sender needs it (a Wallet on a provider, or a fake). */
export interface SendingAccount {
  readonly address: string;
  /** The next nonce, counting transactions still pending. */
  pendingNonce(): Promise<number>;
  /** The receipt once `confirmations` blocks hold the transaction, or null after `timeoutMs`. */
  waitForReceipt(txHash: string, confirmations: number, timeoutMs: number): Promise<TransactionReceipt | null>;
}

/**
 * How often a sent transaction is looked at while it waits for its confirmations: soon after it is
 * sent, since a node mining on demand holds it within milliseconds, then every 250 ms.
 */
const FIRST_POLL_MS = 10;
const CONFIRMATION_POLL_MS = 250;
/**
 * Every how many looks the node is asked whether it still knows the transaction (about every 2 s
 * once the looks are 250 ms apart):
 * its answer is the whole transaction, a batch's calldata with it.
 */
const KNOWN_CHECK_EVERY = 8;

/**
 * A wallet connected to a provider, as a sending account. Waiting for confirmations polls the
 * receipt itself rather than through ethers' waitForTransaction, which neither notices a transaction
 * a reorganisation dropped (it waits until its timeout) nor re-reads a receipt once it has one.
 * Whether the node still knows a pending transaction is asked through `rpc`: the answer carries
 * the whole transaction, a batch's calldata with it, which ethers would convert in JavaScript.
 */
export function walletAccount(wallet: Wallet, rpc: JsonRpcPort): SendingAccount {
  const provider = wallet.provider;
  if (provider === null) throw new Error("The wallet has no provider.");
  return {
    address: wallet.address,
    pendingNonce: () => wallet.getNonce("pending"),
    async waitForReceipt(txHash, confirmations, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (let poll = 0; Date.now() < deadline; poll++) {
        const receipt = await provider.getTransactionReceipt(txHash);
        if (receipt !== null) {
          // Confirmed once `confirmations` blocks hold it, counted on the chain as it is now: a
          // receipt from a block a reorganisation removed is never returned.
          const head = await provider.getBlockNumber();
          if (head - receipt.blockNumber + 1 >= confirmations) {
            const block = await provider.getBlock(receipt.blockNumber);
            if (block?.hash === receipt.blockHash) return receipt;
          }
        } else if (poll % KNOWN_CHECK_EVERY === 0 && (await rpc.send("eth_getTransactionByHash", [txHash])) == null) {
          throw new DocproofError(
            "chain-unavailable",
            `Transaction ${txHash} is no longer known to the node: a reorganisation dropped it, or the node restarted.`,
          );
        }
        const delayMs = Math.min(CONFIRMATION_POLL_MS, FIRST_POLL_MS * 2 ** poll);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
      return null;
    },
  };
}

export interface TxSenderOptions {
  confirmations: number;
  /** How many transactions may wait for their confirmations at once (1: one at a time). */
  maxInFlight?: number;
  retry?: RetryPolicy;
  confirmationTimeoutMs?: number;
}

/**
 * A transaction built for a nonce: its hash, and how to send it. A transaction signed but not yet
 * sent has `broadcast`, so its hash is recorded before it leaves; one without was sent already.
 */
export interface BuiltTransaction {
  hash: string;
  broadcast?: () => Promise<unknown>;
}

/**
 * Sends transactions from one key, signed one at a time in nonce order. The nonce is read from the
 * node ("pending") before each transaction and nothing else sends from this key, so there are no
 * gaps: automining nodes reject gaps, and a gap would stall every later transaction on other chains.
 */
export class TxSender {
  /** Signing and sending, one transaction at a time in nonce order; waiting runs beside it. */
  private queue: Promise<unknown> = Promise.resolve();
  private inFlight = 0;
  private readonly slotWaiters: (() => void)[] = [];
  private readonly confirmations: number;
  private readonly retry: RetryPolicy;
  private readonly confirmationTimeoutMs: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly account: SendingAccount,
    options: TxSenderOptions,
  ) {
    this.confirmations = options.confirmations;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.confirmationTimeoutMs = options.confirmationTimeoutMs ?? 120_000;
    this.maxInFlight = options.maxInFlight ?? 1;
  }

  get address(): string {
    return this.account.address;
  }

  /**
   * Sends one transaction built by `build(nonce)`: `onSent` records its hash before it is sent (a
   * crash can then never leave a transaction out that nobody knows of), and the result is its
   * receipt once `confirmations` blocks have it. Up to `maxInFlight` transactions wait for their
   * confirmations at once, with consecutive nonces.
   */
  send(
    build: (nonce: number) => Promise<BuiltTransaction>,
    onSent: (txHash: Hex32) => void = () => {},
  ): Promise<TransactionReceipt> {
    const run = async (): Promise<string> => {
      await this.takeSlot();
      try {
        const built = await withRetry(this.retry, async () => build(await this.account.pendingNonce())).catch(
          (error: unknown) => {
            // The node failing is an outage; the transaction refused (a revert, a bad nonce) is not,
            // and its own error says why.
            throw isDocproofError(error) || !isTransient(error) ? error : wrap("send the transaction", error);
          },
        );
        try {
          onSent(built.hash as Hex32);
        } catch (error) {
          // Not sent if it can still be held back; if it is out already (its hash not kept: a full
          // disk, say), let it settle before anything else is sent from this key.
          if (built.broadcast === undefined) await this.waitFor(built.hash).catch(() => undefined);
          throw error;
        }
        if (built.broadcast !== undefined) {
          await withRetry(this.retry, built.broadcast).catch((error: unknown) => {
            throw isDocproofError(error) || !isTransient(error) ? error : wrap("send the transaction", error);
          });
        }
        return built.hash;
      } catch (error) {
        this.releaseSlot();
        throw error;
      }
    };
    const sent = this.queue.then(run, run);
    this.queue = sent.catch(() => undefined);
    return sent.then((hash) => this.waitFor(hash).finally(() => this.releaseSlot()));
  }

  private async takeSlot(): Promise<void> {
    while (this.inFlight >= this.maxInFlight) await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    this.inFlight++;
  }

  private releaseSlot(): void {
    this.inFlight--;
    this.slotWaiters.shift()?.();
  }

  /** Waits for a sent transaction's receipt with the configured confirmations. */
  async waitFor(txHash: string): Promise<TransactionReceipt> {
    const receipt = await withRetry(this.retry, () =>
      this.account.waitForReceipt(txHash, this.confirmations, this.confirmationTimeoutMs),
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
