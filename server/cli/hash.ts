import type { Command } from "commander";
import { printJson, type CliContext } from "./cli-context";
import { digestFiles } from "./file-digest";

/** `docproof hash <file...>`: SHA-256 as `sha256sum` prints it, or JSON. */
export function registerHash(program: Command, context: CliContext): void {
  program
    .command("hash")
    .description("print the SHA-256 of each file, streamed (a progress bar on a terminal for large files)")
    .argument("<file...>", "files to hash")
    .option("--json", "print [{file, sha256, bytes}] as JSON")
    .action(async (files: string[], options: { json?: boolean }) => {
      const digests = await digestFiles(context, files);
      if (options.json) {
        printJson(
          context,
          digests.map(({ file, sha256, bytes }) => ({ file, sha256, bytes })),
        );
        return;
      }
      for (const { file, sha256 } of digests) context.stdout.write(`${sha256}  ${file}\n`);
    });
}
