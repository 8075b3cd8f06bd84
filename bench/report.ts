/** bench/RESULTS.md and the one-line summaries, from the figures of one run. */
import type { BrowserHashResult } from "./browser-hash";
import type { BulkProfile, BulkResult, ChainCeiling } from "./bulk";
import type { GasCaps } from "./caps";
import { TX_GAS_CAP } from "./caps";
import type { CatchUpResult } from "./catch-up";
import type { CliStartupResult } from "./cli-startup";
import type { BatchCodecTimes } from "./codec";
import type { ReceiptSizes } from "./evidence";
import type { GasReport } from "./gas";
import type { LoadFigures } from "./lib/cannon";
import type { Machine } from "./lib/machine";
import type { ProfileSummary } from "./lib/profile";
import type { PhaseShares } from "./lib/rss";
import { fmt, MIB, ms } from "./lib/stats";
import type { NotarizeResult } from "./notarize";
import type { TsaResult } from "./tsa";
import type { UploadResult } from "./upload";
import type { VerifyResult } from "./verify";

export interface RunFigures {
  machine: Machine;
  date: string;
  quick: boolean;
  durationS: number;
  loadAverageAtEnd: number;
  /** Share of the run during which some task on the machine waited for a core (PSI). */
  machinePressure?: number;
  upload: UploadResult;
  browser?: BrowserHashResult;
  bulk: BulkResult[];
  bulkProfile: BulkProfile;
  /** The service's per-batch work timed alone, against the same results computed over bytes. */
  codec: BatchCodecTimes;
  verify: VerifyResult;
  notarize: NotarizeResult;
  gas: GasReport;
  caps: GasCaps;
  scaling: NotarizeResult[];
  catchUp: CatchUpResult;
  cli: CliStartupResult;
  receipts: ReceiptSizes[];
  tsa: TsaResult;
  /** The summary line of bench/SOAK.md, when there is one. */
  soak?: string;
  /** Measured causes, added where a target was missed. */
  notes: string[];
}

export const TARGETS = {
  uploadRatio: 0.5,
  uploadRssMiB: 64,
  docsPerSecond: 1_000,
  bulkDocsPerSecond: 20_000,
  verifyP99Ms: 20,
  tsaTokensPerSecond: 1_000,
};

/** A complete OpenTimestamps proof of one document, in bytes (the reference for receipt sizes). */
export const OPENTIMESTAMPS_PROOF_BYTES = 688;

const pct = (share: number | undefined) => (share === undefined ? "?" : `${fmt(share * 100)}%`);
const x = (ratio: number, digits = 2) => `${fmt(ratio, digits)}×`;
const met = (ok: boolean) => (ok ? "met" : "**missed**");
const s = (msValue: number, digits = 1) => `${fmt(msValue / 1000, digits)} s`;

/** "service 98% (waiting 30%), node 12%": CPU of each process and its time waiting for a core. */
export function sharesText(shares: PhaseShares, names: string[] = Object.keys(shares.cpu)): string {
  return names
    .filter((name) => shares.cpu[name] !== undefined)
    .map((name) => `${name} ${pct(shares.cpu[name])} (waiting for a core ${pct(shares.waitingForCpu[name])})`)
    .join(", ");
}

export function uploadLine(r: UploadResult): string {
  return (
    `upload: ${fmt(r.bytes / MIB)} MiB at ${fmt(r.serviceMBps)} MB/s (client: ${r.bestClient}) vs openssl ${fmt(r.opensslMBps)} MB/s ` +
    `= ${x(r.ratio)}, ${met(r.ratio >= TARGETS.uploadRatio)} (≥ 0.5×); peak RSS growth ` +
    `${fmt(r.rssPeakGrowth / MIB, 1)} MiB, ${met(r.rssPeakGrowth / MIB <= TARGETS.uploadRssMiB)} (≤ 64 MiB)`
  );
}

export function bulkLine(r: BulkResult): string {
  return (
    `bulk notarize (${r.mining}): ${fmt(r.documents)} documents in lists of ${fmt(r.listSize)} anchored in ` +
    `${s(r.totalMs)} = ${fmt(r.docsPerSecond)} docs/s, ${met(r.docsPerSecond >= TARGETS.bulkDocsPerSecond)} ` +
    `(≥ 20,000); the node fed directly ${fmt(r.ceiling.docsPerSecond)} docs/s → ${x(r.docsPerSecond / r.ceiling.docsPerSecond, 3)}` +
    (r.theoreticalDocsPerSecond === undefined ? "" : `; block gas ceiling ${fmt(r.theoreticalDocsPerSecond)} docs/s`)
  );
}

/** The profiled verification load's garbage-collection pauses, as a sentence. */
export function gcText(v: VerifyResult): string {
  const g = v.profiled.gc;
  return (
    `**Garbage-collection pauses** in the same load (\`node --trace-gc\`): ${fmt(g.scavenges)} scavenges of the young ` +
    `generation (median ${ms(g.scavengeMedianMs)}, longest ${ms(g.scavengeMaxMs)}) and ${fmt(g.full)} full ` +
    `collections (longest ${ms(g.fullMaxMs)}) in ${fmt(v.profiled.verify.durationS)} s: the main thread was paused ` +
    `${fmt(g.pausedShare * 100)}% of the time, and each pause holds every request in flight.`
  );
}

export function verifyLine(r: VerifyResult): string {
  return (
    `verify: ${fmt(r.verify.requestsPerSecond)} req/s at ${r.connections} clients, p50 ${ms(r.verify.p50Ms)} ` +
    `p99 ${ms(r.verify.p99Ms)}, ${met(r.verify.p99Ms <= TARGETS.verifyP99Ms)} (≤ 20 ms); floor (bare Node http) ` +
    `${fmt(r.floor.requestsPerSecond)} req/s p99 ${ms(r.floor.p99Ms)} → ${x(r.verify.requestsPerSecond / r.floor.requestsPerSecond, 3)} ` +
    `throughput, ${x(r.verify.p99Ms / r.floor.p99Ms, 1)} p99; status lookup ${fmt(r.lookup.requestsPerSecond)} req/s p99 ${ms(r.lookup.p99Ms)}`
  );
}

