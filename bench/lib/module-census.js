/* global process */
// Loaded with `node --require` by the CLI start-up benchmark only: when the process exits, appends
// to BENCH_MODULE_CENSUS_FILE one JSON line naming every JavaScript file it loaded, so the
// benchmark can say what a command's start-up reads and compiles.
const { appendFileSync } = require("node:fs");

const file = process.env.BENCH_MODULE_CENSUS_FILE;
if (file) {
  process.on("exit", () => {
    appendFileSync(file, `${JSON.stringify(Object.keys(require.cache))}\n`);
  });
}
