import type { Command } from "commander";
import type { CliContext } from "./cli-context";

export interface TimestampOptions {
  api?: string;
  apiKey?: string;
  out?: string;
  tsaCa?: string;
  force?: boolean;
  json?: boolean;
}

/** `docproof timestamp <file>`: an RFC 3161 token from the service's TSA, checked and written to <file>.tsr. */
export function registerTimestamp(program: Command, context: CliContext): void {
  program
    .command("timestamp")
    .description("get an RFC 3161 time-stamp token for a document from the service, and write <file>.tsr")
    .argument("<file>", "the document; only its SHA-256 is sent")
    .option("--api <url>", "the Docproof service whose TSA (POST /tsa) stamps it")
    .option("--api-key <key>", "the service's API key, if its TSA needs one (default: $DOCPROOF_API_KEY)")
    .option("--out <file>", "where to write the token (default: <file>.tsr)")
    .option("--tsa-ca <file>", "the TSA's CA certificate (PEM): check the token's certificate chain too")
    .option("--force", "replace a token file that already exists")
    .option("--json", "print the token's statements and checks as JSON")
    .addHelpText(
      "after",
      `
The token file is the DER TimeStampResp, as openssl ts -reply writes it: openssl ts -verify -data
<file> -in <file>.tsr -CAfile <ca.pem> checks it too. The service anchors the document's SHA-256
like a notarized document; docproof verify <file> --tsr <file>.tsr checks both.

Exit status: 0 time-stamped; 1 the TSA refused, or its token fails a check; 2 usage or connection
error, or the token file exists.

Examples:
  docproof timestamp contract.pdf --api http://127.0.0.1:3000
  docproof timestamp contract.pdf --api http://127.0.0.1:3000 --tsa-ca data/local/tsa/ca.pem`,
    )
    // The HTTP client and the ASN.1 code load only when a time-stamp is asked for: --help stays instant.
    .action(async (file: string, options: TimestampOptions) => {
      const { runTimestamp } = await import("./timestamp-run");
      await runTimestamp(context, file, options);
    });
}
