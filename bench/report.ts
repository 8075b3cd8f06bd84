/** bench/RESULTS.md and the one-line summaries, from the figures of one run. */
import type { GasCaps } from "./caps";
import { TX_GAS_CAP } from "./caps";
import type { GasReport } from "./gas";
import type { Machine } from "./lib/machine";
import { atLeast, atMost, fmt, MIB, ms } from "./lib/stats";
import type { NotarizeResult } from "./notarize";
import type { UploadResult } from "./upload";
import type { VerifyResult } from "./verify";

export interface RunFigures {
  machine: Machine;
  date: string;
  quick: boolean;
  durationS: number;
  loadAverageAtEnd: number;
  upload: UploadResult;
  notarize: NotarizeResult;
  verify: VerifyResult;
  gas: GasReport;
  caps: GasCaps;
  scaling: NotarizeResult[];
  /** Measured causes and notes, added where a target was missed. */
  notes: string[];
}

export const TARGETS = {
  uploadRatio: 0.5,
  uploadRssMiB: 64,
  docsPerSecond: 1_000,
  verifyP99Ms: 20,
};

const pct = (share: number) => `${fmt(share * 100)}%`;

export function uploadLine(r: UploadResult): string {
  return (
    `upload: ${fmt(r.bytes / MIB)} MiB at ${fmt(r.serviceMBps)} MB/s (client: ${r.bestClient}) vs openssl ${fmt(r.opensslMBps)} MB/s ` +
    `= ${fmt(r.ratio, 2)}x, ${atLeast(r.ratio, TARGETS.uploadRatio, "0.5x")}; peak RSS growth ` +
    `${fmt(r.rssPeakGrowth / MIB, 1)} MiB, ${atMost(r.rssPeakGrowth / MIB, TARGETS.uploadRssMiB, "64 MiB")}`
  );
}

export function notarizeLine(r: NotarizeResult): string {
  return (
    `notarize: ${fmt(r.documents)} documents anchored in ${fmt(r.totalMs / 1000, 1)} s = ${fmt(r.docsPerSecond)} docs/s, ` +
    `${atLeast(r.docsPerSecond, TARGETS.docsPerSecond, "1,000 docs/s")}; ${r.transactions} transactions, ` +
    `${fmt(r.gasPerDocument)} gas/doc; accept p50 ${ms(r.acceptP50Ms)} p99 ${ms(r.acceptP99Ms)}; ` +
    `anchored p50 ${ms(r.anchorP50Ms)} p99 ${ms(r.anchorP99Ms)}`
  );
}

export function verifyLine(r: VerifyResult): string {
  return (
    `verify: ${fmt(r.verify.requestsPerSecond)} req/s at ${r.concurrency} clients, p50 ${ms(r.verify.p50Ms)} ` +
    `p99 ${ms(r.verify.p99Ms)}, ${atMost(r.verify.p99Ms, TARGETS.verifyP99Ms, "20 ms")}; ` +
    `${fmt(r.verify.requestsPerSecond / r.lookup.requestsPerSecond, 2)}x the store-only lookup's ${fmt(r.lookup.requestsPerSecond)} req/s`
  );
}

export function gasLine(g: GasReport, c: GasCaps): string {
  const at1000 = g.batches.find((b) => b.size === 1_000)!;
  return (
    `gas: single ${fmt(Number(g.singleAnchor))}, ${fmt(Number(at1000.perDocument))}/doc at 1,000 ` +
    `(${fmt(Number(at1000.perDocument) / Number(g.singleAnchor), 3)}x single), revoke ${fmt(Number(g.revokeSingle))}, ` +
    `verify view ${fmt(Number(g.verifyView))}; largest batch under the 2^24 cap ≈ ${fmt(c.largestUnderTxCap)} > MAX_BATCH_SIZE ${fmt(c.maxBatchSize)}`
  );
}

export function scalingLine(levels: readonly NotarizeResult[]): string {
  return `scaling: ${levels
    .map(
      (l) =>
        `BATCH_MAX ${fmt(l.batchMax)}: ${fmt(l.docsPerSecond)} docs/s, ${fmt(l.gasPerDocument)} gas/doc, ${l.transactions} tx`,
    )
    .join("; ")}`;
}

