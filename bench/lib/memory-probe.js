/* global process, setInterval */
// Loaded into a service process with `node --require`, by the soak benchmark only: every
// BENCH_MEMORY_PROBE_MS (5,000) it appends the process's memory and its count of active handles
// (sockets, timers, servers, files) to BENCH_MEMORY_PROBE_FILE, one JSON line each. The service's
// own code is unchanged; the timer is unref'd, so it never keeps the process alive.
const { appendFileSync } = require("node:fs");

const file = process.env.BENCH_MEMORY_PROBE_FILE;
if (file) {
  const everyMs = Number(process.env.BENCH_MEMORY_PROBE_MS || 5000);
  setInterval(() => {
    const memory = process.memoryUsage();
    const line = {
      atMs: Date.now(),
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      heapTotal: memory.heapTotal,
      external: memory.external,
      handles: process._getActiveHandles().length,
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }, everyMs).unref();
}
