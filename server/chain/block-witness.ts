import type { Provider } from "ethers";
import { DocproofError, isDocproofError } from "../errors";
import type { Hex32 } from "../proof/digest";
import { TrustAnchorError, isTrustAnchorError } from "../proof/trust-errors";
import {
  signBlock,
  witnessDomain,
  type BlockCheckpoint,
  type Cosignature,
  type TypedDataSigner,
  type WitnessDomain,
} from "../proof/witness";

export interface BlockWitnessOptions {
  readonly chainId: number;
  readonly registry: string;
  /** Blocks a block needs on top of it, itself included, before this member vouches for it (as CONFIRMATIONS). */
  readonly confirmations: number;
}

/** Why a member refused to cosign: callers (the HTTP API) answer each differently. */
export type WitnessRefusalReason = "not-final" | "unknown-block" | "other-chain";

/** A `witness-refused` error that says which refusal it is. */
export class WitnessRefusal extends TrustAnchorError {
  constructor(
    readonly reason: WitnessRefusalReason,
    message: string,
  ) {
    super("witness-refused", message);
  }
}

/** A block this member vouches for, with its own cosignature. */
export interface WitnessedCheckpoint extends BlockCheckpoint {
  readonly cosignature: Cosignature;
}

/**
 * One consortium member as a witness: it signs a block hash with its registrar key only after
 * reading that block from its own node and finding it final there. The service uses `witness` for
 * the blocks its own batches landed in, and `cosign` to answer another member's request.
 */
export class BlockWitness {
  readonly domain: WitnessDomain;
  private readonly confirmations: number;
  private chainChecked = false;

  constructor(
    private readonly provider: Provider,
    private readonly signer: TypedDataSigner,
    options: BlockWitnessOptions,
  ) {
    if (!Number.isSafeInteger(options.confirmations) || options.confirmations < 1) {
      throw new RangeError("A witness needs at least 1 confirmation.");
    }
    this.domain = witnessDomain(options.chainId, options.registry);
    this.confirmations = options.confirmations;
  }

  /** Signs block `blockNumber` as this member's node has it; throws `witness-refused` if not final yet. */
  async witness(blockNumber: number): Promise<WitnessedCheckpoint> {
    const blockHash = await this.finalBlockHash(blockNumber);
    return this.sign(blockNumber, blockHash);
  }

  /**
   * Signs another member's claim that block `blockNumber` has hash `blockHash`, only if this
   * member's node agrees and holds the block final; throws `witness-refused` otherwise.
   */
  async cosign(claim: { blockNumber: number; blockHash: Hex32 }): Promise<WitnessedCheckpoint> {
    const blockHash = await this.finalBlockHash(claim.blockNumber);
    if (blockHash !== claim.blockHash.toLowerCase()) {
      throw new WitnessRefusal(
        "unknown-block",
        `Block ${claim.blockNumber} is ${blockHash} on this member's node, not ${claim.blockHash}.`,
      );
    }
    return this.sign(claim.blockNumber, blockHash);
  }

  private async sign(blockNumber: number, blockHash: Hex32): Promise<WitnessedCheckpoint> {
    const cosignature = await signBlock(this.signer, this.domain, { blockNumber, blockHash });
    return {
      chainId: this.domain.chainId,
      registry: this.domain.verifyingContract,
      blockNumber,
      blockHash,
      cosignature,
    };
  }

  private async finalBlockHash(blockNumber: number): Promise<Hex32> {
    if (!Number.isSafeInteger(blockNumber) || blockNumber < 0) {
      throw new TrustAnchorError("checkpoint-invalid", `${blockNumber} is not a block number.`);
    }
    try {
      if (!this.chainChecked) {
        const { chainId } = await this.provider.getNetwork();
        if (chainId !== BigInt(this.domain.chainId)) {
          throw new WitnessRefusal(
            "other-chain",
            `This member's node is on chain ${chainId}, not chain ${this.domain.chainId}.`,
          );
        }
        this.chainChecked = true;
      }
      const [head, block] = await Promise.all([this.provider.getBlockNumber(), this.provider.getBlock(blockNumber)]);
      if (block?.hash == null) {
        throw new WitnessRefusal("not-final", `This member's node has no block ${blockNumber} yet.`);
      }
      const confirmations = head - blockNumber + 1;
      if (confirmations < this.confirmations) {
        throw new WitnessRefusal(
          "not-final",
          `Block ${blockNumber} has ${confirmations} of the ${this.confirmations} confirmations this member waits for.`,
        );
      }
      return block.hash.toLowerCase() as Hex32;
    } catch (error) {
      if (isTrustAnchorError(error) || isDocproofError(error)) throw error;
      throw new DocproofError("chain-unavailable", `The chain did not answer while reading block ${blockNumber}.`, {
        cause: error,
      });
    }
  }
}
