import type { CosignatureAnswer, CosignRequest } from "../api/wire";
import type { WitnessedCheckpoint, WitnessRefusalReason } from "../chain/block-witness";
import { WitnessRefusal } from "../chain/block-witness";
import { DocproofError } from "../errors";
import type { Hex32 } from "../proof/digest";

/** This member's witness (server/chain/block-witness.ts). */
export interface BlockSigner {
  readonly domain: { readonly chainId: number; readonly verifyingContract: string };
  cosign(claim: { blockNumber: number; blockHash: Hex32 }): Promise<WitnessedCheckpoint>;
}

const REFUSALS: Record<WitnessRefusalReason, "witness-not-final" | "witness-unknown-block" | "witness-wrong-chain"> = {
  "not-final": "witness-not-final",
  "unknown-block": "witness-unknown-block",
  "other-chain": "witness-wrong-chain",
};

/**
 * Another member asks this one to cosign a block: signed with this member's registrar key only when
 * its own node holds that hash at that height, final.
 */
export class WitnessCosigning {
  constructor(private readonly signer: BlockSigner) {}

  async cosign(request: CosignRequest): Promise<CosignatureAnswer> {
    const { chainId, verifyingContract } = this.signer.domain;
    if (request.chainId !== undefined && request.chainId !== chainId) {
      throw new DocproofError(
        "witness-wrong-chain",
        `This member witnesses chain ${chainId}, not chain ${request.chainId}.`,
      );
    }
    if (request.registry !== undefined && request.registry.toLowerCase() !== verifyingContract.toLowerCase()) {
      throw new DocproofError(
        "witness-wrong-chain",
        `This member witnesses for registry ${verifyingContract}, not ${request.registry}.`,
      );
    }
    let witnessed: WitnessedCheckpoint;
    try {
      witnessed = await this.signer.cosign({
        blockNumber: request.blockNumber,
        blockHash: request.blockHash.toLowerCase() as Hex32,
      });
    } catch (error) {
      if (error instanceof WitnessRefusal) throw new DocproofError(REFUSALS[error.reason], error.message);
      throw error;
    }
    return {
      chainId: witnessed.chainId,
      registry: witnessed.registry,
      blockNumber: witnessed.blockNumber,
      blockHash: witnessed.blockHash,
      signer: witnessed.cosignature.signer,
      signature: witnessed.cosignature.signature.toLowerCase(),
    };
  }
}
