/**
 * Runs every benchmark and writes bench/RESULTS.md.
 *
 *   npm run bench                 full sizes (100,000-document bulk runs, 1 GiB files, 1,000,000 documents to index, …)
 *   BENCH_QUICK=1 npm run bench   small sizes, for a quick check
 *
 * Each benchmark prints one summary line. Every process and temporary file it starts is removed,
 * also on failure or Ctrl-C. The soak is separate: `npm run bench:soak` (bench/soak.ts).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { benchBrowserHash, CHROMIUM } from "./browser-hash";
import { benchBulk, profileBulk, type BulkResult } from "./bulk";
import { measureCaps } from "./caps";
import { benchCatchUp } from "./catch-up";
import { benchCliStartup } from "./cli-startup";
import { measureBatchCodec } from "./codec";
import { measureReceipts } from "./evidence";
import { measureGas } from "./gas";
import { describeMachine } from "./lib/machine";
import { cpuPressureUs } from "./lib/rss";
import { startChain, startService, type BenchChain } from "./lib/stack";
import { fmt, MIB, ms } from "./lib/stats";
import { benchNotarize } from "./notarize";
import {
  browserLine,
  bulkLine,
  catchUpLine,
  categoryShare,
  cliLine,
  cpuPerRequestUs,
  formatResults,
  functionShare,
  gasLine,
  notarizeLine,
  receiptsLine,
  scalingLine,
  sharesText,
  TARGETS,
  tsaLine,
  uploadLine,
  verifyLine,
  type RunFigures,
} from "./report";
import { benchScaling, scalingLevels } from "./scaling";
import { benchTsa } from "./tsa";
import { benchUpload, randomFile } from "./upload";
import { benchVerify } from "./verify";
import { ROOT } from "../test/support/processes";

const RESULTS = path.join(__dirname, "RESULTS.md");
const SOAK = path.join(__dirname, "SOAK.md");

function sizeFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

async function main() {
  const quick = process.env.BENCH_QUICK === "1";
  const sizes = {
    fileBytes: sizeFromEnv("BENCH_UPLOAD_MIB", quick ? 64 : 1024) * MIB,
    fileRounds: quick ? 1 : 2,
    bulkDocuments: sizeFromEnv("BENCH_BULK_DOCUMENTS", quick ? 20_000 : 100_000),
    bulkProfileDocuments: quick ? 10_000 : 20_000,
    verifyDocuments: quick ? 5_000 : 20_000,
    verifySeconds: sizeFromEnv("BENCH_VERIFY_SECONDS", quick ? 5 : 20),
    profileSeconds: quick ? 5 : 10,
    documents: sizeFromEnv("BENCH_DOCUMENTS", quick ? 1_000 : 10_000),
    concurrency: sizeFromEnv("BENCH_CONCURRENCY", 64),
    catchUpBatches: sizeFromEnv("BENCH_CATCH_UP_BATCHES", quick ? 100 : 1_000),
    cliRuns: quick ? 5 : 20,
    tsaSeconds: quick ? 5 : 20,
  };
  const started = performance.now();
  const pressureAtStart = cpuPressureUs();
  const machine = describeMachine();
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB} GiB, Node ${machine.node}`);
  // The page the browser benchmark loads, as `npm start` builds it.
  execFileSync("npm", ["run", "--silent", "build:web"], { cwd: ROOT, stdio: "inherit" });

  const gas = await measureGas();
  const chains: BenchChain[] = [];
  const stopChains = () => Promise.all(chains.map((c) => c.stop()));
  const file = randomFile(sizes.fileBytes);
  const cleanUp = async () => {
    await stopChains();
    rmSync(file.dir, { recursive: true, force: true });
  };
  process.once("SIGINT", () => void cleanUp().finally(() => process.exit(130)));
  try {
    const bulk: BulkResult[] = [];
    for (const blockTimeS of [undefined, 1]) {
      const chain = await startChain({
        anvilArgs: blockTimeS === undefined ? [] : ["--block-time", String(blockTimeS)],
      });
      chains.push(chain);
      const result = await benchBulk(chain, {
        documents: sizes.bulkDocuments,
        listSize: 10_000,
        concurrency: 4,
        blockTimeS,
      });
      console.log(bulkLine(result));
      bulk.push(result);
      await chain.stop();
      chains.splice(chains.indexOf(chain), 1);
    }

    const chain = await startChain();
    chains.push(chain);
    const bulkProfile = await profileBulk(chain, {
      documents: sizes.bulkProfileDocuments,
      listSize: 10_000,
      concurrency: 4,
    });
    console.log(`bulk notarize under the profiler: ${fmt(bulkProfile.docsPerSecond)} docs/s`);
    const codec = await measureBatchCodec(chain.contract.interface, bulk[0].batchMax);
    console.log(
      `one batch of ${fmt(codec.size)}: buildBatch ${ms(codec.buildBatchMs)} vs OpenZeppelin ${ms(codec.libraryTreeMs)}; ` +
        `encode ${ms(codec.directEncodeMs)} vs ethers ${ms(codec.ethersEncodeMs)}; decode ${ms(codec.directDecodeMs)} vs ethers ${ms(codec.ethersDecodeMs)}`,
    );

    const verify = await benchVerify(chain, {
      documents: sizes.verifyDocuments,
      connections: 50,
      durationS: sizes.verifySeconds,
      profileS: sizes.profileSeconds,
    });
    console.log(verifyLine(verify));

    const caps = await measureCaps(chain, gas);
    console.log(gasLine(gas, caps));

    const upload = await benchUpload(chain, { bytes: sizes.fileBytes, rounds: sizes.fileRounds, file: file.file });
    console.log(uploadLine(upload));

    let browser: RunFigures["browser"];
    if (existsSync(CHROMIUM)) {
      const service = await startService(chain);
      try {
        browser = await benchBrowserHash(service.baseUrl, file.file, sizes.fileBytes, sizes.fileRounds);
        console.log(browserLine(browser));
      } finally {
        await service.stop();
        service.removeData();
      }
    } else {
      console.log(`browser hashing: skipped, no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);
    }

    const notarize = await benchNotarize(chain, { documents: sizes.documents, concurrency: sizes.concurrency });
    console.log(notarizeLine(notarize));

    const tsa = await benchTsa(chain, { connections: 50, durationS: sizes.tsaSeconds, inProcessS: 5 });
    console.log(tsaLine(tsa));

    const scaling = await benchScaling(chain, scalingLevels(quick), sizes.concurrency, (level) =>
      console.log(`  BATCH_MAX ${fmt(level.batchMax)}: ${fmt(level.docsPerSecond)} docs/s, ${level.transactions} tx`),
    );
    console.log(scalingLine(scaling));
    await chain.stop();
    chains.splice(chains.indexOf(chain), 1);

    const catchUp = await benchCatchUp({ batches: sizes.catchUpBatches, batchSize: 1_000, inFlight: 8 });
    console.log(catchUpLine(catchUp));

    const receipts = await measureReceipts();
    console.log(receiptsLine(receipts));

    const cli = await benchCliStartup(sizes.cliRuns);
    console.log(cliLine(cli));

    const pressureAtEnd = cpuPressureUs();
    const durationS = (performance.now() - started) / 1000;
    const figures: RunFigures = {
      machine,
      date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      quick,
      durationS,
      loadAverageAtEnd: loadavg()[0],
      machinePressure:
        pressureAtStart === undefined || pressureAtEnd === undefined
          ? undefined
          : (pressureAtEnd - pressureAtStart) / 1e6 / durationS,
      upload,
      browser,
      bulk,
      bulkProfile,
      codec,
      verify,
      notarize,
      gas,
      caps,
      scaling,
      catchUp,
      cli,
      receipts,
      tsa,
      soak: soakSummary(),
      notes: [],
    };
    figures.notes = missedTargets(figures);
    writeFileSync(RESULTS, formatResults(figures));
    console.log(`wrote ${path.relative(process.cwd(), RESULTS)}`);
  } finally {
    await cleanUp();
  }
}

/** The summary line of the last soak, from bench/SOAK.md. */
function soakSummary(): string | undefined {
  if (!existsSync(SOAK)) return undefined;
  return /^Summary: (.*)$/m.exec(readFileSync(SOAK, "utf8"))?.[1];
}

