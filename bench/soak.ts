/**
 * Soak: a service under steady mixed load for BENCH_SOAK_MINUTES (30) on Anvil with a block every
 * second: single notarizations, small lists, verifications by digest, status lookups and uploads of
 * a few MiB, sent at fixed rates whatever the answers take (an open loop). Every 5 s the service's
 * resident set, heap (read inside it by bench/lib/memory-probe.js), open file descriptors (/proc)
 * and active handles are sampled; every minute, p50/p99 per kind of request.
 *
 * At the end: every accepted document anchored exactly once on chain, memory flat after warm-up
 * (growth under 10% from minute 3 to the end), no error line in the service log. Writes bench/SOAK.md.
 *
 *   npm run bench:soak                        30 minutes
 *   BENCH_SOAK_MINUTES=5 npm run bench:soak   a short check
 */
import { createHash, randomBytes, randomFillSync, randomInt } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import * as prettier from "prettier";
import type { Sha256Hex } from "../server/proof/digest";
import { checkAnchorings } from "./lib/anchorings";
import { describeMachine, type Machine } from "./lib/machine";
import { cpuPressureUs, procStatusBytes } from "./lib/rss";
import {
  metric,
  serviceBatchesInFlight,
  serviceBatchMax,
  startChain,
  startService,
  tail,
  waitForIndex,
  type BenchChain,
  type BenchService,
} from "./lib/stack";
import { fmt, MIB, ms, percentile } from "./lib/stats";

const SOAK = path.join(__dirname, "SOAK.md");
const PROBE = path.join(__dirname, "lib", "memory-probe.js");
const SAMPLE_MS = 5_000;
/** Memory may grow by less than this from the end of warm-up to the end. */
const GROWTH_LIMIT = 0.1;
/** Minutes of warm-up: caches fill, the heap finds its size. */
const WARM_UP_MINUTES = 3;

type Kind = "notarize" | "notarize list" | "verify" | "status" | "upload";

/** Requests per second of each kind (uploads: one every 5 s). */
export const RATES: Record<Kind, number> = {
  notarize: 10,
  "notarize list": 1,
  verify: 20,
  status: 5,
  upload: 0.2,
};
const LIST_SIZE = 20;
const UPLOAD_MIB = [2, 4];
/** A kind with this many requests unanswered skips its next ones (counted), so a stall cannot snowball. */
const MAX_OUTSTANDING = 200;

/** The resident set and its parts (/proc/<pid>/status): anonymous (heaps, malloc), file-backed (code, mapped files), shared. */
interface Resident {
  rss: number;
  anon: number;
  file: number;
  shmem: number;
}

interface Sample {
  atMs: number;
  resident: Resident;
  fds: number;
  heapUsed?: number;
  handles?: number;
}

interface MinuteFigures {
  minute: number;
  rss: number;
  resident: Resident;
  /** Heap still referenced, read right after a full collection in this minute. */
  heapLive?: number;
  fds: number;
  handles?: number;
  kinds: Record<Kind, { requests: number; p50Ms: number; p99Ms: number; failures: number; skipped: number }>;
  /** Share of the minute during which some task on the machine waited for a core. */
  machinePressure?: number;
}

export interface SoakResult {
  machine: Machine;
  date: string;
  minutes: number;
  mining: string;
  batchMax: number;
  batchesInFlight: number;
  accepted: number;
  transactions: number;
  perMinute: MinuteFigures[];
  rssGrowth: number;
  heapGrowth?: number;
  errorLines: string[];
  failures: number;
  firstFailure?: string;
  invalidVerdicts: number;
  loadAverageAtEnd: number;
  drainMs: number;
}

class Recorder {
  private latencies = new Map<Kind, number[]>();
  private failures = new Map<Kind, number>();
  private skipped = new Map<Kind, number>();
  outstanding = new Map<Kind, number>();
  totalFailures = 0;
  firstFailure: string | undefined;

