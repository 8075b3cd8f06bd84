import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createPrivateKey, createPublicKey, webcrypto, type KeyObject } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { TimestampError } from "../timestamp/errors";
import type { TsaCredentials } from "../timestamp/time-stamp-authority";
import { tsaCertificateProblem } from "../timestamp/tsa-certificate";

/**
 * The TSA's key and certificates on disk: loads an operator's PKCS#8 key and PEM chain
 * (TSA_KEY_FILE, TSA_CERT_FILE), or creates a local CA and TSA certificate once for a service run
 * without them. Key bytes never reach an error message: errors name the file and the problem.
 */

export interface TsaCredentialFiles {
  /** PKCS#8 PEM private key, ECDSA P-256. */
  keyFile: string;
  /** PEM certificates: the TSA's first, then its issuers. */
  certFile: string;
}

export interface LoadedTsaCredentials extends TsaCredentials {
  /** The TSA certificate's subject, for the start-up log. */
  subject: string;
  notAfter: Date;
  /** Things to tell the operator that do not stop the TSA, such as a key file others can read. */
  warnings: string[];
}

export interface LocalTsaFiles extends TsaCredentialFiles {
  /** The local CA's certificate: what `openssl ts -verify -CAfile` needs to trust our tokens. */
  caFile: string;
  /** False when the files were already there. */
  created: boolean;
}

const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;

/**
 * Loads and checks the TSA's credentials: the key must be ECDSA P-256 and match the first
 * certificate, which must be fit for time-stamping (see tsaCertificateProblem) and valid at
 * `now`; each later certificate must have signed the one before.
 */
export async function loadTsaCredentials(files: TsaCredentialFiles, now = new Date()): Promise<LoadedTsaCredentials> {
  const keyObject = privateKeyFrom(await readText(files.keyFile, "TSA key"), files.keyFile);
  const certificates = certificatesFrom(await readText(files.certFile, "TSA certificate"), files.certFile);
  const [tsa, ...issuers] = certificates;
  const invalid = (problem: string) =>
    new TimestampError("tsa-credentials-invalid", `The TSA certificate in ${files.certFile} ${problem}.`);

  const problem = tsaCertificateProblem(tsa, now);
  if (problem !== undefined) throw invalid(problem);
  const publicKey = createPublicKey(keyObject).export({ type: "spki", format: "der" });
  if (!publicKey.equals(Buffer.from(tsa.publicKey.rawData))) {
    throw new TimestampError(
      "tsa-credentials-invalid",
      `The key in ${files.keyFile} does not belong to the TSA certificate in ${files.certFile}.`,
    );
  }
  for (const [index, issuer] of issuers.entries()) {
    const subject = certificates[index];
    const signed =
      subject.issuer === issuer.subject && (await subject.verify({ publicKey: issuer, signatureOnly: true }));
    if (!signed) {
      throw new TimestampError(
        "tsa-credentials-invalid",
        `Certificate ${index + 2} in ${files.certFile} (${issuer.subject}) did not issue certificate ${index + 1} (${subject.subject}).`,
      );
    }
  }

  const warnings: string[] = [];
  const mode = (await stat(files.keyFile)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    warnings.push(`The TSA key file ${files.keyFile} is readable by others (mode 0${mode.toString(8)}); chmod 600 it.`);
  }

  const pkcs8 = keyObject.export({ type: "pkcs8", format: "der" });
  try {
    const privateKey = await webcrypto.subtle.importKey("pkcs8", pkcs8, ECDSA_P256, false, ["sign"]);
    return {
      privateKey,
      certificates: certificates.map((certificate) => new Uint8Array(certificate.rawData)),
      subject: tsa.subject,
      notAfter: tsa.notAfter,
      warnings,
    };
  } finally {
    pkcs8.fill(0);
  }
}

/**
 * Creates, once, a local CA and a TSA certificate it issued, in `directory`: `ca.pem` (the CA
 * certificate, to give verifiers), `tsa.pem` (TSA certificate then CA certificate) and
 * `tsa.key.pem` (the TSA's PKCS#8 key, mode 0600). Returns the paths; an existing set is kept.
 * NOTE: the CA's own key is never written: it signs the TSA certificate and is dropped, so
 * nothing else can ever be certified under this CA. When the TSA certificate expires (after
 * `validityYears`), delete the directory and a new CA is made.
 */
