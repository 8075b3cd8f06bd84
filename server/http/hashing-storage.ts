import type { Request } from "express";
import type { StorageEngine } from "multer";
import { Sha256Accumulator } from "../proof/sha256";
import type { Sha256Hex } from "../proof/digest";
import { HttpProblem } from "./problems";

/** What the engine leaves on `req.files`: the digest, never the content. */
export interface HashedUpload {
  sha256?: Sha256Hex;
  size: number;
  /** The bytes of a small JSON part (the receipt field only). */
  content?: Buffer;
}

/**
 * A multer StorageEngine that hashes uploads as they stream and keeps neither memory nor a file:
 * the service only needs the digest. The `receipt` field, a small JSON document, is the one part
 * kept in memory, up to `maxReceiptBytes`.
 */
export class HashingStorage implements StorageEngine {
  constructor(
    private readonly maxReceiptBytes: number,
    /**
     * Largest document. Multer's own limit covers every part, so it is set to the larger of the two
     * and the document is held to its own limit here (a receipt may exceed a small upload limit).
     */
    private readonly maxFileBytes = Number.POSITIVE_INFINITY,
  ) {}

  _handleFile(
    _req: Request,
    file: Express.Multer.File,
    callback: (error?: unknown, info?: Partial<Express.Multer.File> & HashedUpload) => void,
  ): void {
    let settled = false;
    const finish = (error?: unknown, info?: HashedUpload) => {
      if (settled) return;
      settled = true;
      callback(error, info);
    };
    file.stream.on("error", (error) => finish(error));

    if (file.fieldname === "receipt") {
      const chunks: Buffer[] = [];
      let size = 0;
      file.stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.maxReceiptBytes) {
          file.stream.resume(); // drain the rest so the request can complete
          finish(new HttpProblem("receipt-too-large", `A receipt is at most ${this.maxReceiptBytes} bytes.`));
          return;
        }
        chunks.push(chunk);
      });
      file.stream.on("end", () => finish(undefined, { size, content: Buffer.concat(chunks) }));
      return;
    }

    const accumulator = new Sha256Accumulator();
    file.stream.on("data", (chunk: Buffer) => {
      if (settled) return;
      accumulator.update(chunk);
      if (accumulator.bytes > this.maxFileBytes) {
        file.stream.resume();
        finish(new HttpProblem("file-too-large", `File too large (field '${file.fieldname}').`));
      }
    });
    file.stream.on("end", () => finish(undefined, { sha256: accumulator.digest(), size: accumulator.bytes }));
  }

  _removeFile(_req: Request, _file: Express.Multer.File, callback: (error: Error | null) => void): void {
    callback(null); // nothing was kept
  }
}
