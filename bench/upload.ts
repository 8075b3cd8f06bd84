/**
 * Upload hashing: a large random file POSTed as multipart to /api/v1/documents, streamed from disk
 * by the client, against `openssl dgst -sha256` on the same file in the same run. The service's
 * resident set is read from /proc while it hashes.
 */
import { execFile } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { createReadStream, mkdtempSync, openSync, rmSync, writeSync, closeSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { processCpuMs, RssMonitor } from "./lib/rss";
import { startService, type BenchChain } from "./lib/stack";
import { MB } from "./lib/stats";

export interface UploadResult {
  bytes: number;
  rounds: number;
  /** Best of the rounds and clients, MB/s (10^6 bytes). */
  serviceMBps: number;
  /** Which client streamed the fastest upload. */
  bestClient: "curl" | "node";
  /** Best of the rounds with this process as the client. */
  nodeClientMBps: number;
  /** Best of the rounds with curl as the client; undefined when curl is not installed. */
  curlMBps?: number;
  opensslMBps: number;
  ratio: number;
  rssBaseline: number;
  rssPeakGrowth: number;
  rssSource: string;
  /** CPU time over wall time during the fastest upload by this process: the service's, and this client's. */
  serviceCpuShare: number;
  clientCpuShare: number;
  /** The part of the client's CPU spent in the kernel (on loopback, TCP's receive work runs there too). */
  clientSystemShare: number;
}

/** Writes `bytes` of random data to a new file in a fresh temporary folder. */
export function randomFile(bytes: number): { file: string; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "docproof-upload-"));
  const file = path.join(dir, "random.bin");
  const fd = openSync(file, "w");
  try {
    const chunk = Buffer.allocUnsafe(8 * 1024 * 1024);
    for (let written = 0; written < bytes;) {
      const size = Math.min(chunk.length, bytes - written);
      randomFillSync(chunk, 0, size);
      written += writeSync(fd, chunk, 0, size);
    }
  } finally {
    closeSync(fd);
  }
  return { file, dir };
}

async function opensslSha256(file: string): Promise<{ sha256: string; ms: number }> {
  const started = performance.now();
  const { stdout } = await promisify(execFile)("openssl", ["dgst", "-sha256", "-r", file]);
  return { sha256: stdout.trim().split(" ")[0].toLowerCase(), ms: performance.now() - started };
}

/** Streams `file` as the multipart field "file": nothing but the current chunk is held by the client. */
export function uploadFile(baseUrl: string, file: string, bytes: number): Promise<{ sha256: string; ms: number }> {
  const boundary = `docproof-bench-${Date.now()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="random.bin"\r\n` +
      "Content-Type: application/octet-stream\r\n\r\n",
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const url = new URL(`${baseUrl}/api/v1/documents`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: {
          "content-type": `multipart/form-data; boundary=${boundary}`,
          "content-length": head.length + bytes + tail.length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          if (res.statusCode !== 202 && res.statusCode !== 200) {
            reject(new Error(`upload answered ${res.statusCode}: ${body}`));
            return;
          }
          resolve({ sha256: (JSON.parse(body) as { sha256: string }).sha256, ms: performance.now() - started });
        });
      },
    );
    req.on("error", reject);
    req.write(head);
    const stream = createReadStream(file, { highWaterMark: 1024 * 1024 });
    stream.on("error", reject);
    stream.on("end", () => req.end(tail));
    stream.pipe(req, { end: false });
  });
}

const run = promisify(execFile);

/** The same upload streamed by curl, a C client that needs far less CPU than a Node one. */
async function uploadWithCurl(baseUrl: string, file: string): Promise<{ sha256: string; ms: number }> {
  const started = performance.now();
  const { stdout } = await run("curl", [
    "--silent",
    "--show-error",
    "--fail-with-body",
    "--form",
    `file=@${file};type=application/octet-stream`,
    `${baseUrl}/api/v1/documents`,
  ]);
  return { sha256: (JSON.parse(stdout) as { sha256: string }).sha256, ms: performance.now() - started };
}

