import { keccak256 } from "ethers";
import { createKeccak } from "hash-wasm";
import { useKeccak, type Keccak256 } from "./merkle";

/** hash-wasm's keccak-256: the same function as @noble/hashes' in WebAssembly, about 12× faster. */
export async function wasmKeccak256(): Promise<Keccak256> {
  const hasher = await createKeccak(256);
  return (data) => {
    hasher.init();
    hasher.update(data);
    // A copy of the result, never a view of the WebAssembly memory the next hash overwrites.
    return hasher.digest("binary");
  };
}

let installed: Promise<void> | undefined;

/**
 * Makes this process's keccak-256 the WebAssembly one: the Merkle batches, leaves and proofs, and
 * ethers' own (transaction signing and hashes, which cover a batch's whole calldata).
 */
export function useWasmKeccak(): Promise<void> {
  installed ??= wasmKeccak256().then((wasm) => {
    useKeccak(wasm);
    keccak256.register(wasm);
  });
  return installed;
}
