import { expect } from "chai";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CounterSerialSource, type SerialSource } from "../../../server/timestamp/serial-source";
import { DOCPROOF_ANCHORING_EXTENSION, DOCPROOF_TSA_POLICY, OID } from "../../../server/timestamp/oids";
import { TimeStampAuthority, type TimeStampIssue } from "../../../server/timestamp/time-stamp-authority";
import { ensureLocalTsa, loadTsaCredentials, type LoadedTsaCredentials } from "../../../server/tsa/tsa-credentials";
import { run } from "../../support/processes";

const ANCHORING = { chainId: 31337, registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };

interface Fixture {
  dir: string;
  caFile: string;
  certFile: string;
  credentials: LoadedTsaCredentials;
  genTime: Date;
  tsa: TimeStampAuthority;
  document: string;
}

/** `openssl ts <args>` in the fixture's directory; the exit code and everything it printed. */
async function ts(fixture: Fixture, ...args: string[]): Promise<{ code: number | null; output: string }> {
  return run("sh", ["-c", `cd "${fixture.dir}" && exec openssl ts "$@" 2>&1`, "openssl", ...args]);
}

async function query(fixture: Fixture, name: string, ...args: string[]): Promise<Uint8Array> {
  const result = await ts(fixture, "-query", "-out", name, ...args);
  expect(result.code, result.output).to.equal(0);
  return readFileSync(path.join(fixture.dir, name));
}

function save(fixture: Fixture, name: string, issue: TimeStampIssue): string {
  writeFileSync(path.join(fixture.dir, name), issue.response);
  return name;
}

/** What `openssl ts -reply -text` prints for genTime, e.g. "Nov  9 22:09:58.117 2026 GMT". */
function opensslTime(date: Date): string {
  const month = date.toLocaleString("en-US", { month: "short", timeZone: "UTC" });
  const day = String(date.getUTCDate()).padStart(2, " ");
  const time = date
    .toISOString()
    .slice(11, 23)
    .replace(/\.?0+$/, "");
  return `${month} ${day} ${time} ${date.getUTCFullYear()} GMT`;
}

function requestDer(fields: Partial<pkijs.TimeStampReq>, digest = new Uint8Array(32).fill(7)): Uint8Array {
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256, algorithmParams: new asn1js.Null() }),
      hashedMessage: new asn1js.OctetString({ valueHex: digest }),
    }),
    ...fields,
  });
  return new Uint8Array(request.toSchema().toBER());
}

/** The TSA under test: our policy, the anchoring hint, accuracy 1.5 s, genTime from the fixture. */
function authority(fixture: Fixture, serials: SerialSource): TimeStampAuthority {
  return TimeStampAuthority.create({
    credentials: fixture.credentials,
    serials,
    anchoring: ANCHORING,
    accuracy: { seconds: 1, millis: 500 },
    clock: () => fixture.genTime,
  });
}

