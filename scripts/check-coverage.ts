/**
 * Fails when solidity-coverage's summary is below the project's floor for contracts/:
 * 95% of lines and 95% of branches. Run by `npm run coverage` after the instrumented tests.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

const FLOOR = { lines: 95, branches: 95 } as const;

interface Totals {
  lines: { pct: number };
  branches: { pct: number };
}

const summaryPath = path.join(__dirname, "..", "coverage", "coverage-summary.json");
const summary = JSON.parse(readFileSync(summaryPath, "utf8")) as { total: Totals };
const failures = (Object.keys(FLOOR) as (keyof typeof FLOOR)[])
  .filter((metric) => summary.total[metric].pct < FLOOR[metric])
  .map((metric) => `${metric} ${summary.total[metric].pct}% < ${FLOOR[metric]}%`);

if (failures.length > 0) {
  console.error(`Coverage of contracts/ is below the floor: ${failures.join(", ")}`);
  process.exitCode = 1;
} else {
  console.log(
    `Coverage of contracts/: lines ${summary.total.lines.pct}%, branches ${summary.total.branches.pct}% ` +
      `(floor ${FLOOR.lines}% / ${FLOOR.branches}%).`,
  );
}
