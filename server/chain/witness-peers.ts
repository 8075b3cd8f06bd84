import { getAddress, isAddress, recoverAddress, Signature } from "ethers";
import type { Hex32 } from "../proof/digest";
import { checkpointDigest, type Cosignature, type WitnessDomain, type WitnessedBlock } from "../proof/witness";
import type { BlockWitness } from "./block-witness";

/** How long a peer may take to cosign one block. */
const PEER_TIMEOUT_MS = 10_000;

/** A peer that gave no usable cosignature, and why (for the log). */
export interface PeerFailure {
  peer: string;
  problem: string;
}

export interface Cosignatures {
  cosignatures: Cosignature[];
  /** Peers (and this member, as "self") that did not cosign, and why. */
  failures: PeerFailure[];
}

/**
 * The cosignatures of a block by this member and by its peers (WITNESS_PEERS): each peer's service
 * is asked `POST /api/v1/witness/cosign`, and every answer is checked before it is kept (it must be
 * a well-formed signature over this block, chain and registry by the key it names), so a receipt
 * never carries a cosignature that would fail its verifier.
 */
export class ConsortiumWitnesses {
  private readonly peers: string[];

  constructor(
    private readonly self: Pick<BlockWitness, "witness" | "domain">,
    peers: readonly string[],
    private readonly timeoutMs = PEER_TIMEOUT_MS,
  ) {
    this.peers = peers.map((peer) => peer.replace(/\/+$/, ""));
  }

  get domain(): WitnessDomain {
    return this.self.domain;
  }

  /** Cosignatures of block `blockNumber` with hash `blockHash`: this member's first, then the peers' in order. */
  async cosign(blockNumber: number, blockHash: Hex32): Promise<Cosignatures> {
    const block = { blockNumber, blockHash };
    const answers = await Promise.all([this.own(block), ...this.peers.map((peer) => this.ask(peer, block))]);
    const cosignatures: Cosignature[] = [];
    const failures: PeerFailure[] = [];
    const seen = new Set<string>();
    answers.forEach((answer, i) => {
      const peer = i === 0 ? "self" : this.peers[i - 1];
      if ("problem" in answer) failures.push({ peer, problem: answer.problem });
      else if (seen.has(answer.signer))
        failures.push({ peer, problem: `cosigned as ${answer.signer}, already counted` });
      else {
        seen.add(answer.signer);
        cosignatures.push(answer);
      }
    });
    return { cosignatures, failures };
  }

  private async own(block: WitnessedBlock): Promise<Cosignature | { problem: string }> {
    try {
      const witnessed = await this.self.witness(block.blockNumber);
      if (witnessed.blockHash !== block.blockHash) {
        return { problem: `this member's node holds ${witnessed.blockHash} at block ${block.blockNumber}` };
      }
      return witnessed.cosignature;
    } catch (error) {
      return { problem: (error as Error).message };
    }
  }

  private async ask(peer: string, block: WitnessedBlock): Promise<Cosignature | { problem: string }> {
    const { chainId, verifyingContract } = this.self.domain;
    let answer: unknown;
    try {
      const response = await fetch(`${peer}/api/v1/witness/cosign`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ ...block, chainId, registry: verifyingContract }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      answer = await response.json().catch(() => undefined);
      if (!response.ok) {
        const detail = (answer as { detail?: unknown } | undefined)?.detail;
        return { problem: `answered ${response.status}${typeof detail === "string" ? `: ${detail}` : ""}` };
      }
    } catch (error) {
      return { problem: `did not answer (${(error as Error).message})` };
    }
    return this.checked(answer, block);
  }

  /** The peer's answer as a cosignature, only if it is one by the key it names over this block. */
  private checked(answer: unknown, block: WitnessedBlock): Cosignature | { problem: string } {
    const { signer, signature } = (answer ?? {}) as { signer?: unknown; signature?: unknown };
    if (typeof signer !== "string" || !isAddress(signer) || typeof signature !== "string") {
      return { problem: "answered something that is not a cosignature" };
    }
    let recovered: string;
    try {
      recovered = recoverAddress(checkpointDigest(this.self.domain, block), Signature.from(signature));
    } catch {
      return { problem: "answered a signature that is not well-formed" };
    }
    if (recovered !== getAddress(signer)) {
      return { problem: `answered a signature by ${recovered}, not by ${getAddress(signer)}, over this block` };
    }
    return { signer: getAddress(signer), signature: signature.toLowerCase() };
  }
}
