import { DocproofError, isDocproofError } from "../errors";
import type { Logger } from "../logger";
import type { Hex32 } from "../proof/digest";
import type { OnChainStatus, RegistryReader } from "../proof/verification";

/** What the service was set up for; the node at the RPC URL must keep being this chain. */
export interface ExpectedChain {
  chainId: number;
  genesisHash: string;
}

export type ChainState = "unchecked" | "ok" | "unreachable" | "mismatch";

/** What the guard reads of the node: who it is, and whether the registry is there. */
export interface ChainIdentitySource extends RegistryReader {
  nodeChainId(): Promise<number>;
  genesisHash(): Promise<string>;
  hasCode(): Promise<boolean>;
}

/** The guard as services use it (a port: tests hand in fakes). */
export interface ChainCheck {
  readonly state: ChainState;
  /** Asks the node now; throws `chain-unavailable` or `chain-mismatch`. */
  checkNow(): Promise<void>;
  /** Like `checkNow()`, but reuses a result younger than a second (for requests). */
  checkRecent(): Promise<void>;
  /** Throws `chain-mismatch` when the last check found another chain; asks the node nothing. */
  refuseIfWrongChain(): void;
  /** The registry reader whose every read first passes `checkRecent()`. */
  checkedReader(): RegistryReader;
}

/**
 * Re-checks, while the service runs, that the node still answers and is still the chain the
 * service was set up for: same chain id, same genesis block, registry code at the address. A node
 * replaced by a fresh one on the same URL (a reset development chain, a restored snapshot of
 * another network) fails this check, and nothing is then anchored or verified until it passes.
 */
export class ChainGuard implements ChainCheck {
  private current: ChainState = "unchecked";
  private lastError: DocproofError | undefined;
  private checkedAtMs = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly registry: ChainIdentitySource,
    private readonly expected: ExpectedChain,
    private readonly log: Logger,
    /** How old a check `checkRecent()` may reuse. */
    private readonly maxAgeMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): ChainState {
    return this.current;
  }

  /** Checks now; throws `chain-unavailable` or `chain-mismatch`. Concurrent calls share one check. */
  checkNow(): Promise<void> {
    this.inFlight ??= this.probe().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * Like `checkNow()`, but reuses a result younger than `maxAgeMs` (for requests). A result past
   * half that age is renewed in the background while it is still used: under steady load no
   * request waits for the node, and none is answered on a result older than `maxAgeMs`.
   */
  async checkRecent(): Promise<void> {
    const age = this.now() - this.checkedAtMs;
    if (age > this.maxAgeMs) return this.checkNow();
    // Its outcome is the next request's; the state and the log record it.
    if (age > this.maxAgeMs / 2) {
      this.checkNow().catch((error: unknown) => {
        if (!isDocproofError(error)) this.log.error({ error }, "checking the chain failed unexpectedly");
      });
    }
    if (this.lastError !== undefined) throw this.lastError;
  }

  /** Throws `chain-mismatch` when the last check found another chain; asks the node nothing. */
  refuseIfWrongChain(): void {
    if (this.current === "mismatch") throw this.lastError!;
  }

  /** Verification's view of the registry, refused while the chain is unreachable or another one. */
  checkedReader(): RegistryReader {
    const registry = this.registry;
    return {
      chainId: registry.chainId,
      address: registry.address,
      verify: async (digest: Hex32, root: Hex32, proof: readonly Hex32[]): Promise<OnChainStatus> => {
        await this.checkRecent();
        return registry.verify(digest, root, proof);
      },
      transactionAnchored: async (txHash: Hex32, root: Hex32): Promise<boolean> => {
        await this.checkRecent();
        return registry.transactionAnchored(txHash, root);
      },
    };
  }

  private async probe(): Promise<void> {
    let error: DocproofError | undefined;
    try {
      const [chainId, genesisHash, hasCode] = await Promise.all([
        this.registry.nodeChainId(),
        this.registry.genesisHash(),
        this.registry.hasCode(),
      ]);
      error = this.mismatch(chainId, genesisHash, hasCode);
    } catch (caught) {
      if (!isDocproofError(caught)) throw caught;
      error = caught;
    }
    this.checkedAtMs = this.now();
    this.transition(error);
    if (error !== undefined) throw error;
  }

  private mismatch(chainId: number, genesisHash: string, hasCode: boolean): DocproofError | undefined {
    const { address } = this.registry;
    const expected = this.expected;
    let found: string | undefined;
    if (chainId !== expected.chainId) found = `chain id ${chainId} instead of ${expected.chainId}`;
    else if (genesisHash !== expected.genesisHash) {
      found = `genesis block ${genesisHash} instead of ${expected.genesisHash} (the chain was reset or replaced)`;
    } else if (!hasCode) found = `no registry code at ${address} (the chain was reset or replaced)`;
    if (found === undefined) return undefined;
    return new DocproofError(
      "chain-mismatch",
      `The node answering for chain ${expected.chainId} is not the chain this service was set up for: it has ` +
        `${found}. Nothing is anchored or verified until the right chain is back; queued documents are kept.`,
    );
  }

  private transition(error: DocproofError | undefined): void {
    const next: ChainState = error === undefined ? "ok" : error.code === "chain-mismatch" ? "mismatch" : "unreachable";
    const previous = this.current;
    const changed = next !== previous || (next === "mismatch" && error?.message !== this.lastError?.message);
    this.current = next;
    this.lastError = error;
    if (!changed) return;
    if (next === "mismatch") {
      this.log.error(
        {
          registry: this.registry.address,
          expectedChainId: this.expected.chainId,
          expectedGenesisHash: this.expected.genesisHash,
          error,
        },
        "WRONG CHAIN: refusing to anchor or verify",
      );
    } else if (next === "unreachable") {
      this.log.warn({ error }, "the chain is unreachable: documents stay queued until it answers");
    } else if (previous !== "unchecked") {
      this.log.info({ previous }, "the chain answers again and is the expected one");
    }
  }
}
