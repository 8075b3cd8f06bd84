import { Interface } from "ethers";

/**
 * The part of the DocumentRegistry's ABI that evidence checks read: the two anchoring calls and
 * their events. Written out rather than imported from generated types, so the proof core builds on
 * a clone that never compiled the contracts; a test holds it equal to the compiled artifact.
 */
export const REGISTRY_ANCHORING_ABI = [
  "function anchor(bytes32 digest)",
  "function anchorBatch(bytes32 root, bytes32[] digests)",
  "event DocumentAnchored(bytes32 indexed digest, bytes32 indexed root, address indexed registrar)",
  "event BatchAnchored(bytes32 indexed root, address indexed registrar, uint256 leafCount)",
] as const;

export const registryAnchoringInterface = new Interface(REGISTRY_ANCHORING_ABI);
