import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { isTimestampError, type TimestampErrorCode } from "../../../server/timestamp/errors";
import {
  ensureLocalTsa,
  loadTsaCredentials,
  type LocalTsaFiles,
  type TsaCredentialFiles,
} from "../../../server/tsa/tsa-credentials";
import { run } from "../../support/processes";

function openssl(dir: string, ...args: string[]): string {
  return execFileSync("openssl", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

async function failure(files: TsaCredentialFiles, now?: Date): Promise<Error> {
  try {
    await loadTsaCredentials(files, now);
  } catch (error) {
    return error as Error;
  }
  throw new Error("loadTsaCredentials accepted the files");
}

/** Everything an error could print: message, stack and every cause's. */
function printable(error: unknown): string {
  let text = "";
  for (let e: unknown = error; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    text += `${String(e)}\n${(e as Error).stack ?? ""}\n`;
  }
  return text;
}

/** The base64 lines of a PEM private key: what must never be printed. */
function keyLines(file: string): string[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.length >= 16 && !line.startsWith("-----"));
}

describe("TSA credentials", function () {
  let dir: string;
  let local: LocalTsaFiles;

  /**
   * A certificate for `keyFile`, issued by a throwaway openssl CA with the given extensions, so
   * that the loader is judged on certificates it did not make itself.
   */
  function issued(name: string, keyFile: string, extensions: string[]): string {
    writeFileSync(path.join(dir, `${name}.ext`), extensions.join("\n") + "\n");
    openssl(dir, "req", "-new", "-key", keyFile, "-subj", `/CN=${name}`, "-out", `${name}.csr`);
    openssl(
      dir,
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "other-ca.pem",
      "-CAkey",
      "other-ca.key",
      "-set_serial",
      "7",
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.pem`,
    );
    return path.join(dir, `${name}.pem`);
  }

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "docproof-tsa-credentials-"));
    local = await ensureLocalTsa(path.join(dir, "local"));
    openssl(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.key");
    openssl(
      dir,
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "other-ca.key",
      "-out",
      "other-ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=Other CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign",
    );
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  describe("ensureLocalTsa", function () {
    it("writes the key 0600 in a 0700 directory, and the certificates beside it", function () {
      expect(local.created).to.equal(true);
      expect(statSync(local.keyFile).mode & 0o777).to.equal(0o600);
      expect(statSync(path.dirname(local.keyFile)).mode & 0o777).to.equal(0o700);
      expect(statSync(local.certFile).mode & 0o777).to.equal(0o644);
      expect(statSync(local.caFile).mode & 0o777).to.equal(0o644);
    });

    it("makes a TSA certificate that openssl verifies for time-stamp signing against the CA", function () {
      openssl(dir, "x509", "-in", local.certFile, "-out", "local-tsa-only.pem");
      const verified = openssl(
        dir,
        "verify",
        "-CAfile",
        local.caFile,
        "-purpose",
        "timestampsign",
        "local-tsa-only.pem",
      );
      expect(verified).to.contain("local-tsa-only.pem: OK");
      const usage = openssl(dir, "x509", "-in", "local-tsa-only.pem", "-noout", "-ext", "extendedKeyUsage");
      expect(usage).to.match(/X509v3 Extended Key Usage: critical\s+Time Stamping/);
    });

    it("writes a PKCS#8 key that belongs to the TSA certificate", function () {
      expect(readFileSync(local.keyFile, "utf8")).to.match(/^-----BEGIN PRIVATE KEY-----\n/);
      const fromKey = openssl(dir, "pkey", "-in", local.keyFile, "-pubout");
      const fromCertificate = openssl(dir, "x509", "-in", local.certFile, "-noout", "-pubkey");
      expect(fromKey).to.equal(fromCertificate);
    });

    it("keeps an existing set", async function () {
      const before = readFileSync(local.keyFile);
      const again = await ensureLocalTsa(path.dirname(local.keyFile));
      expect(again).to.deep.equal({ ...local, created: false });
      expect(readFileSync(local.keyFile).equals(before)).to.equal(true);
    });

    it("makes a new set when one was left incomplete", async function () {
      const partial = path.join(dir, "partial");
      const first = await ensureLocalTsa(partial);
      const key = readFileSync(first.keyFile);
      unlinkSync(first.certFile);
      const second = await ensureLocalTsa(partial);
      expect(second.created).to.equal(true);
      expect(readFileSync(second.keyFile).equals(key)).to.equal(false);
      await loadTsaCredentials(second);
    });

    it("answers tsa-credentials-unreadable when the directory cannot be made", async function () {
      writeFileSync(path.join(dir, "a-file"), "");
      const error = await ensureLocalTsa(path.join(dir, "a-file", "tsa")).catch((e: unknown) => e);
      expect(isTimestampError(error, "tsa-credentials-unreadable"), String(error)).to.equal(true);
    });
  });

  describe("loadTsaCredentials", function () {
    it("loads a non-extractable signing key and the chain, TSA certificate first", async function () {
      const credentials = await loadTsaCredentials(local);
      expect(credentials.privateKey.extractable).to.equal(false);
      expect(credentials.privateKey.usages).to.deep.equal(["sign"]);
      expect(credentials.certificates).to.have.length(2);
      expect(credentials.subject).to.equal("O=Docproof, CN=Docproof local TSA");
      expect(credentials.warnings).to.deep.equal([]);
    });

    it("warns when others can read the key file", async function () {
      const keyFile = path.join(dir, "open.key");
      writeFileSync(keyFile, readFileSync(local.keyFile));
      chmodSync(keyFile, 0o644);
      const credentials = await loadTsaCredentials({ keyFile, certFile: local.certFile });
      expect(credentials.warnings).to.deep.equal([
        `The TSA key file ${keyFile} is readable by others (mode 0644); chmod 600 it.`,
      ]);
    });

    it("accepts a key and certificate made by openssl", async function () {
      const certFile = issued("good", "ec.key", [
        "extendedKeyUsage = critical, timeStamping",
        "keyUsage = critical, digitalSignature",
      ]);
      writeFileSync(
        path.join(dir, "good-chain.pem"),
        readFileSync(certFile, "utf8") + readFileSync(path.join(dir, "other-ca.pem"), "utf8"),
      );
      const credentials = await loadTsaCredentials({
        keyFile: path.join(dir, "ec.key"),
        certFile: path.join(dir, "good-chain.pem"),
      });
      expect(credentials.subject).to.equal("CN=good");
    });

    it("accepts exactly the certificates openssl's timestampsign purpose accepts", async function () {
      const variants: Record<string, string[]> = {
        "p-good": ["extendedKeyUsage = critical, timeStamping"],
        "p-signing": ["extendedKeyUsage = critical, timeStamping", "keyUsage = digitalSignature, nonRepudiation"],
        "p-no-eku": ["keyUsage = digitalSignature"],
        "p-soft-eku": ["extendedKeyUsage = timeStamping"],
        "p-two-eku": ["extendedKeyUsage = critical, timeStamping, codeSigning"],
        "p-wide-ku": ["extendedKeyUsage = critical, timeStamping", "keyUsage = digitalSignature, keyEncipherment"],
        "p-ca-ku": ["extendedKeyUsage = critical, timeStamping", "keyUsage = keyCertSign"],
      };
      const verdicts: Record<string, { openssl: boolean; loader: boolean }> = {};
      for (const [name, extensions] of Object.entries(variants)) {
        const certFile = issued(name, "ec.key", extensions);
        const judged = await run("openssl", [
          "verify",
          "-CAfile",
          path.join(dir, "other-ca.pem"),
          "-purpose",
          "timestampsign",
          certFile,
        ]);
        const loaded = await loadTsaCredentials({ keyFile: path.join(dir, "ec.key"), certFile }).then(
          () => true,
          () => false,
        );
        verdicts[name] = { openssl: judged.code === 0, loader: loaded };
      }
      for (const [name, { openssl: byOpenssl, loader }] of Object.entries(verdicts)) {
        expect(loader, `${name}: ${JSON.stringify(verdicts)}`).to.equal(byOpenssl);
      }
      expect(Object.values(verdicts).filter((v) => v.openssl)).to.have.length(2);
    });

    describe("when the files are unusable", function () {
      const cases: {
        title: string;
        code: TimestampErrorCode;
        message: RegExp;
        files: () => TsaCredentialFiles;
        now?: Date;
      }[] = [
        {
          title: "a missing key file",
          code: "tsa-credentials-unreadable",
          message: /Cannot read the TSA key file .*\(ENOENT\)/,
          files: () => ({ keyFile: path.join(dir, "absent.key"), certFile: local.certFile }),
        },
        {
          title: "a certificate without extendedKeyUsage",
          code: "tsa-credentials-invalid",
          message: /lacks a critical extendedKeyUsage/,
          files: () => ({
            keyFile: path.join(dir, "ec.key"),
            certFile: issued("no-eku", "ec.key", ["keyUsage = digitalSignature"]),
          }),
        },
        {
          title: "a non-critical timeStamping extendedKeyUsage",
          code: "tsa-credentials-invalid",
          message: /lacks a critical extendedKeyUsage/,
          files: () => ({
            keyFile: path.join(dir, "ec.key"),
            certFile: issued("soft-eku", "ec.key", ["extendedKeyUsage = timeStamping"]),
          }),
        },
        {
          title: "an extendedKeyUsage with a second purpose",
          code: "tsa-credentials-invalid",
          message: /timeStamping and no other purpose/,
          files: () => ({
            keyFile: path.join(dir, "ec.key"),
            certFile: issued("two-eku", "ec.key", ["extendedKeyUsage = critical, timeStamping, codeSigning"]),
          }),
        },
        {
          title: "a keyUsage beyond signing",
          code: "tsa-credentials-invalid",
          message: /has a keyUsage other than digitalSignature and nonRepudiation/,
          files: () => ({
            keyFile: path.join(dir, "ec.key"),
            certFile: issued("wide-ku", "ec.key", [
              "extendedKeyUsage = critical, timeStamping",
              "keyUsage = critical, digitalSignature, keyAgreement",
            ]),
          }),
        },
        {
          title: "a key that is not the certificate's",
          code: "tsa-credentials-invalid",
          message: /does not belong to the TSA certificate/,
          files: () => ({ keyFile: path.join(dir, "ec.key"), certFile: local.certFile }),
        },
        {
          title: "an RSA key",
          code: "tsa-credentials-invalid",
          message: /holds a rsa key; the TSA signs with ECDSA P-256/,
          files: () => {
            openssl(dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.key");
            return {
              keyFile: path.join(dir, "rsa.key"),
              certFile: issued("rsa", "rsa.key", ["extendedKeyUsage = critical, timeStamping"]),
            };
          },
        },
        {
          title: "an encrypted key",
          code: "tsa-credentials-invalid",
          message: /is not an unencrypted PKCS#8 PEM private key/,
          files: () => {
            openssl(dir, "pkcs8", "-topk8", "-in", "ec.key", "-out", "encrypted.key", "-passout", "pass:secret");
            return { keyFile: path.join(dir, "encrypted.key"), certFile: local.certFile };
          },
        },
        {
          title: "a corrupted key",
          code: "tsa-credentials-invalid",
          message: /is not an unencrypted PKCS#8 PEM private key/,
          files: () => {
            const pem = readFileSync(local.keyFile, "utf8").split("\n");
            pem[1] = pem[1].slice(0, 10) + "!!" + pem[1].slice(12);
            writeFileSync(path.join(dir, "corrupted.key"), pem.join("\n"));
            return { keyFile: path.join(dir, "corrupted.key"), certFile: local.certFile };
          },
        },
        {
          title: "a certificate file without certificates",
          code: "tsa-credentials-invalid",
          message: /holds no PEM certificate/,
          files: () => ({ keyFile: local.keyFile, certFile: local.keyFile }),
        },
        {
          title: "a chain whose second certificate did not issue the first",
          code: "tsa-credentials-invalid",
          message: /Certificate 2 in .* did not issue certificate 1/,
          files: () => {
            const [tsa] = readFileSync(local.certFile, "utf8").split(/(?<=-----END CERTIFICATE-----\n)/);
            writeFileSync(
              path.join(dir, "wrong-chain.pem"),
              tsa + readFileSync(path.join(dir, "other-ca.pem"), "utf8"),
            );
            return { keyFile: local.keyFile, certFile: path.join(dir, "wrong-chain.pem") };
          },
        },
        {
          title: "a certificate that has expired",
          code: "tsa-credentials-invalid",
          message: /is not valid at 2200-01-01T00:00:00.000Z \(valid /,
          files: () => local,
          now: new Date("2200-01-01T00:00:00Z"),
        },
      ];
      for (const { title, code, message, files, now } of cases) {
        it(`answers ${code} for ${title}, without printing key material`, async function () {
          const given = files();
          const error = await failure(given, now);
          expect(isTimestampError(error, code), String(error)).to.equal(true);
          expect(error.message).to.match(message);
          const text = printable(error);
          for (const keyFile of [given.keyFile, local.keyFile, path.join(dir, "ec.key")]) {
            if (!statSync(keyFile, { throwIfNoEntry: false })?.isFile()) continue;
            for (const line of keyLines(keyFile)) expect(text).to.not.contain(line.slice(0, 16));
          }
        });
      }
    });
  });
});
