/* global process, setInterval */
// Loaded into a service process with `node --require`, by the soak benchmark only: every
// BENCH_MEMORY_PROBE_MS (5,000) it appends the process's memory and its count of active handles
// (sockets, timers, servers, files) to BENCH_MEMORY_PROBE_FILE, one JSON line each. Every
// BENCH_MEMORY_PROBE_GC_MS (60,000), when the process runs with --expose-gc, it first collects
// garbage, so that line's heap is what is still referenced (`afterGc`). The service's own code is
// unchanged; the timers are unref'd, so they never keep the process alive.
const { appendFileSync } = require("node:fs");

const file = process.env.BENCH_MEMORY_PROBE_FILE;
if (file) {
  const everyMs = Number(process.env.BENCH_MEMORY_PROBE_MS || 5000);
  const gcEveryMs = Number(process.env.BENCH_MEMORY_PROBE_GC_MS || 60000);
  const write = (afterGc) => {
    const memory = process.memoryUsage();
    const line = {
      atMs: Date.now(),
      afterGc,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      heapTotal: memory.heapTotal,
      external: memory.external,
      handles: process._getActiveHandles().length,
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  };
  setInterval(() => write(false), everyMs).unref();
  if (typeof global.gc === "function") {
    setInterval(() => {
      global.gc();
      write(true);
    }, gcEveryMs).unref();
  }
}
