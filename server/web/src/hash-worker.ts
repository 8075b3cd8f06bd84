/**
 * Hashes one file at a time off the page's thread. The file is read in slices, so memory stays
 * bounded whatever its size; WebCrypto's digest() would need the whole file in memory.
 */
import { createSHA256 } from "hash-wasm";
import type { HashRequest, HashResponse } from "./hashing";

const SLICE_BYTES = 8 * 1024 * 1024;

interface WorkerScope {
  onmessage: ((event: MessageEvent<HashRequest>) => void) | null;
  postMessage(message: HashResponse): void;
}
const scope = self as unknown as WorkerScope;

async function hash({ id, file }: HashRequest): Promise<void> {
  const hasher = await createSHA256();
  hasher.init();
  for (let offset = 0; offset < file.size; offset += SLICE_BYTES) {
    const slice = new Uint8Array(await file.slice(offset, offset + SLICE_BYTES).arrayBuffer());
    hasher.update(slice);
    scope.postMessage({ id, kind: "progress", done: Math.min(offset + SLICE_BYTES, file.size), total: file.size });
  }
  scope.postMessage({ id, kind: "digest", sha256: hasher.digest("hex") });
}

scope.onmessage = (event) => {
  hash(event.data).catch((error: unknown) =>
    scope.postMessage({
      id: event.data.id,
      kind: "error",
      message: error instanceof Error ? error.message : String(error),
    }),
  );
};