async function curlInstalled(): Promise<boolean> {
  return run("curl", ["--version"]).then(
    () => true,
    () => false,
  );
}

export async function benchUpload(
  chain: BenchChain,
  options: { bytes: number; rounds: number; file?: string },
): Promise<UploadResult> {
  const own = options.file === undefined ? randomFile(options.bytes) : undefined;
  const file = options.file ?? own!.file;
  const service = await startService(chain);
  try {
    // Warm-up: the first upload loads and compiles the multipart path; it is not measured.
    const warm = randomFile(4 * 1024 * 1024);
    try {
      await uploadFile(service.baseUrl, warm.file, 4 * 1024 * 1024);
    } finally {
      rmSync(warm.dir, { recursive: true, force: true });
    }

    const withCurl = await curlInstalled();
    let opensslMs = Infinity;
    let serviceMs = Infinity;
    let curlMs = Infinity;
    let rssGrowth = 0;
    let rssBaseline = 0;
    let rssSource = "";
    let serviceCpuShare = 0;
    let clientCpuShare = 0;
    let clientSystemShare = 0;
    for (let round = 0; round < options.rounds; round++) {
      const reference = await opensslSha256(file);
      opensslMs = Math.min(opensslMs, reference.ms);
      const monitor = new RssMonitor(service.pid);
      const serviceCpu = processCpuMs(service.pid);
      const clientCpu = process.cpuUsage();
      const uploaded = await uploadFile(service.baseUrl, file, options.bytes);
      const rss = monitor.stop();
      if (uploaded.ms < serviceMs) {
        serviceMs = uploaded.ms;
        serviceCpuShare = (processCpuMs(service.pid) - serviceCpu) / uploaded.ms;
        const client = process.cpuUsage(clientCpu);
        clientCpuShare = (client.user + client.system) / 1000 / uploaded.ms;
        clientSystemShare = client.system / 1000 / uploaded.ms;
      }
      if (uploaded.sha256 !== reference.sha256) {
        throw new Error(`the service hashed ${uploaded.sha256}, openssl ${reference.sha256}`);
      }
      if (rss.growth >= rssGrowth) {
        rssGrowth = rss.growth;
        rssBaseline = rss.baseline;
        rssSource = rss.source;
      }
      if (withCurl) {
        const curlMonitor = new RssMonitor(service.pid);
        const byCurl = await uploadWithCurl(service.baseUrl, file);
        const curlRss = curlMonitor.stop();
        if (byCurl.sha256 !== reference.sha256) {
          throw new Error(`the service hashed ${byCurl.sha256} from curl, openssl ${reference.sha256}`);
        }
        curlMs = Math.min(curlMs, byCurl.ms);
        if (curlRss.growth >= rssGrowth) {
          rssGrowth = curlRss.growth;
          rssBaseline = curlRss.baseline;
          rssSource = curlRss.source;
        }
      }
    }
    const nodeClientMBps = options.bytes / MB / (serviceMs / 1000);
    const curlMBps = withCurl ? options.bytes / MB / (curlMs / 1000) : undefined;
    const serviceMBps = Math.max(nodeClientMBps, curlMBps ?? 0);
    const opensslMBps = options.bytes / MB / (opensslMs / 1000);
    return {
      bytes: options.bytes,
      rounds: options.rounds,
      serviceMBps,
      bestClient: serviceMBps === nodeClientMBps ? "node" : "curl",
      nodeClientMBps,
      curlMBps,
      opensslMBps,
      ratio: serviceMBps / opensslMBps,
      rssBaseline,
      rssPeakGrowth: rssGrowth,
      rssSource,
      serviceCpuShare,
      clientCpuShare,
      clientSystemShare,
    };
  } finally {
    await service.stop();
    service.removeData();
    if (own !== undefined) rmSync(own.dir, { recursive: true, force: true });
  }
}
