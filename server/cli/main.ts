/**
 * The `docproof` command: the composition root of the CLI. Only this file touches the process
 * (argv, environment, streams, exit status); commands get a CliContext.
 */
import { Command, CommanderError } from "commander";
import { isDocproofError } from "../errors";
import { SERVICE_VERSION } from "../version";
import type { CliContext } from "./cli-context";
import { CliError, EXIT_ERROR, EXIT_OK, networkCause } from "./cli-error";
import { registerCertificate } from "./certificate";
import { registerDeploy } from "./deploy";
import { registerEvidenceCommands } from "./evidence-commands";
import { registerHash } from "./hash";
import { registerInspect } from "./inspect";
import { registerNotarize } from "./notarize";
import { registerRegistrar } from "./registrar";
import { registerRevoke } from "./revoke";
import { registerServiceCommands } from "./service-commands";
import { registerTimestamp } from "./timestamp";
import { registerVerify } from "./verify";

export function createProgram(context: CliContext): Command {
  const program = new Command("docproof")
    .description("Prove that a document existed, unchanged, at a given time, and who registered it.")
    .version(SERVICE_VERSION, "-V, --version", "print the version")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .showHelpAfterError("(docproof --help for usage)")
    .addHelpText(
      "after",
      `
Exit status: 0 success (verify: anchored); 1 not valid (verify: revoked, unknown, invalid receipt,
modified document; notarize: not anchored in time); 2 usage or connection error.`,
    );
  // Subcommands inherit exitOverride and the output streams when created through program.command().
  registerHash(program, context);
  registerNotarize(program, context);
  registerVerify(program, context);
  registerEvidenceCommands(program, context);
  registerTimestamp(program, context);
  registerCertificate(program, context);
  registerRevoke(program, context);
  registerInspect(program, context);
  registerDeploy(program, context);
  registerRegistrar(program, context);
  registerServiceCommands(program, context);
  return program;
}

/** One line for a failure: no stack trace, and the system's reason for a connection that failed. */
function describeFailure(error: unknown): string {
  if (error instanceof CliError) return error.message;
  if (isDocproofError(error, "chain-unavailable") && error.cause !== undefined) {
    return `${error.message} (${networkCause(error.cause)})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Runs the CLI on `argv` (without node and script) and resolves with the exit status. */
export async function runCli(
  argv: readonly string[],
  io: Pick<CliContext, "stdout" | "stderr" | "env" | "cwd">,
): Promise<number> {
  const context: CliContext = { ...io, exitCode: EXIT_OK };
  const program = createProgram(context);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return context.exitCode;
  } catch (error) {
    // Help and version end with status 0; every other commander error is a usage error.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_ERROR;
    context.stderr.write(`docproof: ${describeFailure(error)}\n`);
    return EXIT_ERROR;
  }
}

export function main(): void {
  void runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  }).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) main();