export function notarizeLine(r: NotarizeResult): string {
  return (
    `notarize (one digest a request): ${fmt(r.documents)} documents anchored in ${s(r.totalMs)} = ${fmt(r.docsPerSecond)} docs/s, ` +
    `${met(r.docsPerSecond >= TARGETS.docsPerSecond)} (≥ 1,000); ${r.transactions} transactions, ${fmt(r.gasPerDocument)} gas/doc`
  );
}

export function browserLine(r: BrowserHashResult): string {
  return (
    `browser hashing: ${fmt(r.bytes / MIB)} MiB in ${s(r.browserMs, 2)} = ${fmt(r.browserMBps)} MB/s vs openssl ` +
    `${fmt(r.opensslMBps)} MB/s = ${x(r.ratio)} (hash-wasm in Node ${fmt(r.wasmInNodeMBps)} MB/s)`
  );
}

export function cliLine(r: CliStartupResult): string {
  return (
    `CLI start-up (median of ${r.runs}): node -e 0 ${ms(r.nodeMs)}, docproof --version ${ms(r.versionMs)} ` +
    `(${x(r.versionMs / r.nodeMs)}), docproof hash ${ms(r.hashMs)} (${x(r.hashMs / r.nodeMs)})`
  );
}

export function catchUpLine(r: CatchUpResult): string {
  return (
    `index catch-up: ${fmt(r.documents)} documents in ${fmt(r.batches)} batches (${fmt(r.blocks)} blocks) in ` +
    `${s(r.catchUpMs)} = ${fmt(r.docsPerSecond)} docs/s, ${fmt(r.blocksPerSecond)} blocks/s; the node served the ` +
    `same logs and transactions in ${s(r.raw.ms, 2)} → ${x(r.raw.ms / r.catchUpMs, 3)}`
  );
}

export function receiptsLine(rows: readonly ReceiptSizes[]): string {
  return `receipts: ${rows
    .map(
      (r) =>
        `${fmt(r.batch)}-document batch v2 ${fmt(r.v2CompactBytes)} B vs v1 ${fmt(r.v1CompactBytes)} B ` +
        `(${x(r.v2CompactBytes / r.v1CompactBytes, 1)}), ${x(r.v2CompactBytes / OPENTIMESTAMPS_PROOF_BYTES, 1)} an ` +
        `OpenTimestamps proof, verified offline in ${ms(r.verifyMedianMs)}`,
    )
    .join("; ")}`;
}

export function tsaLine(r: TsaResult): string {
  return r.http === undefined
    ? `TSA: POST /tsa is not in this service (switched off); the issuer alone signs ${fmt(r.inProcessPerSecond)} tokens/s on one thread`
    : `TSA: ${fmt(r.http.requestsPerSecond)} tokens/s at 50 clients, p99 ${ms(r.http.p99Ms)}, ` +
        `${met(r.http.requestsPerSecond >= TARGETS.tsaTokensPerSecond)} (≥ 1,000); the issuer alone ` +
        `${fmt(r.inProcessPerSecond)} tokens/s → ${x(r.http.requestsPerSecond / r.inProcessPerSecond)}`;
}

export function gasLine(g: GasReport, c: GasCaps): string {
  const at1000 = g.batches.find((b) => b.size === 1_000)!;
  return (
    `gas: single ${fmt(Number(g.singleAnchor))}, ${fmt(Number(at1000.perDocument))}/doc at 1,000 ` +
    `(${fmt(Number(at1000.perDocument) / Number(g.singleAnchor), 3)}× single), revoke ${fmt(Number(g.revokeSingle))}, ` +
    `verify view ${fmt(Number(g.verifyView))}; largest batch under the 2^24 cap ≈ ${fmt(c.largestUnderTxCap)}`
  );
}

export function scalingLine(levels: readonly NotarizeResult[]): string {
  return `scaling: ${levels
    .map((l) => `BATCH_MAX ${fmt(l.batchMax)}: ${fmt(l.docsPerSecond)} docs/s, ${fmt(l.gasPerDocument)} gas/doc`)
    .join("; ")}`;
}

function loadRow(name: string, f: LoadFigures, reference: LoadFigures, extra = ""): string {
  return (
    `| ${name} | ${fmt(f.requests)} | ${fmt(f.requestsPerSecond)} | ${x(f.requestsPerSecond / reference.requestsPerSecond, 3)} | ` +
    `${ms(f.p50Ms)} | ${ms(f.p99Ms)}${extra} | ${x(f.p99Ms / reference.p99Ms, 1)} | ${sharesText(f.shares, ["service", "client"])} |`
  );
}

function ceilingRow(name: string, c: ChainCeiling, service: number): string {
  return (
    `| ${name} | ${fmt(c.batches)} × ≤ ${fmt(c.batchSize)} | ${c.inFlight} | ${fmt(c.blocks)} | ${s(c.totalMs, 2)} | ` +
    `${fmt(c.docsPerSecond)} | ${x(service / c.docsPerSecond, 3)} | ${sharesText(c.shares, ["node", "client"])} |`
  );
}

/** Categories and top functions of a profile, as Markdown tables. */
function profileTables(p: ProfileSummary, top = 12): string[] {
  return [
    `Busy ${fmt(p.busyMs)} ms of CPU in ${fmt(p.wallMs)} ms of wall time.`,
    "",
    "| part of the stack | self time | share of busy time |",
    "| --- | ---: | ---: |",
    ...p.categories.slice(0, top).map((c) => `| ${c.category} | ${fmt(c.selfMs)} ms | ${pct(c.share)} |`),
    "",
    "Self time is where a sample landed. JSON.parse and JSON.stringify are V8 built-ins and better-sqlite3's queries " +
      "native calls: neither gets a frame of its own, so their time is counted in the functions that call them " +
      "(body parsing and the answer's writing for JSON; for SQLite, see the store's `guard` below, inside which every query runs).",
    "",
    "| function (self time) | where | part | ms | share |",
    "| --- | --- | --- | ---: | ---: |",
    ...p.top
      .slice(0, top)
      .map((f) => `| \`${f.name}\` | ${f.where} | ${f.category} | ${fmt(f.selfMs)} | ${pct(f.share)} |`),
    "",
    "| Docproof function on the stack (inclusive) | where | ms | share |",
    "| --- | --- | ---: | ---: |",
    ...p.inclusive.slice(0, top).map((f) => `| \`${f.name}\` | ${f.where} | ${fmt(f.totalMs)} | ${pct(f.share)} |`),
  ];
}