  record(kind: Kind, ms: number) {
    const list = this.latencies.get(kind) ?? [];
    list.push(ms);
    this.latencies.set(kind, list);
  }

  fail(kind: Kind, reason: string) {
    this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
    this.totalFailures++;
    this.firstFailure ??= `${kind}: ${reason}`;
  }

  skip(kind: Kind) {
    this.skipped.set(kind, (this.skipped.get(kind) ?? 0) + 1);
  }

  /** This minute's figures per kind; starts the next minute. */
  take(): MinuteFigures["kinds"] {
    const kinds = {} as MinuteFigures["kinds"];
    for (const kind of Object.keys(RATES) as Kind[]) {
      const list = this.latencies.get(kind) ?? [];
      kinds[kind] = {
        requests: list.length,
        p50Ms: percentile(list, 50),
        p99Ms: percentile(list, 99),
        failures: this.failures.get(kind) ?? 0,
        skipped: this.skipped.get(kind) ?? 0,
      };
    }
    this.latencies = new Map();
    this.failures = new Map();
    this.skipped = new Map();
    return kinds;
  }
}

function request(
  agent: http.Agent,
  baseUrl: string,
  method: "GET" | "POST",
  urlPath: string,
  body?: Buffer,
  contentType?: string,
): Promise<{ status: number; text: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: urlPath,
        agent,
        headers: body === undefined ? {} : { "content-type": contentType!, "content-length": body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.setTimeout(120_000, () => req.destroy(new Error("no answer in 120 s")));
    req.on("error", reject);
    req.end(body);
  });
}

