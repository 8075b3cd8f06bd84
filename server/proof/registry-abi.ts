import { Interface } from "ethers";
import type { Hex32 } from "./digest";

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

const ANCHOR_BATCH_SELECTOR = registryAnchoringInterface.getFunction("anchorBatch")!.selector.slice(2);
/** The `digests` array's offset in `anchorBatch(root, digests)` calldata: after the two head words. */
const DIGESTS_OFFSET = (64).toString(16).padStart(64, "0");

const word = (value: string) => value.slice(2).toLowerCase();

/**
 * `anchorBatch(root, digests)` calldata, written out: selector, root, the array's offset, its
 * length, its members. The same bytes as ethers' ABI coder makes (a test holds them equal), which
 * took 48× longer on a batch of 3,900 (bench/RESULTS.md).
 */
export function anchorBatchCalldata(root: string, digests: readonly string[]): string {
  const parts = new Array<string>(digests.length + 5);
  parts[0] = `0x${ANCHOR_BATCH_SELECTOR}`;
  parts[1] = word(root);
  parts[2] = DIGESTS_OFFSET;
  parts[3] = digests.length.toString(16).padStart(64, "0");
  for (let i = 0; i < digests.length; i++) parts[i + 4] = word(digests[i]);
  parts[digests.length + 4] = "";
  return parts.join("");
}

/**
 * The digests of `anchorBatch` calldata (lowercase), or undefined when `data` is another call.
 * Calldata laid out as Solidity and ethers lay it out is read directly; any other layout the ABI
 * allows (another offset, trailing bytes) goes through ethers' decoder.
 */
export function anchorBatchDigests(data: string): Hex32[] | undefined {
  const hex = data.toLowerCase();
  if (!hex.startsWith(`0x${ANCHOR_BATCH_SELECTOR}`)) return undefined;
  const head = 2 + 8;
  const count = Number.parseInt(hex.slice(head + 128, head + 192), 16);
  const canonical =
    hex.slice(head + 64, head + 128) === DIGESTS_OFFSET &&
    Number.isSafeInteger(count) &&
    hex.length === head + 192 + 64 * count &&
    /^[0-9a-f]*$/.test(hex.slice(head));
  if (!canonical) {
    const call = registryAnchoringInterface.parseTransaction({ data });
    return call?.name === "anchorBatch"
      ? (call.args.digests as string[]).map((d) => d.toLowerCase() as Hex32)
      : undefined;
  }
  const digests = new Array<Hex32>(count);
  for (let i = 0; i < count; i++) {
    const start = head + 192 + 64 * i;
    digests[i] = `0x${hex.slice(start, start + 64)}`;
  }
  return digests;
}
