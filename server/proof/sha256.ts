import { createHash, type Hash } from "node:crypto";
import type { Readable } from "node:stream";
import type { Sha256Hex } from "./digest";

/** An incremental SHA-256 that also counts bytes. */
export class Sha256Accumulator {
  private readonly hash: Hash = createHash("sha256");
  private count = 0;

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.count += chunk.length;
  }

  get bytes(): number {
    return this.count;
  }

  digest(): Sha256Hex {
    return this.hash.digest("hex") as Sha256Hex;
  }
}

/** SHA-256 of everything `stream` yields, without holding it. */
export async function sha256OfStream(
  stream: Readable,
  onProgress?: (bytes: number) => void,
): Promise<{ sha256: Sha256Hex; bytes: number }> {
  const accumulator = new Sha256Accumulator();
  for await (const chunk of stream) {
    accumulator.update(chunk as Uint8Array);
    onProgress?.(accumulator.bytes);
  }
  return { sha256: accumulator.digest(), bytes: accumulator.bytes };
}