function multipart(content: Buffer): { body: Buffer; contentType: string } {
  const boundary = `docproof-soak-${randomBytes(8).toString("hex")}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="soak.bin"\r\n` +
      "Content-Type: application/octet-stream\r\n\r\n",
  );
  return {
    body: Buffer.concat([head, content, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

interface ProbeLine {
  atMs: number;
  afterGc: boolean;
  heapUsed: number;
  handles: number;
}

/** Every line the memory probe wrote so far. */
function probeLines(file: string): ProbeLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as ProbeLine);
}

export async function soak(chain: BenchChain, minutes: number, machine: Machine): Promise<SoakResult> {
  const fromBlock = (await chain.provider.getBlockNumber()) + 1;
  const probeDir = mkdtempSync(path.join(tmpdir(), "docproof-soak-"));
  const probeFile = path.join(probeDir, "memory.jsonl");
  const service: BenchService = await startService(chain, {
    rateLimits: "active",
    // --expose-gc only lets the probe collect once a minute before it reads the heap.
    nodeArgs: ["--expose-gc", "--require", PROBE],
    env: { BENCH_MEMORY_PROBE_FILE: probeFile, BENCH_MEMORY_PROBE_MS: String(SAMPLE_MS) },
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const recorder = new Recorder();
  const accepted: Sha256Hex[] = [];
  const acceptedSet = new Set<string>();
  /** Accepted at least 15 s ago: anchored by now (a batch a second, a block a second). */
  const settled: Sha256Hex[] = [];
  let invalidVerdicts = 0;
  const timers: NodeJS.Timeout[] = [];
  try {
    const batchMax = serviceBatchMax(service);
    const batchesInFlight = serviceBatchesInFlight(service);
    const accept = (digests: Sha256Hex[]) => {
      for (const digest of digests) {
        if (acceptedSet.has(digest)) continue;
        acceptedSet.add(digest);
        accepted.push(digest);
        setTimeout(() => settled.push(digest), 15_000).unref();
      }
    };
    const send = (kind: Kind, run: () => Promise<void>) => {
      const outstanding = recorder.outstanding.get(kind) ?? 0;
      if (outstanding >= MAX_OUTSTANDING) return recorder.skip(kind);
      recorder.outstanding.set(kind, outstanding + 1);
      const started = performance.now();
      run()
        .then(
          () => recorder.record(kind, performance.now() - started),
          (error: unknown) => recorder.fail(kind, error instanceof Error ? error.message : String(error)),
        )
        .finally(() => recorder.outstanding.set(kind, (recorder.outstanding.get(kind) ?? 1) - 1));
    };
    const json = (value: unknown) => Buffer.from(JSON.stringify(value));
    const expect = (answer: { status: number; text: string }, statuses: number[]) => {
      if (!statuses.includes(answer.status)) throw new Error(`status ${answer.status}: ${answer.text.slice(0, 300)}`);
    };
    const actions: Record<Kind, () => void> = {
      notarize: () => {
        const sha256 = randomBytes(32).toString("hex") as Sha256Hex;
        send("notarize", async () => {
          const answer = await request(
            agent,
            service.baseUrl,
            "POST",
            "/api/v1/documents",
            json({ sha256 }),
            "application/json",
          );
          expect(answer, [202]);
          accept([sha256]);
        });
      },
      "notarize list": () => {
        const digests = Array.from({ length: LIST_SIZE }, () => randomBytes(32).toString("hex") as Sha256Hex);
        send("notarize list", async () => {
          const answer = await request(
            agent,
            service.baseUrl,
            "POST",
            "/api/v1/documents",
            json({ sha256: digests }),
            "application/json",
          );
          expect(answer, [202]);
          accept(digests);
        });
      },
      verify: () => {
        if (settled.length === 0) return;
        const sha256 = settled[randomInt(settled.length)];
        send("verify", async () => {
          const answer = await request(
            agent,
            service.baseUrl,
            "POST",
            "/api/v1/verify",
            json({ sha256 }),
            "application/json",
          );
          expect(answer, [200]);
          if (!answer.text.includes('"valid":true')) invalidVerdicts++;
        });
      },
      status: () => {
        if (accepted.length === 0) return;
        const sha256 = accepted[randomInt(accepted.length)];
        send("status", async () =>
          expect(await request(agent, service.baseUrl, "GET", `/api/v1/documents/${sha256}`), [200]),
        );
      },
      upload: () => {
        const content = Buffer.allocUnsafe(UPLOAD_MIB[randomInt(UPLOAD_MIB.length)] * MIB);
        randomFillSync(content);
        const sha256 = createHash("sha256").update(content).digest("hex") as Sha256Hex;
        const { body, contentType } = multipart(content);
        send("upload", async () => {
          const answer = await request(agent, service.baseUrl, "POST", "/api/v1/documents", body, contentType);
          expect(answer, [202]);
          const hashed = (JSON.parse(answer.text) as { sha256: string }).sha256;
          if (hashed !== sha256) throw new Error(`the service hashed ${hashed}, the client ${sha256}`);
          accept([sha256]);
        });
      },
    };

    const samples: Sample[] = [];
    const sample = () => {
      const lines = probeLines(probeFile);
      const reading = lines[lines.length - 1];
      samples.push({
        atMs: performance.now(),
        resident: {
          rss: procStatusBytes(service.pid, "VmRSS"),
          anon: procStatusBytes(service.pid, "RssAnon"),
          file: procStatusBytes(service.pid, "RssFile"),
          shmem: procStatusBytes(service.pid, "RssShmem"),
        },
        fds: fdCount(service.pid),
        heapUsed: reading?.heapUsed,
        handles: reading?.handles,
      });
    };
    const started = performance.now();
    for (const [kind, rate] of Object.entries(RATES) as [Kind, number][]) {
      timers.push(setInterval(actions[kind], 1000 / rate));
    }
    timers.push(setInterval(sample, SAMPLE_MS));
    const perMinute: MinuteFigures[] = [];
    for (let minute = 1; minute <= minutes; minute++) {
      const pressure = cpuPressureUs();
      const minuteStart = performance.now();
      await new Promise((resolve) => setTimeout(resolve, started + minute * 60_000 - performance.now()));
      if (service.process.hasExited) throw new Error(`the service exited:\n${tail(service.log())}`);
      sample();
      const inMinute = samples.filter((s) => s.atMs >= minuteStart);
      const last = inMinute[inMinute.length - 1];
      const collected = probeLines(probeFile).filter((line) => line.afterGc);
      const after = cpuPressureUs();
      const figures: MinuteFigures = {
        minute,
        rss: last.resident.rss,
        resident: last.resident,
        heapLive: collected[collected.length - 1]?.heapUsed,
        fds: last.fds,
        handles: last.handles,
        kinds: recorder.take(),
        machinePressure:
          pressure === undefined || after === undefined
            ? undefined
            : (after - pressure) / 1000 / (performance.now() - minuteStart),
      };
      perMinute.push(figures);
      console.log(
        `minute ${minute}: RSS ${fmt(figures.rss / MIB, 1)} MiB, live heap ${figures.heapLive === undefined ? "?" : fmt(figures.heapLive / MIB, 1)} MiB, ` +
          `fds ${figures.fds}, handles ${figures.handles ?? "?"}; ` +
          (Object.entries(figures.kinds) as [Kind, MinuteFigures["kinds"][Kind]][])
            .map(([kind, k]) => `${kind} ${k.requests} p99 ${ms(k.p99Ms)}${k.failures ? ` ${k.failures} failed` : ""}`)
            .join(", "),
      );
    }
    for (const timer of timers) clearInterval(timer);
    // Whatever is still in flight is answered, then every accepted document must be anchored.
    const drainStart = performance.now();
    while ([...recorder.outstanding.values()].some((n) => n > 0)) await new Promise((r) => setTimeout(r, 50));
    const deadline = Date.now() + 600_000;
    while ((await metric(service.baseUrl, "docproof_documents_anchored_total")) < accepted.length) {
      if (Date.now() > deadline) throw new Error(`not every accepted document was anchored:\n${tail(service.log())}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const drainMs = performance.now() - drainStart;
    await waitForIndex(service, await chain.provider.getBlockNumber());
    await service.stop();
    const facts = await checkAnchorings(chain, accepted, batchMax, fromBlock);

    const errorLines = service
      .log()
      .split("\n")
      .filter((line) => line.includes('"level":"error"'));
    const warm = perMinute[Math.min(WARM_UP_MINUTES, perMinute.length) - 1];
    const end = perMinute[perMinute.length - 1];
    const heapGrowth =
      warm.heapLive === undefined || end.heapLive === undefined
        ? undefined
        : (end.heapLive - warm.heapLive) / warm.heapLive;
    return {
      machine,
      date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      minutes,
      mining: chain.mining,
      batchMax,
      batchesInFlight,
      accepted: accepted.length,
      transactions: facts.transactions,
      perMinute,
      rssGrowth: (end.rss - warm.rss) / warm.rss,
      heapGrowth,
      errorLines,
      failures: recorder.totalFailures,
      firstFailure: recorder.firstFailure,
      invalidVerdicts,
      loadAverageAtEnd: loadavg()[0],
      drainMs,
    };
  } finally {
    for (const timer of timers) clearInterval(timer);
    agent.destroy();
    await service.stop();
    service.removeData();
    rmSync(probeDir, { recursive: true, force: true });
  }
}

const pct = (share: number) => `${fmt(share * 100, 1)}%`;

export function soakVerdicts(r: SoakResult): {
  anchored: boolean;
  flat: boolean;
  noErrors: boolean;
  noFailures: boolean;
} {
  return {
    anchored: true, // checkAnchorings throws otherwise
    flat: r.rssGrowth < GROWTH_LIMIT && (r.heapGrowth === undefined || r.heapGrowth < GROWTH_LIMIT),
    noErrors: r.errorLines.length === 0,
    noFailures: r.failures === 0 && r.invalidVerdicts === 0,
  };
}

export function soakSummaryLine(r: SoakResult): string {
  const v = soakVerdicts(r);
  return (
    `soak: ${r.minutes} min, ${fmt(r.accepted)} documents accepted and each anchored exactly once ` +
    `(${fmt(r.transactions)} transactions); RSS ${r.rssGrowth >= 0 ? "+" : ""}${pct(r.rssGrowth)} and heap ` +
    `${r.heapGrowth === undefined ? "?" : `${r.heapGrowth >= 0 ? "+" : ""}${pct(r.heapGrowth)}`} from minute ` +
    `${Math.min(WARM_UP_MINUTES, r.minutes)} to the end, ${v.flat ? "flat" : "NOT flat"} (target < 10%); ` +
    `${r.errorLines.length} error lines in the service log; ${r.failures} failed requests`
  );
}

export function formatSoak(r: SoakResult): string {
  const v = soakVerdicts(r);
  const kinds = Object.keys(RATES) as Kind[];
  const lines = [
    "# Soak results",
    "",
    `Written by \`${r.minutes === 30 ? "npm run bench:soak" : `BENCH_SOAK_MINUTES=${r.minutes} npm run bench:soak`}\` on ${r.date}` +
      (r.minutes < 30 ? ` — **a ${r.minutes}-minute check, not the 30-minute soak**.` : "."),
    "",
    `Summary: ${soakSummaryLine(r)}`,
    "",
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.ramGiB} GiB, Node ${r.machine.node}; load average ` +
      `${fmt(r.machine.loadAverage, 2)} at the start and ${fmt(r.loadAverageAtEnd, 2)} at the end (the cores are shared).`,
    "",
    `The service runs as its own process (\`ts-node server/main.ts\`) in its default configuration (batches sized to ` +
      `the chain: ${fmt(r.batchMax)} documents; BATCH_INTERVAL_MS 1,000; ${r.batchesInFlight} batches in flight, ` +
      `as many as two blocks hold; CONFIRMATIONS 1), the ` +
      `rate limiters on with limits this load never reaches, on Anvil with ${r.mining}. Steady load, sent at fixed ` +
      "rates whatever the answers take (an open loop):",
    "",
    "| kind | rate |",
    "| --- | ---: |",
    `| notarize one digest (JSON) | ${RATES.notarize}/s |`,
    `| notarize a list of ${LIST_SIZE} digests | ${RATES["notarize list"]}/s |`,
    `| verify by digest, a document accepted at least 15 s before | ${RATES.verify}/s |`,
    `| status lookup of an accepted document | ${RATES.status}/s |`,
    `| upload of ${UPLOAD_MIB.join(" or ")} MiB of random bytes (multipart) | one every ${1 / RATES.upload} s |`,
    "",
    "Every 5 s: the service's resident set (VmRSS) and open file descriptors from /proc, and its active handles from " +
      "inside it (`bench/lib/memory-probe.js`, loaded with `node --require`; the service's code is unchanged). Once a " +
      "minute the probe collects garbage (the process runs with `--expose-gc`) and reads the heap still referenced: " +
      "the live heap. RSS and live heap are each minute's last reading.",
    "",
    "## Verdicts",
    "",
    "| check | result |",
    "| --- | --- |",
    `| every accepted document anchored exactly once on chain | ${v.anchored ? "met" : "missed"}: ${fmt(r.accepted)} documents in ${fmt(r.transactions)} transactions, checked against the calldata of every anchoring (last document anchored ${fmt(r.drainMs / 1000, 1)} s after the load stopped) |`,
    `| memory flat after warm-up (growth < 10% from minute ${Math.min(WARM_UP_MINUTES, r.minutes)} to the end) | ${v.flat ? "met" : "missed"}: RSS ${pct(r.rssGrowth)}, heap ${r.heapGrowth === undefined ? "not read" : pct(r.heapGrowth)} |`,
    `| no error lines in the service log | ${v.noErrors ? "met" : "missed"}: ${r.errorLines.length} |`,
    `| every request answered as expected | ${v.noFailures ? "met" : "missed"}: ${r.failures} failed${r.firstFailure === undefined ? "" : ` (first: ${r.firstFailure.replace(/\|/g, "\\|")})`}, ${r.invalidVerdicts} verdicts not valid |`,
    "",
    "## Per minute",
    "",
    `| minute | RSS MiB (anonymous / file / shared) | live heap MiB | fds | handles | CPU pressure | ${kinds.map((k) => `${k} p50 / p99`).join(" | ")} | failed |`,
    `| ---: | ---: | ---: | ---: | ---: | ---: | ${kinds.map(() => "---:").join(" | ")} | ---: |`,
    ...r.perMinute.map(
      (m) =>
        `| ${m.minute} | ${fmt(m.rss / MIB, 1)} (${fmt(m.resident.anon / MIB, 1)} / ${fmt(m.resident.file / MIB, 1)} / ${fmt(m.resident.shmem / MIB, 1)}) | ${m.heapLive === undefined ? "?" : fmt(m.heapLive / MIB, 1)} | ${m.fds} | ` +
        `${m.handles ?? "?"} | ${m.machinePressure === undefined ? "?" : pct(m.machinePressure)} | ` +
        kinds.map((k) => `${ms(m.kinds[k].p50Ms)} / ${ms(m.kinds[k].p99Ms)}`).join(" | ") +
        ` | ${kinds.reduce((n, k) => n + m.kinds[k].failures, 0)} |`,
    ),
    "",
    "CPU pressure is the share of the minute during which some task on the machine waited for a core (Linux PSI): " +
      "the machine is shared, and latency follows it.",
    "",
  ];
  const warm = r.perMinute[Math.min(WARM_UP_MINUTES, r.perMinute.length) - 1];
  const end = r.perMinute[r.perMinute.length - 1];
  if (warm.heapLive !== undefined && end.heapLive !== undefined && end.minute > warm.minute) {
    const grown = end.heapLive - warm.heapLive;
    const mib = (bytes: number) => `${bytes >= 0 ? "+" : ""}${fmt(bytes / MIB, 1)} MiB`;
    lines.push(
      "## Memory",
      "",
      `From minute ${warm.minute} to ${end.minute} the live heap grew ${fmt(grown / MIB, 1)} MiB and RSS ` +
        `${fmt((end.rss - warm.rss) / MIB, 1)} MiB. Of the RSS growth: anonymous memory (V8's heaps, malloc) ` +
        `${mib(end.resident.anon - warm.resident.anon)}, file-backed pages (code, and mapped files such as SQLite's ` +
        `write-ahead log indexes) ${mib(end.resident.file - warm.resident.file)}, shared memory ` +
        `${mib(end.resident.shmem - warm.resident.shmem)}.`,
      "",
    );
  }
  if (r.errorLines.length > 0) {
    lines.push("## Error lines", "", "```", ...r.errorLines.slice(0, 20), "```", "");
  }
  return lines.join("\n");
}

async function main() {
  const raw = process.env.BENCH_SOAK_MINUTES;
  const minutes = raw === undefined || raw === "" ? 30 : Number(raw);
  if (!Number.isInteger(minutes) || minutes < 1)
    throw new Error(`BENCH_SOAK_MINUTES must be a whole number ≥ 1, got "${raw}"`);
  const machine = describeMachine();
  console.log(`soak: ${minutes} min on ${machine.cpu}, ${machine.cores} cores`);
  const chain = await startChain({ anvilArgs: ["--block-time", "1"] });
  try {
    const result = await soak(chain, minutes, machine);
    const text = await prettier.format(formatSoak(result), { parser: "markdown", printWidth: 120 });
    writeFileSync(SOAK, text);
    console.log(soakSummaryLine(result));
    console.log(`wrote ${path.relative(process.cwd(), SOAK)}`);
    const v = soakVerdicts(result);
    if (!v.flat || !v.noErrors || !v.noFailures) process.exitCode = 1;
  } finally {
    await chain.stop();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