describe("TimeStampAuthority", function () {
  let fixture: Fixture;

  before(async function () {
    const dir = mkdtempSync(path.join(tmpdir(), "docproof-tsa-"));
    const files = await ensureLocalTsa(path.join(dir, "tsa"), { now: new Date(Date.now() - 86_400_000) });
    const credentials = await loadTsaCredentials(files);
    // A genTime with milliseconds, an hour ago: inside the certificate's validity, and not "now".
    const genTime = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000 + 250);
    writeFileSync(path.join(dir, "contract.txt"), "The parties agree.\n");
    fixture = {
      dir,
      caFile: files.caFile,
      certFile: files.certFile,
      credentials,
      genTime,
      document: "contract.txt",
    } as Fixture;
    fixture.tsa = authority(fixture, new CounterSerialSource(1n));
  });

  after(function () {
    rmSync(fixture.dir, { recursive: true, force: true });
  });

  describe("issueTimeStamp", function () {
    describe("when openssl asks for a SHA-256 imprint with -cert", function () {
      let issue: TimeStampIssue;
      let queryText: string;

      before(async function () {
        const der = await query(fixture, "cert.tsq", "-data", fixture.document, "-sha256", "-cert");
        queryText = (await ts(fixture, "-query", "-in", "cert.tsq", "-text")).output;
        // Serial 0xFE has its top bit set: DER needs a leading zero byte to keep it positive.
        issue = await authority(fixture, new CounterSerialSource(0xfen)).issueTimeStamp(der);
        save(fixture, "cert.tsr", issue);
      });

      it("grants the file's SHA-256 with the serial and genTime it used", function () {
        const sha256 = createHash("sha256")
          .update(readFileSync(path.join(fixture.dir, fixture.document)))
          .digest("hex");
        expect(issue.rejected).to.equal(undefined);
        expect(issue.granted).to.deep.equal({ sha256, serial: 0xfen, genTime: fixture.genTime });
      });

      it("passes openssl ts -verify against the local CA, with and without -untrusted", async function () {
        for (const extra of [[], ["-untrusted", fixture.certFile]]) {
          const result = await ts(
            fixture,
            "-verify",
            "-data",
            fixture.document,
            "-in",
            "cert.tsr",
            "-CAfile",
            fixture.caFile,
            ...extra,
          );
          expect(result.code, result.output).to.equal(0);
          expect(result.output).to.contain("Verification: OK");
        }
      });

      it("fails openssl ts -verify for a modified file", async function () {
        writeFileSync(path.join(fixture.dir, "modified.txt"), "The parties agree!\n");
        const result = await ts(
          fixture,
          "-verify",
          "-data",
          "modified.txt",
          "-in",
          "cert.tsr",
          "-CAfile",
          fixture.caFile,
        );
        expect(result.code).to.not.equal(0);
        expect(result.output).to.contain("Verification: FAILED");
        expect(result.output).to.contain("message imprint mismatch");
      });

      it("states policy, serial, genTime, accuracy, nonce, TSA name and the anchoring extension", async function () {
        const { output } = await ts(fixture, "-reply", "-in", "cert.tsr", "-text");
        expect(output).to.contain("Status: Granted.");
        expect(output).to.contain(`Policy OID: ${DOCPROOF_TSA_POLICY}`);
        expect(output).to.contain("Hash Algorithm: sha256");
        expect(output).to.contain("Serial number: 0xFE");
        expect(output).to.contain(`Time stamp: ${opensslTime(fixture.genTime)}`);
        expect(output).to.contain("Accuracy: 0x01 seconds, 0x01F4 millis, unspecified micros");
        const nonce = /Nonce: (0x[0-9A-F]+)/.exec(queryText)?.[1];
        expect(nonce, queryText).to.be.a("string");
        expect(output).to.contain(`Nonce: ${nonce}`);
        expect(output).to.contain("TSA: DirName:/O=Docproof/CN=Docproof local TSA");
        expect(output).to.contain(`${DOCPROOF_ANCHORING_EXTENSION}:`);
        expect(output).to.contain(JSON.stringify(ANCHORING));
      });

      it("includes the TSA certificate in the token", async function () {
        expect((await ts(fixture, "-reply", "-in", "cert.tsr", "-token_out", "-out", "cert.tok")).code).to.equal(0);
        const certs = await run("openssl", [
          "pkcs7",
          "-inform",
          "DER",
          "-in",
          path.join(fixture.dir, "cert.tok"),
          "-print_certs",
          "-noout",
        ]);
        expect(certs.output).to.contain("subject=O = Docproof, CN = Docproof local TSA");
      });
    });

    it("issues token after token from the same parts: each verifies and carries the certificate byte for byte", async function () {
      const der = await query(fixture, "again.tsq", "-data", fixture.document, "-sha256", "-cert");
      const [signerDer] = fixture.credentials.certificates;
      for (const round of [1, 2, 3]) {
        const name = save(fixture, `again-${round}.tsr`, await fixture.tsa.issueTimeStamp(der));
        const reply = Buffer.from(readFileSync(path.join(fixture.dir, name)));
        expect(reply.indexOf(Buffer.from(signerDer)), `token ${round}: the certificate`).to.be.greaterThan(0);
        const args = ["-verify", "-data", fixture.document, "-in", name, "-CAfile", fixture.caFile];
        const result = await ts(fixture, ...args);
        expect(result.output, `token ${round}`).to.contain("Verification: OK");
      }
    });

    describe("when the request has no certReq", function () {
      before(async function () {
        const der = await query(fixture, "nocert.tsq", "-data", fixture.document, "-sha256");
        save(fixture, "nocert.tsr", await fixture.tsa.issueTimeStamp(der));
      });

      it("leaves the certificate out of the token", async function () {
        expect((await ts(fixture, "-reply", "-in", "nocert.tsr", "-token_out", "-out", "nocert.tok")).code).to.equal(0);
        const certs = await run("openssl", [
          "pkcs7",
          "-inform",
          "DER",
          "-in",
          path.join(fixture.dir, "nocert.tok"),
          "-print_certs",
          "-noout",
        ]);
        expect(certs.output).to.not.contain("subject=");
      });

      it("verifies once openssl is given the TSA certificate, and not before", async function () {
        const args = ["-verify", "-data", fixture.document, "-in", "nocert.tsr", "-CAfile", fixture.caFile];
        expect((await ts(fixture, ...args)).code).to.not.equal(0);
        const result = await ts(fixture, ...args, "-untrusted", fixture.certFile);
        expect(result.output).to.contain("Verification: OK");
      });
    });

    describe("when the request has no nonce", function () {
      it("issues a token without one", async function () {
        const der = await query(fixture, "nononce.tsq", "-data", fixture.document, "-sha256", "-no_nonce", "-cert");
        save(fixture, "nononce.tsr", await fixture.tsa.issueTimeStamp(der));
        const { output } = await ts(fixture, "-reply", "-in", "nononce.tsr", "-text");
        expect(output).to.contain("Nonce: unspecified");
        const verified = await ts(
          fixture,
          "-verify",
          "-data",
          fixture.document,
          "-in",
          "nononce.tsr",
          "-CAfile",
          fixture.caFile,
        );
        expect(verified.output).to.contain("Verification: OK");
      });
    });

    describe("when the request names our policy", function () {
      it("grants it", async function () {
        const der = await query(
          fixture,
          "policy.tsq",
          "-data",
          fixture.document,
          "-sha256",
          "-tspolicy",
          DOCPROOF_TSA_POLICY,
        );
        const issue = await fixture.tsa.issueTimeStamp(der);
        save(fixture, "policy.tsr", issue);
        expect(issue.granted).to.not.equal(undefined);
        const verified = await ts(
          fixture,
          "-verify",
          "-queryfile",
          "policy.tsq",
          "-in",
          "policy.tsr",
          "-CAfile",
          fixture.caFile,
          "-untrusted",
          fixture.certFile,
        );
        expect(verified.output).to.contain("Verification: OK");
      });
    });

    it("gives each token its own serial number", async function () {
      const der = await query(fixture, "serial.tsq", "-data", fixture.document, "-sha256");
      const serials = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const name = save(fixture, `serial-${i}.tsr`, await fixture.tsa.issueTimeStamp(der));
        const { output } = await ts(fixture, "-reply", "-in", name, "-text");
        serials.add(/Serial number: (0x[0-9A-F]+)/.exec(output)?.[1] ?? output);
      }
      expect(serials.size).to.equal(5);
    });

    describe("when the request cannot be granted", function () {
      const cases: { title: string; failure: string; openssl: string; request: (f: Fixture) => Promise<Uint8Array> }[] =
        [
          {
            title: "a SHA-1 imprint",
            failure: "badAlg",
            openssl: "unrecognized or unsupported algorithm identifier",
            request: (f) => query(f, "sha1.tsq", "-data", f.document, "-sha1"),
          },
          {
            title: "a SHA-512 imprint",
            failure: "badAlg",
            openssl: "unrecognized or unsupported algorithm identifier",
            request: (f) => query(f, "sha512.tsq", "-data", f.document, "-sha512"),
          },
          {
            title: "request version 2",
            failure: "badRequest",
            openssl: "transaction not permitted or supported",
            request: async () => requestDer({ version: 2 }),
          },
          {
            title: "the SHA-256 of empty content",
            failure: "badRequest",
            openssl: "transaction not permitted or supported",
            request: async (f) => {
              writeFileSync(path.join(f.dir, "empty.txt"), "");
              return query(f, "empty.tsq", "-data", "empty.txt", "-sha256");
            },
          },
          {
            title: "bytes that are not DER",
            failure: "badDataFormat",
            openssl: "the data submitted has the wrong format",
            request: async () => new TextEncoder().encode("this is not a time-stamp request"),
          },
          {
            title: "a truncated request",
            failure: "badDataFormat",
            openssl: "the data submitted has the wrong format",
            request: async (f) => (await query(f, "cut.tsq", "-data", f.document, "-sha256")).subarray(0, 30),
          },
          {
            title: "an empty body",
            failure: "badDataFormat",
            openssl: "the data submitted has the wrong format",
            request: async () => new Uint8Array(0),
          },
          {
            title: "a SHA-256 imprint of 20 bytes",
            failure: "badDataFormat",
            openssl: "the data submitted has the wrong format",
            request: async () => requestDer({}, new Uint8Array(20)),
          },
          {
            title: "a policy we do not serve",
            failure: "unacceptedPolicy",
            openssl: "the requested TSA policy is not supported by the TSA",
            request: (f) => query(f, "otherpolicy.tsq", "-data", f.document, "-sha256", "-tspolicy", "1.2.3.4.5"),
          },
          {
            title: "a request extension",
            failure: "unacceptedExtension",
            openssl: "the requested extension is not supported by the TSA",
            request: async () =>
              requestDer({
                extensions: [new pkijs.Extension({ extnID: "1.2.3.4.6", extnValue: new asn1js.Null().toBER() })],
              }),
          },
        ];
      for (const { title, failure, openssl, request } of cases) {
        it(`answers ${failure} to ${title}`, async function () {
          const issue = await fixture.tsa.issueTimeStamp(await request(fixture));
          expect(issue.granted).to.equal(undefined);
          expect(issue.rejected?.failure).to.equal(failure);
          const name = save(fixture, `${title.replace(/\W+/g, "-")}.tsr`, issue);
          const { code, output } = await ts(fixture, "-reply", "-in", name, "-text");
          expect(code, output).to.equal(0);
          expect(output).to.contain("Status: Rejected.");
          expect(output).to.contain(`Failure info: ${openssl}`);
          // openssl escapes what is not ASCII (the ellipsis of a digest shortened in words).
          expect(output).to.contain(issue.rejected!.reason.split("…")[0]);
        });
      }

      it("answers systemFailure when its certificate is not valid at the clock's time", async function () {
        const expired = TimeStampAuthority.create({
          credentials: fixture.credentials,
          serials: new CounterSerialSource(),
          anchoring: ANCHORING,
          clock: () => new Date("2200-01-01T00:00:00Z"),
        });
        const issue = await expired.issueTimeStamp(requestDer({}));
        expect(issue.rejected?.failure).to.equal("systemFailure");
        const { output } = await ts(fixture, "-reply", "-in", save(fixture, "expired.tsr", issue), "-text");
        expect(output).to.contain("Failure info: the request cannot be handled due to system failure");
      });

      it("answers systemFailure, giving the reason, when its clock cannot be trusted", async function () {
        const distrusted = TimeStampAuthority.create({
          credentials: fixture.credentials,
          serials: new CounterSerialSource(),
          anchoring: ANCHORING,
          clock: () => {
            throw new Error("the chain's newest block is an hour ahead");
          },
        });
        const issue = await distrusted.issueTimeStamp(requestDer({}));
        expect(issue.rejected).to.deep.include({
          failure: "systemFailure",
          reason: "the TSA's time cannot be trusted now: the chain's newest block is an hour ahead",
        });
        const { output } = await ts(fixture, "-reply", "-in", save(fixture, "distrusted.tsr", issue), "-text");
        expect(output).to.contain("Failure info: the request cannot be handled due to system failure");
        expect(output).to.contain(issue.rejected!.reason);
      });

      it("answers systemFailure, with the cause, when the serial source gives a non-positive number", async function () {
        const zero: SerialSource = { next: () => 0n };
        const broken = TimeStampAuthority.create({
          credentials: fixture.credentials,
          serials: zero,
          anchoring: ANCHORING,
        });
        const issue = await broken.issueTimeStamp(requestDer({}));
        expect(issue.rejected?.failure).to.equal("systemFailure");
        expect(String(issue.rejected?.cause)).to.contain("positive");
      });
    });
  });

  describe("create", function () {
    it("refuses a policy that is not a dotted OID", function () {
      expect(() =>
        TimeStampAuthority.create({
          credentials: fixture.credentials,
          serials: new CounterSerialSource(),
          anchoring: ANCHORING,
          policy: "docproof",
        }),
      ).to.throw(RangeError, /dotted OID/);
    });

    it("refuses an anchoring hint that is not a chain id and an address", function () {
      for (const anchoring of [
        { chainId: 0, registry: ANCHORING.registry },
        { chainId: 1, registry: "0x1234" },
      ]) {
        expect(() =>
          TimeStampAuthority.create({
            credentials: fixture.credentials,
            serials: new CounterSerialSource(),
            anchoring,
          }),
        ).to.throw(RangeError);
      }
    });
  });
});