export function formatResults(f: RunFigures): string {
  const u = f.upload;
  const n = f.notarize;
  const v = f.verify;
  const g = f.gas;
  const c = f.caps;
  const single = Number(g.singleAnchor);
  const lines = [
    "# Benchmark results",
    "",
    `Written by \`${f.quick ? "BENCH_QUICK=1 npm run bench" : "npm run bench"}\` on ${f.date} in ${fmt(f.durationS)} s` +
      (f.quick ? " — **quick sizes, not the full specification**." : "."),
    "",
    "| machine | |",
    "| --- | --- |",
    `| CPU | ${f.machine.cpu} |`,
    `| cores | ${f.machine.cores} |`,
    `| RAM | ${f.machine.ramGiB} GiB |`,
    `| Node | ${f.machine.node} |`,
    `| OS | ${f.machine.os} |`,
    `| OpenSSL | ${f.machine.openssl} |`,
    `| load average (1 min) at start / end | ${fmt(f.machine.loadAverage, 2)} / ${fmt(f.loadAverageAtEnd, 2)} |`,
    "",
    "Every service figure is taken from outside: a standalone `hardhat node` on a free loopback port, the registry " +
      "deployed with `npm run deploy -- --network private` (Ignition), and the service started as its own process " +
      "(`ts-node server/main.ts`, development account 0 as registrar, a fresh `DATA_DIR` per run, the per-client " +
      "rate limits off since every request comes from one address). The clients are " +
      "keep-alive HTTP pools in the benchmark process. MB is 10^6 bytes. The machine is shared, so figures move " +
      "between runs.",
    "",
    "## Summary",
    "",
    "```",
    uploadLine(u),
    notarizeLine(n),
    verifyLine(v),
    gasLine(g, c),
    scalingLine(f.scaling),
    "```",
    "",
    "## 1. Upload hashing",
    "",
    `A ${fmt(u.bytes / MIB)} MiB random file, streamed from disk as multipart to \`POST /api/v1/documents\`, and ` +
      `\`openssl dgst -sha256\` on the same file (in the page cache for both); best of ${u.rounds} rounds each. ` +
      "The digests must agree.",
    "",
    "| | MB/s | ratio to openssl |",
    "| --- | ---: | ---: |",
    `| openssl dgst -sha256 (reference) | ${fmt(u.opensslMBps)} | 1.00 |`,
    ...(u.curlMBps === undefined
      ? []
      : [
          `| service upload, multipart streamed by curl | ${fmt(u.curlMBps)} | ${fmt(u.curlMBps / u.opensslMBps, 2)}${u.bestClient === "curl" ? " (target ≥ 0.5)" : ""} |`,
        ]),
    `| service upload, multipart streamed by a Node client (the benchmark process) | ${fmt(u.nodeClientMBps)} | ${fmt(u.nodeClientMBps / u.opensslMBps, 2)}${u.bestClient === "node" ? " (target ≥ 0.5)" : ""} |`,
    "",
    `Service resident set: ${fmt(u.rssBaseline / MIB)} MiB before the upload; peak growth during it ` +
      `**${fmt(u.rssPeakGrowth / MIB, 1)} MiB** (target ≤ 64 MiB; peak from ${u.rssSource === "VmHWM" ? "the kernel's VmHWM, reset before the upload" : "VmRSS samples every 10 ms"}). ` +
      `The target is judged on the faster client: the Node client needs about a core of its own on the same two ` +
      "cores, so it measures the client as much as the service. " +
      `During the Node client's fastest upload the service used ${fmt(u.serviceCpuShare * 100)}% of a core and the client ` +
      `${fmt(u.clientCpuShare * 100)}% (${fmt(u.clientSystemShare * 100)}% of it in the kernel).`,
    "",
    "## 2. Notarization throughput",
    "",
    `${fmt(n.documents)} distinct digests as JSON \`{"sha256"}\` from ${n.concurrency} concurrent clients, default ` +
      `configuration (BATCH_MAX ${fmt(n.batchMax)}, BATCH_INTERVAL_MS 1000, CONFIRMATIONS 1). The clock runs from the ` +
      "first request until the service's `docproof_documents_anchored_total` reaches the count. Afterwards every digest " +
      "is checked to be in the calldata of exactly one anchoring transaction on chain.",
    "",
    "| figure | value |",
    "| --- | ---: |",
    `| documents anchored per second | **${fmt(n.docsPerSecond)}** (target ≥ 1,000) |`,
    `| time until all anchored | ${fmt(n.totalMs / 1000, 2)} s |`,
    `| accepted per second (submission phase, ${fmt(n.submitMs / 1000, 2)} s) | ${fmt(n.acceptPerSecond)} |`,
    `| transactions (batches) | ${n.transactions} (sizes ${fmt(n.smallestBatch)}–${fmt(n.largestBatch)}) |`,
    `| gas per document | ${fmt(n.gasPerDocument)} (${fmt(n.gasPerDocument / single, 3)}x a single anchor) |`,
    `| accept latency p50 / p99 | ${ms(n.acceptP50Ms)} / ${ms(n.acceptP99Ms)} |`,
    `| time to anchored p50 / p99 | ${ms(n.anchorP50Ms)} / ${ms(n.anchorP99Ms)} |`,
    "",
    "Time to anchored is per document, from its acceptance to its anchoring being recorded, as the service's store " +
      "recorded both (read after the run).",
    "",
    "## 3. Verification",
    "",
    `\`POST /api/v1/verify\` with JSON \`{"sha256"}\` of random anchored documents from the run above, ${v.concurrency} ` +
      `concurrent clients for ${fmt(v.durationMs / 1000)} s; every answer must be \`"valid": true\`. Reference: the ` +
      "store-only status lookup `GET /api/v1/documents/{sha256}`, and the chain's part alone: the registry's " +
      "`verify` view as `eth_call` straight to the node for 500 of the documents; same clients and duration.",
    "",
    "| | requests | req/s | ratio | p50 | p99 | service CPU | node CPU |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    `| verify by digest | ${fmt(v.verify.requests)} | ${fmt(v.verify.requestsPerSecond)} | ${fmt(v.verify.requestsPerSecond / v.lookup.requestsPerSecond, 2)} | ${ms(v.verify.p50Ms)} | **${ms(v.verify.p99Ms)}** (target ≤ 20 ms) | ${pct(v.verify.serviceCpuShare)} | ${pct(v.verify.chainCpuShare)} |`,
    `| status lookup (reference) | ${fmt(v.lookup.requests)} | ${fmt(v.lookup.requestsPerSecond)} | 1.00 | ${ms(v.lookup.p50Ms)} | ${ms(v.lookup.p99Ms)} | ${pct(v.lookup.serviceCpuShare)} | ${pct(v.lookup.chainCpuShare)} |`,
    `| the registry's \`verify\` view, eth_call to the node directly (reference) | ${fmt(v.chainCall.requests)} | ${fmt(v.chainCall.requestsPerSecond)} | ${fmt(v.chainCall.requestsPerSecond / v.lookup.requestsPerSecond, 2)} | ${ms(v.chainCall.p50Ms)} | ${ms(v.chainCall.p99Ms)} | ${pct(v.chainCall.serviceCpuShare)} | ${pct(v.chainCall.chainCpuShare)} |`,
    "",
    "CPU is the process's CPU time over the wall time of the phase (100% = one core), read from /proc.",
    "",
    "## 4. Gas",
    "",
    `\`bench/gas.ts\` on the in-process Hardhat network (hardfork ${g.hardfork}), the registry deployed through its ` +
      "Ignition module; random digests, so figures move by a few tens of gas. Ratios are per document against a " +
      "single anchor.",
    "",
    "| operation | gas | gas per document | ratio to single |",
    "| --- | ---: | ---: | ---: |",
    `| anchor (single document) | ${fmt(single)} | ${fmt(single)} | 1.000 |`,
    ...g.batches.map(
      (b) =>
        `| anchorBatch, ${fmt(b.size)} documents | ${fmt(Number(b.gas))} | ${fmt(Number(b.perDocument))} | ${fmt(Number(b.perDocument) / single, 3)} |`,
    ),
    `| revoke (single document) | ${fmt(Number(g.revokeSingle))} | | |`,
    `| revoke (member of a ${fmt(g.batches.at(-1)!.size)}-document batch) | ${fmt(Number(g.revokeBatchMember))} | | |`,
    `| verify view (estimateGas, 21,000 base included) | ${fmt(Number(g.verifyView))} | | |`,
    "",
    `Budgets of \`test/contracts/DocumentRegistry.gas.test.ts\`: single anchor ≤ 50,000 — ` +
      `${single <= 50_000 ? "held" : "exceeded"}; ≤ 1,500 per document at 1,000 — ` +
      `${Number(g.batches.find((b) => b.size === 1_000)!.perDocument) <= 1_500 ? "held" : "exceeded"}.`,
    "",
    "**Where gas caps a batch.** " +
      `Each further document costs ${fmt(c.marginalPerDocument)} gas (slope between the two largest batches), so ` +
      `EIP-7825's cap of 2^24 = ${fmt(TX_GAS_CAP)} gas per transaction would allow about ${fmt(c.largestUnderTxCap)} ` +
      `documents; the registry's MAX_BATCH_SIZE of ${fmt(c.maxBatchSize)} binds first, and BATCH_MAX may not exceed it. ` +
      `The node's block gas limit, ${fmt(c.blockGasLimit)}, holds ${c.largestBatchesPerBlock} such batches, and the ` +
      "service has one transaction in flight at a time, so the block limit never binds. A transaction asking for " +
      `2^24 + 1 gas on the benchmark's Hardhat node was ${c.overCapAnswer.replace(/\.$/, "")}.`,
    "",
    "## 5. Scaling with BATCH_MAX",
    "",
    "One fresh service per level on the same chain, default BATCH_INTERVAL_MS (1000), the same client pool. Each " +
      "level is checked on chain: every document in exactly one anchoring, no batch over BATCH_MAX, at least " +
      "⌈documents / BATCH_MAX⌉ transactions. Small levels get fewer documents, as each of their batches is a " +
      "transaction.",
    "",
    "| BATCH_MAX | documents | transactions | batch sizes | docs/s | ratio to BATCH_MAX 1 | gas/doc | largest tx gas | time to anchored p50 / p99 |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...f.scaling.map(
      (l) =>
        `| ${fmt(l.batchMax)} | ${fmt(l.documents)} | ${fmt(l.transactions)} | ${fmt(l.smallestBatch)}–${fmt(l.largestBatch)} | ` +
        `${fmt(l.docsPerSecond)} | ${fmt(l.docsPerSecond / f.scaling[0].docsPerSecond, 1)} | ${fmt(l.gasPerDocument)} | ` +
        `${fmt(Number(l.gasLargestTx))} | ${ms(l.anchorP50Ms)} / ${ms(l.anchorP99Ms)} |`,
    ),
    "",
    splitting(f.scaling),
    "",
  ];
  if (f.notes.length > 0) lines.push("## Targets missed, and why", "", ...f.notes.flatMap((note) => [note, ""]));
  lines.push(
    "## How to run",
    "",
    "```sh",
    "npm run bench                 # everything above, at full size; writes bench/RESULTS.md",
    "BENCH_QUICK=1 npm run bench   # small sizes (64 MiB upload, 1,000 documents, 5 s of verification)",
    "```",
    "",
    "Single sizes can be set with BENCH_UPLOAD_MIB, BENCH_DOCUMENTS, BENCH_VERIFY_SECONDS and BENCH_CONCURRENCY. " +
      'BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=<dir>" profiles the service process.',
    "",
  );
  return lines.join("\n");
}

/** What the scaling levels show about splitting a queue into batches of at most BATCH_MAX. */
function splitting(levels: readonly NotarizeResult[]): string {
  const full = levels.filter((l) => l.largestBatch === l.batchMax);
  const never = levels.filter((l) => l.largestBatch < l.batchMax);
  const parts = [];
  if (full.length > 0) {
    parts.push(
      `At BATCH_MAX ${full.map((l) => fmt(l.batchMax)).join(", ")} documents arrived faster than batches were ` +
        "anchored, so the queue outgrew BATCH_MAX and the batcher split it: its largest batches hold exactly " +
        "BATCH_MAX documents, and every document is in exactly one of them.",
    );
  }
  if (never.length > 0) {
    parts.push(
      never
        .map(
          (l) =>
            `At BATCH_MAX ${fmt(l.batchMax)} the queue never reached the limit (largest batch ${fmt(l.largestBatch)}): ` +
            "batch size was set by the arrival rate and the time each transaction took.",
        )
        .join(" "),
    );
  }
  return parts.join(" ");
}