const pct = (share: number) => `${fmt(share * 100)}%`;

/** For each missed target, the measured figures that locate its cause, and what would change it. */
function missedTargets(f: RunFigures): string[] {
  const notes: string[] = [];
  const load =
    `the machine's load average was ${fmt(f.machine.loadAverage, 1)} at the start and ${fmt(f.loadAverageAtEnd, 1)} ` +
    `at the end, on ${f.machine.cores} cores`;
  const c = f.codec;
  const bp = f.bulkProfile.profile;
  for (const b of f.bulk) {
    if (b.docsPerSecond >= TARGETS.bulkDocsPerSecond) continue;
    const serviceBound = b.docsPerSecond / b.ceiling.docsPerSecond < 0.8;
    const parts = [`**Bulk notarization, ${b.mining} (${fmt(b.docsPerSecond)} docs/s, target 20,000).** `];
    if (serviceBound) {
      parts.push(
        `The service bounds it, not the chain: the node took the same batches at ${fmt(b.ceiling.docsPerSecond)} docs/s ` +
          `(${pct(b.ceiling.shares.cpu.node)} of a core), while during the service's run it used ${pct(b.shares.cpu.node)} ` +
          `and the service ${pct(b.shares.cpu.service)} (waiting for a core ${pct(b.shares.waitingForCpu.service)} of the time). ` +
          `Accepting the lists took ${fmt(b.submitMs / 1000, 2)} s of the ${fmt(b.totalMs / 1000, 1)} s; the rest is ` +
          "the anchorer's per-batch work on the service's one thread. In the profile (§1): ethers " +
          `${pct(categoryShare(bp, /^ethers/))} of the busy time in self time (its provider's JSON-RPC for receipts, ` +
          "blocks and fees; batch transactions are signed over bytes and sent over plain HTTP), garbage collection " +
          `${pct(categoryShare(bp, /^garbage/))}, Docproof's own code ` +
          `${pct(categoryShare(bp, /^Docproof/))}, SQLite ${pct(categoryShare(bp, /^SQLite/))}; building trees ` +
          `(\`buildBatch\`, inclusive) ${pct(functionShare(bp, "buildBatch"))}. Timed alone, for one batch of ` +
          `${fmt(c.size)}: the tree ${ms(c.buildBatchMs)}, its calldata ${ms(c.directEncodeMs)}, read back ` +
          `${ms(c.directDecodeMs)} (the table below).` +
          (b.ceiling.docsPerSecond < TARGETS.bulkDocsPerSecond
            ? ` The chain would cap it next: with ${b.ceiling.inFlight} batches in flight, each waiting a block for its ` +
              `receipt, the node itself took ${fmt(b.ceiling.docsPerSecond)} docs/s` +
              (b.ceilingFull === undefined
                ? "."
                : `; with ${b.ceilingFull.inFlight} in flight, ${fmt(b.ceilingFull.docsPerSecond)} docs/s ` +
                  `(full blocks: ${fmt(b.theoreticalDocsPerSecond ?? 0)}).`)
            : ""),
      );
    } else {
      const perBlock = Math.floor(b.blockGasLimit / (b.chain.gasPerDocument * b.batchMax));
      parts.push(
        `The chain bounds it: the node fed directly with the same batches reached ${fmt(b.ceiling.docsPerSecond)} docs/s ` +
          `with ${b.ceiling.inFlight} in flight (the service ${fmt(b.docsPerSecond / b.ceiling.docsPerSecond, 3)}× that). ` +
          `A ${fmt(b.blockGasLimit)}-gas block holds ${perBlock} batches of ${fmt(b.batchMax)} at ` +
          `${fmt(b.chain.gasPerDocument)} gas a document, ${fmt(perBlock * b.batchMax)} documents` +
          (b.blockTimeS === undefined ? "" : ` every ${fmt(b.blockTimeS)} s`) +
          (b.theoreticalDocsPerSecond === undefined
            ? ""
            : ` (${fmt(b.theoreticalDocsPerSecond)} docs/s for blocks holding nothing but documents' calldata)`) +
          `; the service's run put its ${fmt(b.chain.transactions)} batches in ${fmt(b.chain.blocks)} blocks, ` +
          `${fmt(b.documents / b.chain.blocks)} documents a block, its first and last blocks partly empty` +
          (b.ceilingFull === undefined
            ? "."
            : `: with ${b.ceilingFull.inFlight} in flight the node alone reached ${fmt(b.ceilingFull.docsPerSecond)} docs/s.`),
      );
    }
    notes.push(parts.join(""));
  }

  const v = f.verify;
  if (v.verify.p99Ms > TARGETS.verifyP99Ms) {
    const p = v.profiled.profile;
    const share = (pattern: RegExp) => pct(categoryShare(p, pattern));
    notes.push(
      `**Verification (p99 ${ms(v.verify.p99Ms)} at ${v.connections} clients, target ≤ 20 ms).** The service's CPU ` +
        `per request bounds it: ${fmt(v.verify.requestsPerSecond)} req/s with the service at ` +
        `${pct(v.verify.shares.cpu.service)} of a core (waiting for a core ${pct(v.verify.shares.waitingForCpu.service)} ` +
        `of the time) is ${fmt(cpuPerRequestUs(v.verify))} µs of CPU per request; ` +
        `the floor answered ${fmt(v.floor.requestsPerSecond)} req/s at ` +
        `${fmt(cpuPerRequestUs(v.floor))} µs per request, with p99 ${ms(v.floor.p99Ms)}. ` +
        "No call to the node is made (its CPU stayed near zero); the store-only status lookup, which skips the " +
        `verdict, reached ${fmt(v.lookup.requestsPerSecond)} req/s, p99 ${ms(v.lookup.p99Ms)}. In the profile (§2): ` +
        `Docproof's own code ${share(/^Docproof/)} in self time (its SQLite queries among it: the store's \`guard\`, ` +
        `inclusive, ${pct(functionShare(p, "guard"))}); ` +
        `logging (pino, one line per request) ${share(/^logging/)} plus the writes it causes; express and body parsing ` +
        `${share(/^express/)}; Node's HTTP ${share(/^Node/)}; ` +
        `helmet ${share(/^helmet/)}; rate limit ${share(/^rate limit/)}; zod ${share(/^zod/)}; garbage collection ` +
        `${share(/^garbage/)} (${load}). Pauses add to the tail: ${fmt(v.profiled.gc.scavenges)} scavenges in ` +
        `${fmt(v.profiled.verify.durationS)} s (median ${ms(v.profiled.gc.scavengeMedianMs)}), each holding the ` +
        `${v.connections} requests in flight; the main thread was paused ${pct(v.profiled.gc.pausedShare)} of the time.`,
    );
  }

  if (f.upload.ratio < TARGETS.uploadRatio) {
    const u = f.upload;
    notes.push(
      `**Upload hashing (${fmt(u.ratio, 2)}× openssl).** During the fastest Node-client upload the service used ` +
        `${pct(u.serviceCpuShare)} of a core and the client ${pct(u.clientCpuShare)}; the cores are shared by ` +
        `client, service and other work (${load}).`,
    );
  }
  if (f.notarize.docsPerSecond < TARGETS.docsPerSecond) {
    notes.push(
      `**Notarization, one digest a request (${fmt(f.notarize.docsPerSecond)} docs/s).** Submissions were accepted at ` +
        `${fmt(f.notarize.acceptPerSecond)} per second (p99 ${ms(f.notarize.acceptP99Ms)}): each request is parsed, ` +
        "committed and answered on the service's one thread, as in §2's profile, and batches are built there too (§1).",
    );
  }
  const t = f.tsa.http;
  if (t !== undefined && t.requestsPerSecond < TARGETS.tsaTokensPerSecond) {
    notes.push(
      `**Time-stamp tokens (${fmt(t.requestsPerSecond)} tokens/s over HTTP, target 1,000).** The service's CPU ` +
        `per token bounds it: ${fmt(cpuPerRequestUs(t))} µs over HTTP, against ${fmt(1e6 / f.tsa.inProcessPerSecond)} µs ` +
        `for the issuer alone (${fmt(f.tsa.inProcessPerSecond)} tokens/s on one thread of this machine); the rest is ` +
        "the HTTP request, the document queued for anchoring and the token kept, each a durable write. During the " +
        `load: ${sharesText(t.shares, ["service", "client"])}.`,
    );
  }
  return notes;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