export async function ensureLocalTsa(
  directory: string,
  options: { now?: Date; organisation?: string; validityYears?: number } = {},
): Promise<LocalTsaFiles> {
  const files = {
    caFile: path.join(directory, "ca.pem"),
    certFile: path.join(directory, "tsa.pem"),
    keyFile: path.join(directory, "tsa.key.pem"),
  };
  if ([files.caFile, files.certFile, files.keyFile].every((file) => existsSync(file))) {
    return { ...files, created: false };
  }
  const now = options.now ?? new Date();
  const organisation = options.organisation ?? "Docproof";
  const years = options.validityYears ?? 10;
  const notBefore = new Date(now.getTime() - 60_000);
  const yearsAfter = (count: number) =>
    new Date(Date.UTC(now.getUTCFullYear() + count, now.getUTCMonth(), now.getUTCDate()));

  try {
    const caKeys = await webcrypto.subtle.generateKey(ECDSA_P256, false, ["sign", "verify"]);
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      name: `O=${organisation}, CN=${organisation} local TSA CA`,
      keys: caKeys,
      notBefore,
      notAfter: yearsAfter(years + 1),
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
      ],
    });
    const tsaKeys = await webcrypto.subtle.generateKey(ECDSA_P256, true, ["sign", "verify"]);
    const tsa = await x509.X509CertificateGenerator.create({
      subject: `O=${organisation}, CN=${organisation} local TSA`,
      issuer: ca.subject,
      publicKey: tsaKeys.publicKey,
      signingKey: caKeys.privateKey,
      notBefore,
      notAfter: yearsAfter(years),
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.timeStamping], true),
        await x509.SubjectKeyIdentifierExtension.create(tsaKeys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
      ],
    });
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", tsaKeys.privateKey));
    const keyPem = x509.PemConverter.encode(pkcs8, "PRIVATE KEY");
    pkcs8.fill(0);

    await mkdir(directory, { recursive: true, mode: 0o700 });
    await writeAtomically(files.keyFile, keyPem, 0o600);
    await writeAtomically(files.caFile, ca.toString("pem") + "\n", 0o644);
    // Last: its presence with the others marks a complete set.
    await writeAtomically(files.certFile, `${tsa.toString("pem")}\n${ca.toString("pem")}\n`, 0o644);
  } catch (error) {
    if (error instanceof TimestampError) throw error;
    throw new TimestampError(
      "tsa-credentials-unreadable",
      `Could not create the local TSA in ${directory}: ${(error as NodeJS.ErrnoException).code ?? "error"}.`,
      { cause: error },
    );
  }
  return { ...files, created: true };
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new TimestampError("tsa-credentials-unreadable", `Cannot read the ${what} file ${file} (${code}).`, {
      cause: error,
    });
  }
}

function privateKeyFrom(pem: string, file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch {
    // The cause is dropped on purpose: a parser's message may quote the input.
    throw new TimestampError("tsa-credentials-invalid", `${file} is not an unencrypted PKCS#8 PEM private key.`);
  }
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new TimestampError(
      "tsa-credentials-invalid",
      `${file} holds a ${key.asymmetricKeyType ?? "unknown"} key; the TSA signs with ECDSA P-256.`,
    );
  }
  return key;
}

function certificatesFrom(pem: string, file: string): x509.X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    throw new TimestampError("tsa-credentials-invalid", `${file} holds no PEM certificate.`);
  }
  return blocks.map((block, index) => {
    try {
      return new x509.X509Certificate(block);
    } catch {
      throw new TimestampError("tsa-credentials-invalid", `Certificate ${index + 1} in ${file} cannot be decoded.`);
    }
  });
}

async function writeAtomically(file: string, content: string, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await rm(temporary, { force: true });
  // The mode applies at creation ("wx"), so the key is never readable by others, not even briefly.
  await writeFile(temporary, content, { mode, flag: "wx" });
  await rename(temporary, file);
}