/** The share of a profile's busy time in categories matching `pattern`. */
export function categoryShare(p: ProfileSummary, pattern: RegExp): number {
  return p.categories.filter((c) => pattern.test(c.category)).reduce((sum, c) => sum + c.share, 0);
}

/** The inclusive share of the first Docproof function called `name`, 0 if absent. */
export function functionShare(p: ProfileSummary, name: string): number {
  return p.inclusive.find((f) => f.name === name)?.share ?? 0;
}

export function formatResults(f: RunFigures): string {
  const u = f.upload;
  const v = f.verify;
  const n = f.notarize;
  const g = f.gas;
  const c = f.caps;
  const cu = f.catchUp;
  const cli = f.cli;
  const single = Number(g.singleAnchor);
  const [auto, timer] = f.bulk;
  const lines: string[] = [
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
    `| share of the run some task waited for a core (Linux PSI) | ${pct(f.machinePressure)} |`,
    "",
    "Every service figure is taken from outside, and every figure is given as a ratio to a reference measured in " +
      "the same run on the same machine. The chain is Anvil 1.7.1 (the default local chain; automine unless said), " +
      "the registry deployed by development account 0, which is also the registrar. The service runs as its own " +
      "process (`ts-node server/main.ts`, transpile-only) with a fresh `DATA_DIR`, its log written to a file. HTTP " +
      "loads come from this process: autocannon for the fixed-concurrency loads, keep-alive pools for the rest. " +
      "CPU is a process's CPU time over the phase's wall time (100% = one core, from /proc/<pid>/stat); " +
      '"waiting for a core" is the time its threads spent runnable but not running (/proc/<pid>/task/*/schedstat): ' +
      "the machine's two cores are shared with other work, and that time is lost to it. MB is 10^6 bytes.",
    "",
    "## Summary",
    "",
    "| figure | measured | reference in the same run | ratio | target |",
    "| --- | ---: | ---: | ---: | --- |",
    ...f.bulk.map(
      (b) =>
        `| bulk notarization, ${b.mining} (§1) | ${fmt(b.docsPerSecond)} docs/s | the node fed directly: ${fmt(b.ceiling.docsPerSecond)} docs/s | ` +
        `${x(b.docsPerSecond / b.ceiling.docsPerSecond, 3)} | ≥ 20,000 docs/s: ${met(b.docsPerSecond >= TARGETS.bulkDocsPerSecond)} |`,
    ),
    `| verification by digest, p99 at ${v.connections} clients (§2) | ${ms(v.verify.p99Ms)} (${fmt(v.verify.requestsPerSecond)} req/s) | ` +
      `bare Node http: ${ms(v.floor.p99Ms)} (${fmt(v.floor.requestsPerSecond)} req/s) | ${x(v.verify.p99Ms / v.floor.p99Ms, 1)} p99, ` +
      `${x(v.verify.requestsPerSecond / v.floor.requestsPerSecond, 3)} req/s | ≤ 20 ms: ${met(v.verify.p99Ms <= TARGETS.verifyP99Ms)} |`,
    `| status lookup, p99 (§2) | ${ms(v.lookup.p99Ms)} (${fmt(v.lookup.requestsPerSecond)} req/s) | bare Node http | ` +
      `${x(v.lookup.p99Ms / v.floor.p99Ms, 1)} p99, ${x(v.lookup.requestsPerSecond / v.floor.requestsPerSecond, 3)} req/s | |`,
    `| soak (§3, [SOAK.md](SOAK.md)) | ${f.soak === undefined ? "not run: `npm run bench:soak`" : f.soak.replace(/\|/g, "\\|")} | | | see SOAK.md |`,
    ...(f.browser === undefined
      ? []
      : [
          `| hashing in the browser, ${fmt(f.browser.bytes / MIB)} MiB (§4) | ${fmt(f.browser.browserMBps)} MB/s | ` +
            `openssl dgst: ${fmt(f.browser.opensslMBps)} MB/s | ${x(f.browser.ratio)} | |`,
        ]),
    `| CLI \`docproof --version\` (§5) | ${ms(cli.versionMs)} | \`node -e 0\`: ${ms(cli.nodeMs)} | ${x(cli.versionMs / cli.nodeMs)} | |`,
    `| CLI \`docproof hash\` of 10 KB (§5) | ${ms(cli.hashMs)} | \`node -e 0\`: ${ms(cli.nodeMs)} | ${x(cli.hashMs / cli.nodeMs)} | |`,
    `| index catch-up, ${fmt(cu.documents)} documents (§6) | ${fmt(cu.docsPerSecond)} docs/s, ${fmt(cu.blocksPerSecond)} blocks/s | ` +
      `the node serving the same data: ${s(cu.raw.ms, 2)} | ${x(cu.raw.ms / cu.catchUpMs, 3)} | |`,
    ...f.receipts.map(
      (r) =>
        `| receipt v2, ${fmt(r.batch)}-document batch (§7) | ${fmt(r.v2CompactBytes)} B | v1 ${fmt(r.v1CompactBytes)} B; ` +
        `OpenTimestamps ${OPENTIMESTAMPS_PROOF_BYTES} B | ${x(r.v2CompactBytes / r.v1CompactBytes, 1)}; ` +
        `${x(r.v2CompactBytes / OPENTIMESTAMPS_PROOF_BYTES, 1)} | |`,
    ),
    f.tsa.http === undefined
      ? `| TSA tokens/s over HTTP (§8) | not available: no \`POST /tsa\` in this service | the issuer alone: ${fmt(f.tsa.inProcessPerSecond)} tokens/s | | ≥ 1,000 tokens/s: not measured |`
      : `| TSA tokens/s over HTTP at 50 clients (§8) | ${fmt(f.tsa.http.requestsPerSecond)} (p99 ${ms(f.tsa.http.p99Ms)}) | ` +
        `the issuer alone, one thread: ${fmt(f.tsa.inProcessPerSecond)} | ${x(f.tsa.http.requestsPerSecond / f.tsa.inProcessPerSecond)} | ` +
        `≥ 1,000 tokens/s: ${met(f.tsa.http.requestsPerSecond >= TARGETS.tsaTokensPerSecond)} |`,
    `| upload hashing, ${fmt(u.bytes / MIB)} MiB (§9) | ${fmt(u.serviceMBps)} MB/s | openssl dgst: ${fmt(u.opensslMBps)} MB/s | ${x(u.ratio)} | ≥ 0.5×: ${met(u.ratio >= TARGETS.uploadRatio)} |`,
    `| upload, service RSS growth (§9) | ${fmt(u.rssPeakGrowth / MIB, 1)} MiB | | | ≤ 64 MiB: ${met(u.rssPeakGrowth / MIB <= TARGETS.uploadRssMiB)} |`,
    `| notarization, one digest a request (§10) | ${fmt(n.docsPerSecond)} docs/s | bulk lists, ${auto.mining}: ${fmt(auto.docsPerSecond)} docs/s | ${x(n.docsPerSecond / auto.docsPerSecond)} | ≥ 1,000 docs/s: ${met(n.docsPerSecond >= TARGETS.docsPerSecond)} |`,
    "",
    "```",
    ...f.bulk.map(bulkLine),
    verifyLine(v),
    ...(f.browser === undefined ? [] : [browserLine(f.browser)]),
    cliLine(cli),
    catchUpLine(cu),
    receiptsLine(f.receipts),
    tsaLine(f.tsa),
    uploadLine(u),
    notarizeLine(n),
    gasLine(g, c),
    scalingLine(f.scaling),
    "```",
    "",
    "## 1. Bulk notarization at the chain's ceiling",
    "",
    `${fmt(auto.documents)} random digests as lists of ${fmt(auto.listSize)} (\`POST /api/v1/documents\` with ` +
      `\`{"sha256": [...]}\`), ${auto.concurrency} requests in flight, to a service in its default configuration (no ` +
      `BATCH_MAX: it sized batches to the chain, ${fmt(auto.batchMax)} documents; no BATCHES_IN_FLIGHT: ` +
      `${auto.batchesInFlight} in flight; BATCH_INTERVAL_MS 1,000; CONFIRMATIONS 1; its own rate limits). The clock ` +
      "runs from the first request until `docproof_documents_anchored_total` reaches the count; then every digest is " +
      "checked to be in the calldata of exactly one anchoring transaction on chain. Each chain is a fresh Anvil.",
    "",
    "The reference is the node alone, fed the same load: batches of the same size, their trees built and their " +
      "`anchorBatch` transactions signed before the clock starts, sent in nonce order with the same number in flight, " +
      "each waiting for its receipt (polled every 5 ms). For blocks on a timer, also the theoretical ceiling: the " +
      "block gas limit over 1,280 gas per document (32 bytes of calldata at EIP-7623's floor) per block interval, " +
      "and the node fed with enough batches in flight to fill a block.",
    "",
    "| | " + f.bulk.map((b) => b.mining).join(" | ") + " |",
    "| --- | " + f.bulk.map(() => "---:").join(" | ") + " |",
    `| documents anchored per second (service) | ${f.bulk.map((b) => `**${fmt(b.docsPerSecond)}**`).join(" | ")} |`,
    `| time until all anchored | ${f.bulk.map((b) => s(b.totalMs, 2)).join(" | ")} |`,
    `| time to submit every list | ${f.bulk.map((b) => s(b.submitMs, 2)).join(" | ")} |`,
    `| answer to a list of ${fmt(auto.listSize)}, p50 / p99 | ${f.bulk.map((b) => `${ms(b.acceptP50Ms)} / ${ms(b.acceptP99Ms)}`).join(" | ")} |`,
    `| transactions (batch sizes) | ${f.bulk.map((b) => `${b.chain.transactions} (${fmt(b.chain.smallestBatch)}–${fmt(b.chain.largestBatch)})`).join(" | ")} |`,
    `| blocks holding them | ${f.bulk.map((b) => fmt(b.chain.blocks)).join(" | ")} |`,
    `| gas per document | ${f.bulk.map((b) => fmt(b.chain.gasPerDocument)).join(" | ")} |`,
    `| block gas limit | ${f.bulk.map((b) => fmt(b.blockGasLimit)).join(" | ")} |`,
    `| service CPU (waiting for a core) | ${f.bulk.map((b) => `${pct(b.shares.cpu.service)} (${pct(b.shares.waitingForCpu.service)})`).join(" | ")} |`,
    `| node CPU (waiting for a core) | ${f.bulk.map((b) => `${pct(b.shares.cpu.node)} (${pct(b.shares.waitingForCpu.node)})`).join(" | ")} |`,
    `| **the node fed directly**, ${auto.batchesInFlight} in flight | ${f.bulk.map((b) => fmt(b.ceiling.docsPerSecond)).join(" | ")} |`,
    `| service / node fed directly | ${f.bulk.map((b) => `**${x(b.docsPerSecond / b.ceiling.docsPerSecond, 3)}**`).join(" | ")} |`,
    `| theoretical: block gas limit / 1,280 per block interval | ${f.bulk.map((b) => (b.theoreticalDocsPerSecond === undefined ? "(no interval)" : fmt(b.theoreticalDocsPerSecond))).join(" | ")} |`,
    `| the node fed with enough in flight to fill a block | ${f.bulk.map((b) => (b.ceilingFull === undefined ? "" : `${fmt(b.ceilingFull.docsPerSecond)} (${b.ceilingFull.inFlight} in flight)`)).join(" | ")} |`,
    "",
    "The node fed directly:",
    "",
    "| chain | batches | in flight | blocks | time | docs/s | service / this | CPU during it |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ...f.bulk.flatMap((b) => [
      ceilingRow(b.mining, b.ceiling, b.docsPerSecond),
      ...(b.ceilingFull === undefined
        ? []
        : [ceilingRow(`${b.mining}, filling blocks`, b.ceilingFull, b.docsPerSecond)]),
    ]),
    "",
    bulkBound(auto),
    "",
    ...(timer === undefined ? [] : [bulkBound(timer), ""]),
    `**Where the service's time goes.** The same submission (${fmt(f.bulkProfile.documents)} documents, automine) ` +
      `with the service under \`node --cpu-prof\` (${fmt(f.bulkProfile.docsPerSecond)} docs/s under the profiler), ` +
      "samples from the first request to the last anchoring:",
    "",
    ...profileTables(f.bulkProfile.profile),
    "",
    `**The per-batch work, timed alone** (bench/codec.ts, in the benchmark's process, median of ${f.codec.runs}) for ` +
      `one batch of ${fmt(f.codec.size)}: what the service does, over bytes, against the libraries it used before ` +
      "for the same results (checked equal):",
    "",
    "| step | the service | the library | library / service |",
    "| --- | ---: | ---: | ---: |",
    `| Merkle tree (\`buildBatch\`, WebAssembly keccak-256; OpenZeppelin's StandardMerkleTree) | ${ms(f.codec.buildBatchMs)} | ${ms(f.codec.libraryTreeMs)} | ${x(f.codec.libraryTreeMs / f.codec.buildBatchMs, 0)} |`,
    `| \`anchorBatch\` calldata (written directly; ethers' ABI coder) | ${ms(f.codec.directEncodeMs)} | ${ms(f.codec.ethersEncodeMs)} | ${x(f.codec.ethersEncodeMs / f.codec.directEncodeMs, 0)} |`,
    `| its digests read back, as the index does (read directly; \`parseTransaction\`) | ${ms(f.codec.directDecodeMs)} | ${ms(f.codec.ethersDecodeMs)} | ${x(f.codec.ethersDecodeMs / f.codec.directDecodeMs, 0)} |`,
    "",
    "## 2. Verification by digest",
    "",
    `${fmt(v.documents)} documents notarized as lists and anchored (${fmt(v.batches)} batches); the load starts once ` +
      `\`GET /api/v1/registrars\` says \`indexedTo\` ≥ the last anchoring block (${fmt(v.indexedTo)}), so every ` +
      "verdict comes from the index of the whole registry, with no call to the node (checked: the verdict carries " +
      `\`checkedAt\`). \`POST /api/v1/verify\` with JSON \`{"sha256"}\` of a document picked at random, ` +
      `${v.connections} autocannon connections for ${fmt(v.durationS)} s; every answer must say \`"valid":true\`. ` +
      `${fmt(v.firstVerifications)} documents were verified for the first time during the load (none was ` +
      "verified before it), so first verifications are included. The rate limiters run, with limits the load never " +
      "reaches.",
    "",
    `References, same clients and duration: the floor, a bare Node \`http\` server (bench/lib/floor-server.ts, its own ` +
      `process) that reads the same requests and answers a fixed JSON body of the verdict's size (${fmt(v.verdictBytes)} ` +
      "bytes); and the store-only status lookup `GET /api/v1/documents/{sha256}`.",
    "",
    "| | requests | req/s | vs floor | p50 | p99 | p99 vs floor | CPU (waiting for a core) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    loadRow("verify by digest", v.verify, v.floor, ` (target ≤ 20 ms: ${met(v.verify.p99Ms <= TARGETS.verifyP99Ms)})`),
    loadRow("status lookup", v.lookup, v.floor),
    loadRow("floor: bare Node http (reference)", v.floor, v.floor),
    "",
    verifyBudget(v),
    "",
    `**Where the time goes.** The service restarted on the same data under \`node --cpu-prof\` and loaded the same ` +
      `way for ${fmt(v.profiled.verify.durationS)} s (${fmt(v.profiled.verify.requestsPerSecond)} req/s, p99 ` +
      `${ms(v.profiled.verify.p99Ms)} under the profiler; caches cold again, so first verifications are in it):`,
    "",
    ...profileTables(v.profiled.profile, 15),
    "",
    gcText(v),
    "",
    "## 3. Soak",
    "",
    "`npm run bench:soak` (not part of `npm run bench` or `npm test`): 30 minutes (BENCH_SOAK_MINUTES) of steady " +
      "mixed load on Anvil with a block every second; results in [SOAK.md](SOAK.md)." +
      (f.soak === undefined ? "" : ` Its last run: ${f.soak}.`),
    "",
  ];

  if (f.browser !== undefined) {
    const b = f.browser;
    lines.push(
      "## 4. Hashing in the browser",
      "",
      `The page's own hashing (a Web Worker streaming the file through hash-wasm's SHA-256 in 8 MiB slices, built by ` +
        `\`npm run build:web\`) of a ${fmt(b.bytes / MIB)} MiB random file in headless Chromium ${b.chromium} ` +
        "(playwright-core, Debian's /usr/bin/chromium), timed inside the page from the file input's change event to " +
        'the card leaving "hashing" (the digest is ready), best of ' +
        `${b.rounds}; \`openssl dgst -sha256\` on the same file in the same run (the file in the page cache for both). ` +
        "The page must show openssl's digest.",
      "",
      "| | time | MB/s | ratio to openssl |",
      "| --- | ---: | ---: | ---: |",
      `| openssl dgst -sha256 (reference) | ${s(b.opensslMs, 2)} | ${fmt(b.opensslMBps)} | 1.00× |`,
      `| the page in Chromium: file chosen → digest | ${s(b.browserMs, 2)} | ${fmt(b.browserMBps)} | **${x(b.ratio)}** |`,
      `| hash-wasm's SHA-256 in Node, same slices (the hashing alone) | | ${fmt(b.wasmInNodeMBps)} | ${x(b.wasmInNodeMBps / b.opensslMBps)} |`,
      "",
      `The browser reaches ${x(b.browserMBps / b.wasmInNodeMBps)} of the same WebAssembly hash in Node, so the hashing ` +
        "itself sets the pace, not reading the file: openssl uses the CPU's SHA extensions, which WebAssembly cannot " +
        "reach (SubtleCrypto.digest could, but only over a whole file held in memory).",
      "",
    );
  }

  const versionTop = cli.versionProfile.slice(0, 5).map((p) => `${p.name} ${fmt(p.ms)} ms`);
  lines.push(
    "## 5. CLI start-up",
    "",
    "The package as users install it: `npm pack` (which builds: TypeScript compiled to `dist/`), then " +
      "`npm install -g --prefix <tmp> --prefer-offline`, run from a folder outside the repository with a minimal " +
      `environment. Median of ${cli.runs} runs of each, the commands taking turns; one unmeasured round first.`,
    "",
    "| command | median | ratio to `node -e 0` | files loaded |",
    "| --- | ---: | ---: | ---: |",
    `| \`node -e 0\` (reference) | ${ms(cli.nodeMs)} | 1.00× | |`,
    `| \`docproof --version\` | ${ms(cli.versionMs)} | **${x(cli.versionMs / cli.nodeMs)}** | ${cli.modules.version.files} |`,
    `| \`docproof hash <10 KB file>\` | ${ms(cli.hashMs)} | **${x(cli.hashMs / cli.nodeMs)}** | ${cli.modules.hash.files} |`,
    "",
    `\`--version\` loads ${cli.modules.version.files} files (${cli.modules.version.packages
      .slice(0, 4)
      .map((p) => `${p.name} ${p.files}`)
      .join(", ")}); \`hash\` ${cli.modules.hash.files} (${cli.modules.hash.packages
      .slice(0, 4)
      .map((p) => `${p.name} ${p.files}`)
      .join(", ")}). Under \`node --cpu-prof\`, \`--version\`'s busy time: ${versionTop.join(", ")}. ` +
      `(Packing took ${s(cli.packMs, 0)} and installing ${s(cli.installMs, 0)}.)`,
    "",
    "## 6. Catching up the index",
    "",
    `A registry holding ${fmt(cu.batches)} anchorings of ${fmt(cu.batchSize)} documents (${fmt(cu.documents)} ` +
      `documents, ${fmt(cu.blocks)} blocks), anchored directly on a fresh Anvil with the registrar's key ` +
      `(\`anchorBatch\`, 8 in flight; ${s(cu.fillMs, 0)}). Then a service on an empty DATA_DIR (INDEX_FROM_BLOCK 0, ` +
      "INDEX_INTERVAL_MS 50 so that its first step starts at once) is timed from its first answer on /healthz until " +
      "`GET /api/v1/registrars` says `indexedTo` ≥ the head; the index must then hold every document.",
    "",
    "The reference, in the same run on the same node: the node serving the same data straight to a client, " +
      "`eth_getLogs` over the whole range with the service's filter, then `eth_getTransactionByHash` of every " +
      "anchoring (the digests are in their calldata).",
    "",
    "| | time | documents/s | blocks/s | ratio |",
    "| --- | ---: | ---: | ---: | ---: |",
    `| the node serving logs and transactions, 8 requests at a time (reference) | ${s(cu.raw.ms, 2)} | ${fmt(cu.documents / (cu.raw.ms / 1000))} | ${fmt(cu.blocks / (cu.raw.ms / 1000))} | 1.00× |`,
    `| the same, one request at a time | ${s(cu.rawSerial.ms, 2)} | ${fmt(cu.documents / (cu.rawSerial.ms / 1000))} | ${fmt(cu.blocks / (cu.rawSerial.ms / 1000))} | ${x(cu.raw.ms / cu.rawSerial.ms)} |`,
    `| **the service catching up** | ${s(cu.catchUpMs, 2)} | **${fmt(cu.docsPerSecond)}** | **${fmt(cu.blocksPerSecond)}** | **${x(cu.raw.ms / cu.catchUpMs, 3)}** |`,
    "",
    `The node answered ${fmt(cu.raw.logs)} logs and ${fmt(cu.raw.transactions)} transactions, ${fmt(cu.raw.bytes / 1e6, 1)} MB ` +
      `of JSON. During the catch-up: ${sharesText(cu.shares, ["service", "node"])}. Under \`node --cpu-prof\` ` +
      `(${s(cu.profiled.catchUpMs)}):`,
    "",
    ...profileTables(cu.profiled.profile),
    "",
    "## 7. Receipts v2",
    "",
    "`bench/evidence.ts` on Anvil: a receipt v2 (the v1 receipt plus the evidence to check it offline: the block " +
      "header, the transaction and its receipt with their Merkle-Patricia proofs, and the link to a checkpoint) for " +
      "a single document and for a member of a 1,000-document batch, against its v1 receipt and a complete " +
      `OpenTimestamps proof (${OPENTIMESTAMPS_PROOF_BYTES} bytes). Compact JSON; offline verification is the median ` +
      "of 50 runs of `verifyReceiptOffline` against the checkpoint.",
    "",
    "| batch | v1 | v2 | v2 / v1 | v2 / OpenTimestamps | header | transaction + proof | receipt + proof | link | build | verify offline (first / median) |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...f.receipts.map(
      (r) =>
        `| ${fmt(r.batch)} | ${fmt(r.v1CompactBytes)} B | ${fmt(r.v2CompactBytes)} B | ${x(r.v2CompactBytes / r.v1CompactBytes, 1)} | ` +
        `${x(r.v2CompactBytes / OPENTIMESTAMPS_PROOF_BYTES, 1)} | ${fmt(r.headerBytes)} | ${fmt(r.transactionBytes)} + ${fmt(r.transactionProofBytes)} | ` +
        `${fmt(r.receiptBytes)} + ${fmt(r.receiptProofBytes)} | ${fmt(r.linkJsonBytes)} | ${ms(r.buildMs)} | ${ms(r.verifyFirstMs)} / ${ms(r.verifyMedianMs)} |`,
    ),
    "",
    "The transaction (its calldata holds every member of the batch) dominates a batch member's v2 receipt: it is " +
      "what lets anyone rebuild the tree from chain data alone.",
    "",
    "## 8. Time-stamp tokens over HTTP",
    "",
  );
  if (f.tsa.http === undefined) {
    lines.push(
      "`POST /tsa` is not in this service yet (it answered 404), so the HTTP figure is switched off " +
        "(bench/tsa.ts turns it on by itself once the route answers). The reference alone: the issuer " +
        "(server/timestamp/time-stamp-authority.ts, an ECDSA P-256 key from a local CA) signing one token after " +
        `another on one thread of this process: **${fmt(f.tsa.inProcessPerSecond)} tokens/s** ` +
        `(${fmt(f.tsa.replyBytes)} bytes each)` +
        (f.tsa.inProcessPerSecond < TARGETS.tsaTokensPerSecond
          ? ": below the target of 1,000 tokens/s over HTTP before any HTTP work, so one thread of this machine cannot meet it."
          : "."),
      "",
    );
  } else {
    const t = f.tsa.http;
    lines.push(
      "`POST /tsa` with one fixed DER TimeStampReq (built by `buildTimeStampQuery`; its nonce repeats, which does " +
        "not matter for throughput), 50 autocannon connections; every reply a granted token. Reference: the same " +
        "issuer signing in this process on one thread.",
      "",
      "| | tokens/s | p50 | p99 | ratio |",
      "| --- | ---: | ---: | ---: | ---: |",
      `| the issuer alone, one thread (reference) | ${fmt(f.tsa.inProcessPerSecond)} | | | 1.00× |`,
      `| POST /tsa, 50 clients | **${fmt(t.requestsPerSecond)}** (target ≥ 1,000: ${met(t.requestsPerSecond >= TARGETS.tsaTokensPerSecond)}) | ${ms(t.p50Ms)} | ${ms(t.p99Ms)} | ${x(t.requestsPerSecond / f.tsa.inProcessPerSecond)} |`,
      "",
      `During the load: ${sharesText(t.shares, ["service", "client"])}.`,
      "",
    );
  }

  lines.push(
    "## 9. Upload hashing",
    "",
    `A ${fmt(u.bytes / MIB)} MiB random file, streamed from disk as multipart to \`POST /api/v1/documents\`, and ` +
      `\`openssl dgst -sha256\` on the same file (in the page cache for both); best of ${u.rounds} round(s) each. ` +
      "The digests must agree.",
    "",
    "| | MB/s | ratio to openssl |",
    "| --- | ---: | ---: |",
    `| openssl dgst -sha256 (reference) | ${fmt(u.opensslMBps)} | 1.00× |`,
    ...(u.curlMBps === undefined
      ? []
      : [`| service upload, multipart streamed by curl | ${fmt(u.curlMBps)} | ${x(u.curlMBps / u.opensslMBps)} |`]),
    `| service upload, multipart streamed by a Node client (this process) | ${fmt(u.nodeClientMBps)} | ${x(u.nodeClientMBps / u.opensslMBps)} |`,
    "",
    `Service resident set: ${fmt(u.rssBaseline / MIB)} MiB before the upload; peak growth during it ` +
      `**${fmt(u.rssPeakGrowth / MIB, 1)} MiB** (target ≤ 64 MiB; ${u.rssSource === "VmHWM" ? "the kernel's VmHWM, reset before the upload" : "VmRSS sampled every 10 ms"}). ` +
      `The target is judged on the faster client. During the Node client's fastest upload the service used ` +
      `${pct(u.serviceCpuShare)} of a core and the client ${pct(u.clientCpuShare)} (${pct(u.clientSystemShare)} in the kernel).`,
    "",
    "## 10. Notarization one digest a request",
    "",
    `${fmt(n.documents)} distinct digests as JSON \`{"sha256"}\`, one per request, from ${n.concurrency} concurrent ` +
      `clients, to a service in its default configuration (batches of up to ${fmt(n.batchMax)}); timed and checked on ` +
      "chain as in §1.",
    "",
    "| figure | value |",
    "| --- | ---: |",
    `| documents anchored per second | **${fmt(n.docsPerSecond)}** (target ≥ 1,000: ${met(n.docsPerSecond >= TARGETS.docsPerSecond)}); ${x(n.docsPerSecond / auto.docsPerSecond)} the bulk lists of §1 |`,
    `| time until all anchored | ${s(n.totalMs, 2)} |`,
    `| accepted per second (submission phase, ${s(n.submitMs, 2)}) | ${fmt(n.acceptPerSecond)} |`,
    `| transactions (batches) | ${n.transactions} (sizes ${fmt(n.smallestBatch)}–${fmt(n.largestBatch)}) |`,
    `| gas per document | ${fmt(n.gasPerDocument)} (${fmt(n.gasPerDocument / single, 3)}× a single anchor) |`,
    `| accept latency p50 / p99 | ${ms(n.acceptP50Ms)} / ${ms(n.acceptP99Ms)} |`,
    `| time to anchored p50 / p99 | ${ms(n.anchorP50Ms)} / ${ms(n.anchorP99Ms)} |`,
    "",
    "## 11. Gas",
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
    "**Where gas caps a batch.** " +
      `Each further document costs ${fmt(c.marginalPerDocument)} gas (slope between the two largest batches), so ` +
      `EIP-7825's cap of 2^24 = ${fmt(TX_GAS_CAP)} gas per transaction would allow about ${fmt(c.largestUnderTxCap)} ` +
      `documents, above the registry's MAX_BATCH_SIZE of ${fmt(c.maxBatchSize)}. With BATCH_MAX unset the service ` +
      `takes at most 3,900 a transaction (the 128 KiB a Geth pool accepts), ${fmt(auto.batchMax)} on this chain: ` +
      `Anvil's block gas limit of ${fmt(c.blockGasLimit)} holds ${Math.floor(c.blockGasLimit / (auto.chain.gasPerDocument * auto.batchMax))} ` +
      `such batches, and ${auto.batchesInFlight} are in flight at most. A transaction asking for 2^24 + 1 gas on Anvil ` +
      `was ${c.overCapAnswer.replace(/\.$/, "")}.`,
    "",
    "## 12. Scaling with BATCH_MAX",
    "",
    "One fresh service per level on the same chain, BATCH_MAX set, default BATCH_INTERVAL_MS (1,000), one digest a " +
      "request from the same client pool. Each level is checked on chain: every document in exactly one anchoring, " +
      "no batch over BATCH_MAX, at least ⌈documents / BATCH_MAX⌉ transactions.",
    "",
    "| BATCH_MAX | documents | transactions | batch sizes | docs/s | ratio to BATCH_MAX 1 | gas/doc | time to anchored p50 / p99 |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...f.scaling.map(
      (l) =>
        `| ${fmt(l.batchMax)} | ${fmt(l.documents)} | ${fmt(l.transactions)} | ${fmt(l.smallestBatch)}–${fmt(l.largestBatch)} | ` +
        `${fmt(l.docsPerSecond)} | ${fmt(l.docsPerSecond / f.scaling[0].docsPerSecond, 1)} | ${fmt(l.gasPerDocument)} | ` +
        `${ms(l.anchorP50Ms)} / ${ms(l.anchorP99Ms)} |`,
    ),
    "",
  );
  if (f.notes.length > 0) lines.push("## Targets missed, and why", "", ...f.notes.flatMap((note) => [note, ""]));
  lines.push(
    "## How to run",
    "",
    "```sh",
    "npm run bench                 # everything above, at full size; writes bench/RESULTS.md",
    "BENCH_QUICK=1 npm run bench   # small sizes, for a quick check",
    "npm run bench:soak            # the soak (30 minutes; BENCH_SOAK_MINUTES); writes bench/SOAK.md",
    "```",
    "",
    "Single sizes can be set with BENCH_UPLOAD_MIB, BENCH_BULK_DOCUMENTS, BENCH_DOCUMENTS, BENCH_VERIFY_SECONDS, " +
      "BENCH_CONCURRENCY and BENCH_CATCH_UP_BATCHES. BENCH_SERVICE_NODE_ARGS adds Node options to every service " +
      'process (e.g. "--cpu-prof --cpu-prof-dir=<dir>"); `npx ts-node --transpile-only bench/lib/profile.ts ' +
      "<file.cpuprofile>` summarises a profile.",
    "",
  );
  return lines.join("\n");
}

