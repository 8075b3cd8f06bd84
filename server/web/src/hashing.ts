/** SHA-256 of local files, computed in a Web Worker (hash-worker.ts) with progress. */

export interface HashRequest {
  id: number;
  file: File;
}

export type HashResponse =
  | { id: number; kind: "progress"; done: number; total: number }
  | { id: number; kind: "digest"; sha256: string }
  | { id: number; kind: "error"; message: string };

interface Job {
  resolve(sha256: string): void;
  reject(error: Error): void;
  onProgress(done: number, total: number): void;
}

let worker: Worker | undefined;
let nextId = 1;
const jobs = new Map<number, Job>();

function hashWorker(): Worker {
  if (worker !== undefined) return worker;
  worker = new Worker("/hash-worker.js");
  worker.onmessage = (event: MessageEvent<HashResponse>) => {
    const message = event.data;
    const job = jobs.get(message.id);
    if (job === undefined) return;
    if (message.kind === "progress") return job.onProgress(message.done, message.total);
    jobs.delete(message.id);
    if (message.kind === "digest") job.resolve(message.sha256);
    else job.reject(new Error(`The file could not be read: ${message.message}`));
  };
  return worker;
}

/** Streams `file` through SHA-256 without loading it whole; jobs queue in the one worker. */
export function sha256OfFile(
  file: File,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    jobs.set(id, { resolve, reject, onProgress });
    hashWorker().postMessage({ id, file } satisfies HashRequest);
  });
}
