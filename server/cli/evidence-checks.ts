import type { EvidenceCheck } from "../proof/offline-verification";
import type { CliContext } from "./cli-context";

/** One line per check, as a person reads a verification: ✔ or ✘, its name, what was found. */
export function printChecks(context: CliContext, checks: readonly EvidenceCheck[]): void {
  for (const check of checks) {
    context.stdout.write(`${check.passed ? "✔" : "✘"} ${check.name}: ${check.message}\n`);
  }
}