/** CPU time per request, in µs, of the process `name` during a load. */
export function cpuPerRequestUs(f: LoadFigures, name = "service"): number {
  return (f.shares.cpu[name] / f.requestsPerSecond) * 1e6;
}

/** What the p99 target asks of the service, from the spread measured. */
function verifyBudget(v: VerifyResult): string {
  const meanMs = (v.connections / v.verify.requestsPerSecond) * 1000;
  const spread = v.verify.p99Ms / meanMs;
  const needed = ((v.connections * spread) / TARGETS.verifyP99Ms) * 1000;
  return (
    `At ${v.connections} clients in a closed loop, latency is the queue: ${v.connections} / ` +
    `${fmt(v.verify.requestsPerSecond)} req/s = ${ms(meanMs)} on average, and p99 was ${fmt(spread, 1)}× that. With ` +
    `the same spread, p99 ≤ 20 ms needs ${fmt(needed)} req/s, about ${fmt(1e6 / needed)} µs of the service's one ` +
    `thread per request. It took ${fmt(cpuPerRequestUs(v.verify))} µs of CPU per request here (the status lookup ` +
    `${fmt(cpuPerRequestUs(v.lookup))} µs, the floor ${fmt(cpuPerRequestUs(v.floor))} µs).`
  );
}

/** Which side bound a bulk run, from the CPU each used and the chain's own ceiling. */
function bulkBound(b: BulkResult): string {
  const ratio = b.docsPerSecond / b.ceiling.docsPerSecond;
  const service = b.shares.cpu.service;
  const node = b.shares.cpu.node;
  const head = `**${b.mining}: ${fmt(b.docsPerSecond)} docs/s, ${x(ratio, 3)} what the node sustains.**`;
  if (ratio >= 0.8) {
    return (
      `${head} The chain bounds it: the node fed directly with the same batches and ${b.ceiling.inFlight} in flight ` +
      `reaches ${fmt(b.ceiling.docsPerSecond)} docs/s` +
      (b.ceilingFull === undefined
        ? "."
        : `; with ${b.ceilingFull.inFlight} in flight, enough to fill each block, ${fmt(b.ceilingFull.docsPerSecond)} docs/s, ` +
          `against ${fmt(b.theoreticalDocsPerSecond!)} for a block full of documents at 1,280 gas each: ` +
          `${b.batchesInFlight} batches of ${fmt(b.batchMax)} in flight fill ${pct((b.batchesInFlight * b.batchMax * b.chain.gasPerDocument) / b.blockGasLimit)} of a block.`)
    );
  }
  const chainShort =
    b.ceiling.docsPerSecond < TARGETS.bulkDocsPerSecond
      ? ` The chain would cap it next: with ${b.ceiling.inFlight} batches of ${fmt(b.batchMax)} in flight, each waiting a ` +
        `block for its receipt, the node itself took ${fmt(b.ceiling.docsPerSecond)} docs/s, under the target` +
        (b.ceilingFull === undefined || b.theoreticalDocsPerSecond === undefined
          ? "."
          : `; with ${b.ceilingFull.inFlight} in flight, ${fmt(b.ceilingFull.docsPerSecond)} docs/s, against ` +
            `${fmt(b.theoreticalDocsPerSecond)} for blocks full of documents.`)
      : "";
  return (
    `${head} The service bounds it: it used ${pct(service)} of a core (and waited for one ${pct(b.shares.waitingForCpu.service)} ` +
    `of the time) while the node used ${pct(node)}; fed the same batches directly, the node anchored them at ` +
    `${fmt(b.ceiling.docsPerSecond)} docs/s. The lists themselves were accepted in ${s(b.submitMs, 2)}; the rest of ` +
    `the ${s(b.totalMs)} went to building, sending and recording the batches.${chainShort}`
  );
}
