import type { Command } from "commander";
import type { CliContext } from "./cli-context";

export interface CertificateOptions {
  api?: string;
  tz?: string;
  name?: string;
  out?: string;
  force?: boolean;
  json?: boolean;
}

/** `docproof certificate <file|sha256> --api <url>`: the service's certificate of notarization, as a PDF file. */
export function registerCertificate(program: Command, context: CliContext): void {
  program
    .command("certificate")
    .description("download the certificate of notarization (PDF, receipt attached) from the service")
    .argument("<file|sha256>", "the document, or its SHA-256")
    .option("--api <url>", "the Docproof service at this URL")
    .option(
      "--tz <zone>",
      "IANA time zone for the certificate's second statement of the times (default: this machine's)",
    )
    .option("--name <name>", "the document's name printed on it (default: the file's name)")
    .option("--out <file>", "where to write it (default: <file>.certificate.pdf, or <sha256>.certificate.pdf)")
    .option("--force", "replace the output file if it exists")
    .option("--json", "print {file, sha256, status, certificateFile} as JSON")
    .addHelpText(
      "after",
      `
The certificate carries the receipt: docproof verify <file> --certificate <pdf> checks it.
Exit status: 0 written, anchored; 1 written, but the document was revoked (or not anchored yet:
nothing written); 2 usage or connection error.

Examples:
  docproof certificate contract.pdf --api http://127.0.0.1:3000 --tz Europe/Berlin
  docproof certificate 9f86d081…0a08 --api http://127.0.0.1:3000 --out proof.pdf`,
    )
    .action(async (document: string, options: CertificateOptions) => {
      const { runCertificate } = await import("./certificate-run");
      await runCertificate(context, document, options);
    });
}
