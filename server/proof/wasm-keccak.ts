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

/** Makes the Merkle batches, leaves and proofs of this process use the WebAssembly keccak-256. */
export async function useWasmKeccak(): Promise<void> {
  useKeccak(await wasmKeccak256());
}
