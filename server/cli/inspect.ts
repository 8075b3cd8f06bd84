import type { Command } from "commander";
import type { CliContext } from "./cli-context";

/** `docproof inspect <receipt>`: what a receipt says, and what it takes to check it. */
export function registerInspect(program: Command, context: CliContext): void {
  program
    .command("inspect")
    .description(
      "show what a receipt (or a certificate's receipt) says and what checking it needs, without checking the chain",
    )
    .argument("<receipt>", "a receipt (.receipt.json, version 1 or 2) or a certificate of notarization (PDF)")
    .option("--json", "print the same as JSON")
    .addHelpText(
      "after",
      `
Nothing is sent anywhere: the receipt is read, its Merkle path checked from the leaf to the root,
and the node, registry and trust anchors its verification needs are named.
Exit status: 0 a consistent receipt; 1 a receipt that contradicts itself; 2 not a receipt.`,
    )
    .action(async (file: string, options: { json?: boolean }) => {
      const { runInspect } = await import("./inspect-run");
      await runInspect(context, file, options);
    });
}
