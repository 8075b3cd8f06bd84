import { writeFile } from "node:fs/promises";
import path from "node:path";
import { isTimeZone } from "../certificate/certificate-time";
import { readReceiptFromCertificate } from "../certificate/receipt-attachment";
import { parseAnyReceipt } from "../proof/receipt-v2";
import type { CertificateOptions } from "./certificate";
import { printJson, resolvePath, type CliContext } from "./cli-context";
import { CliError, EXIT_NOT_VALID } from "./cli-error";
import { documentArgument } from "./document-argument";
import { ServiceClient } from "./service-client";

/** The machine's IANA time zone, as the page uses the reader's. */
function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC";
}

/** Fetches the certificate, checks that it carries this document's receipt, writes it and says where. */
export async function runCertificate(
  context: CliContext,
  argument: string,
  options: CertificateOptions,
): Promise<void> {
  if (options.api === undefined) throw new CliError("usage", "certificate needs --api <url>: the service makes it.");
  const timeZone = options.tz ?? localTimeZone();
  if (!isTimeZone(timeZone)) {
    throw new CliError("usage", `--tz must be an IANA time zone name such as Europe/Berlin or UTC; got "${timeZone}".`);
  }
  const { sha256, file } = await documentArgument(context, argument);
  const name = options.name ?? (file === undefined ? undefined : path.basename(file));
  const out = options.out ?? (file === undefined ? `${sha256}.certificate.pdf` : `${file}.certificate.pdf`);

  const client = new ServiceClient(options.api);
  const view = await client.document(sha256);
  if (view.status === "pending") {
    context.stderr.write(`${file ?? sha256}: not anchored yet; its certificate follows its anchoring.\n`);
    context.exitCode = EXIT_NOT_VALID;
    return;
  }
  const pdf = await client.certificate(sha256, { timeZone, name });
  // The certificate is only worth keeping if it carries this document's receipt.
  let carried: string | undefined;
  try {
    carried = parseAnyReceipt(await readReceiptFromCertificate(pdf)).sha256;
  } catch (error) {
    throw new CliError(
      "service-error",
      `The service's certificate carries no readable receipt: ${(error as Error).message}`,
    );
  }
  if (carried !== sha256) {
    throw new CliError("service-error", `The service's certificate is for ${carried}, not ${sha256}.`);
  }
  try {
    await writeFile(resolvePath(context, out), pdf, { flag: options.force ? "w" : "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new CliError("usage", `${out} exists: pass --force to replace it, or --out another file.`);
    }
    throw new CliError("usage", `Cannot write ${out}: ${(error as NodeJS.ErrnoException).code ?? "error"}.`);
  }
  const revoked = view.status === "revoked";
  if (options.json) {
    printJson(context, { file: file ?? null, sha256, status: view.status, certificateFile: out });
  } else {
    context.stdout.write(
      `${file ?? sha256}: certificate written to ${out} (${revoked ? "REVOKED" : "anchored"}, times in ${timeZone})\n`,
    );
  }
  if (revoked) context.exitCode = EXIT_NOT_VALID;
}
