import { expect } from "chai";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { createHash, webcrypto } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Sha256Hex } from "../../../server/proof/digest";
import { isTimestampError } from "../../../server/timestamp/errors";
import { DOCPROOF_ANCHORING_EXTENSION, DOCPROOF_TSA_POLICY, OID } from "../../../server/timestamp/oids";
import { CounterSerialSource } from "../../../server/timestamp/serial-source";
import { TimeStampAuthority, type TsaCredentials } from "../../../server/timestamp/time-stamp-authority";
import {
  certificatesFromFile,
  readTimeStampToken,
  verifyTimeStampToken,
  type TokenCheckName,
  type TokenVerification,
} from "../../../server/timestamp/token-verification";
import { ensureLocalTsa, loadTsaCredentials, type LocalTsaFiles } from "../../../server/tsa/tsa-credentials";
import { createOpensslTsa, openssl, type OpensslTsa } from "../../support/openssl-tsa";
import { run } from "../../support/processes";

const ANCHORING = { chainId: 1337, registry: "0x00000000000000000000000000000000000000aA" };

function outcome(verification: TokenVerification, name: TokenCheckName): string {
  const check = verification.checks.find((c) => c.name === name);
  return `${check?.outcome}: ${check?.detail}`;
}

function failedChecks(verification: TokenVerification): TokenCheckName[] {
  return verification.checks.filter((c) => c.outcome === "failed").map((c) => c.name);
}

describe("verifyTimeStampToken", function () {
  let dir: string;
  let local: LocalTsaFiles;
  let credentials: TsaCredentials;
  let outside: OpensslTsa;
  let sha256: Sha256Hex;
  let caAnchors: Uint8Array[];
  /** Our token with the certificate, its query made by openssl for contract.txt. */
  let withCert: Uint8Array;
  let withoutCert: Uint8Array;
  let serial: bigint;
  let genTime: Date;

  async function issue(args: string[], tsa = authority(credentials)): Promise<Uint8Array> {
    openssl(["ts", "-query", "-data", "contract.txt", "-sha256", ...args, "-out", "q.tsq"], dir);
    const result = await tsa.issueTimeStamp(readFileSync(path.join(dir, "q.tsq")));
    if (result.granted) ({ serial, genTime } = result.granted);
    return result.response;
  }

  function authority(tsaCredentials: TsaCredentials): TimeStampAuthority {
    return TimeStampAuthority.create({
      credentials: tsaCredentials,
      serials: new CounterSerialSource(77n),
      anchoring: ANCHORING,
      accuracy: { millis: 250 },
    });
  }

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "docproof-token-"));
    local = await ensureLocalTsa(path.join(dir, "tsa"));
    credentials = await loadTsaCredentials(local);
    outside = createOpensslTsa(dir);
    writeFileSync(path.join(dir, "contract.txt"), "The parties agree.\n");
    sha256 = createHash("sha256").update("The parties agree.\n").digest("hex") as Sha256Hex;
    caAnchors = certificatesFromFile(readFileSync(local.caFile));
    withoutCert = await issue([]);
    withCert = await issue(["-cert"]);
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  describe("when the token is sound", function () {
    it("passes every check against the CA, and reads what the token states", async function () {
      const verification = await verifyTimeStampToken(withCert, { sha256, trustAnchors: caAnchors });
      expect(failedChecks(verification)).to.deep.equal([]);
      expect(verification.checks.map((c) => c.outcome)).to.deep.equal(Array(8).fill("passed"));
      expect(verification).to.include({ valid: true, trust: "ca", signer: "O=Docproof, CN=Docproof local TSA" });
      expect(verification.info).to.deep.include({
        genTime,
        serial,
        policy: DOCPROOF_TSA_POLICY,
        sha256,
        accuracy: { seconds: 0, millis: 250, micros: 0 },
        ordering: false,
        tsaName: "O=Docproof, CN=Docproof local TSA",
        anchoring: ANCHORING,
        extensions: [DOCPROOF_ANCHORING_EXTENSION],
      });
      expect(verification.info.imprint).to.deep.equal({ algorithm: "SHA-256", digest: sha256 });
    });

    it("reads the nonce openssl put in the query", async function () {
      const text = openssl(["ts", "-query", "-in", "q.tsq", "-text"], dir);
      const nonce = BigInt(/Nonce: (0x[0-9A-F]+)/.exec(text)![1]);
      expect(readTimeStampToken(withCert).nonce).to.equal(nonce);
    });

    it("takes the bare token as well as the reply", async function () {
      writeFileSync(path.join(dir, "with-cert.tsr"), withCert);
      openssl(["ts", "-reply", "-in", "with-cert.tsr", "-token_out", "-out", "with-cert.tok"], dir);
      const verification = await verifyTimeStampToken(readFileSync(path.join(dir, "with-cert.tok")), {
        sha256,
        trustAnchors: caAnchors,
      });
      expect(verification.valid, JSON.stringify(verification.checks)).to.equal(true);
    });

    it("checks against the embedded certificate alone when no CA is given", async function () {
      const verification = await verifyTimeStampToken(withCert, { sha256 });
      expect(verification).to.include({ valid: true, trust: "embedded-certificate" });
      expect(outcome(verification, "certificate-chain")).to.match(/^skipped/);
    });

    it("needs the TSA certificate given when the token leaves it out", async function () {
      const without = await verifyTimeStampToken(withoutCert, { sha256, trustAnchors: caAnchors });
      expect(failedChecks(without)).to.include("signer-certificate");
      const given = await verifyTimeStampToken(withoutCert, {
        sha256,
        trustAnchors: caAnchors,
        certificates: certificatesFromFile(readFileSync(local.certFile)),
      });
      expect(given.valid, JSON.stringify(given.checks)).to.equal(true);
      expect(outcome(given, "signer-certificate")).to.contain("among those given");
    });

    it("accepts an RSA token from openssl ts -reply with signingCertificateV2 or v1", async function () {
      const outsideCa = certificatesFromFile(readFileSync(outside.caFile));
      for (const alg of ["sha256", "sha1"] as const) {
        const tsa = createOpensslTsa(mkdtempSync(path.join(dir, `openssl-${alg}-`)), { essCertIdAlg: alg });
        openssl(["ts", "-query", "-data", "contract.txt", "-sha256", "-cert", "-out", "o.tsq"], dir);
        const reply = await tsa.reply(readFileSync(path.join(dir, "o.tsq")));
        const anchors = certificatesFromFile(readFileSync(tsa.caFile));
        const verification = await verifyTimeStampToken(reply, { sha256, trustAnchors: anchors });
        expect(verification.valid, JSON.stringify(verification.checks)).to.equal(true);
        expect(outcome(verification, "signing-certificate")).to.contain(
          alg === "sha256" ? "signingCertificateV2" : "signingCertificate names",
        );
        expect(verification.info).to.deep.include({
          policy: tsa.policy,
          ordering: true,
          accuracy: { seconds: 1, millis: 500, micros: 100 },
          extensions: [],
        });
        expect(verification.info.anchoring).to.equal(undefined);
        // Another TSA's CA does not vouch for it.
        const foreign = await verifyTimeStampToken(reply, { sha256, trustAnchors: outsideCa });
        expect(failedChecks(foreign)).to.deep.equal(["certificate-chain"]);
      }
    });
  });

  describe("when something does not hold", function () {
    it("fails the imprint check for another document", async function () {
      const other = createHash("sha256").update("The parties disagree.\n").digest("hex") as Sha256Hex;
      const verification = await verifyTimeStampToken(withCert, { sha256: other, trustAnchors: caAnchors });
      expect(verification.valid).to.equal(false);
      expect(failedChecks(verification)).to.deep.equal(["imprint"]);
    });

    it("fails the chain check against a CA that did not issue the TSA certificate", async function () {
      const verification = await verifyTimeStampToken(withCert, {
        sha256,
        trustAnchors: certificatesFromFile(readFileSync(outside.caFile)),
      });
      expect(failedChecks(verification)).to.deep.equal(["certificate-chain"]);
    });

    it("fails the message-digest check when the TSTInfo was altered", async function () {
      const tampered = Buffer.from(withCert);
      const at = tampered.indexOf(Buffer.from(sha256, "hex"));
      expect(at).to.be.greaterThan(0);
      tampered[at] ^= 1;
      const verification = await verifyTimeStampToken(tampered, { trustAnchors: caAnchors });
      expect(failedChecks(verification)).to.deep.equal(["message-digest"]);
    });

    it("fails the signature check when the signature was altered", async function () {
      const tampered = Buffer.from(withCert);
      tampered[tampered.length - 1] ^= 1;
      const verification = await verifyTimeStampToken(tampered, { sha256, trustAnchors: caAnchors });
      expect(failedChecks(verification)).to.deep.equal(["signature"]);
    });

    it("fails the signing-certificate check when the ESS attribute names another certificate", async function () {
      const reply = new pkijs.TimeStampResp({ schema: asn1js.fromBER(withCert).result });
      const signedData = new pkijs.SignedData({ schema: reply.timeStampToken!.content });
      const attributes = signedData.signerInfos[0].signedAttrs!.attributes;
      const ess = attributes.find((a) => a.type === OID.signingCertificateV2)!;
      const certHash = (ess.values[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
      const hash = ((certHash.valueBlock.value[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.OctetString)
        .valueBlock;
      hash.valueHexView = createHash("sha256").update(caAnchors[0]).digest();
      // Re-signed with the TSA's own key: only the binding is wrong.
      signedData.signerInfos[0].signedAttrs = new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes });
      await signedData.sign(credentials.privateKey, 0, "SHA-256");
      const resigned = new pkijs.TimeStampResp({
        status: reply.status,
        timeStampToken: new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) }),
      });
      const bytes = new Uint8Array(resigned.toSchema().toBER());
      const verification = await verifyTimeStampToken(bytes, { sha256, trustAnchors: caAnchors });
      expect(failedChecks(verification)).to.deep.equal(["signing-certificate"]);
      writeFileSync(path.join(dir, "other-ess.tsr"), bytes);
      const judged = await run("openssl", [
        "ts",
        "-verify",
        "-data",
        path.join(dir, "contract.txt"),
        "-in",
        path.join(dir, "other-ess.tsr"),
        "-CAfile",
        local.caFile,
      ]);
      expect(judged.output).to.contain("Verification: FAILED");
    });

    it("fails the tsa-certificate check for a certificate without the time-stamping purpose", async function () {
      openssl(
        [
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-nodes",
          "-keyout",
          "plain.key",
          "-out",
          "plain.pem",
          "-days",
          "2",
          "-subj",
          "/CN=Not a TSA",
        ],
        dir,
      );
      const pkcs8 = openssl(["pkcs8", "-topk8", "-nocrypt", "-in", "plain.key", "-outform", "PEM"], dir);
      const der = Buffer.from(pkcs8.replace(/-----[^-]+-----|\s/g, ""), "base64");
      const privateKey = await webcrypto.subtle.importKey("pkcs8", der, { name: "ECDSA", namedCurve: "P-256" }, false, [
        "sign",
      ]);
      const certificates = certificatesFromFile(readFileSync(path.join(dir, "plain.pem")));
      const token = await issue(["-cert"], authority({ privateKey, certificates }));
      const verification = await verifyTimeStampToken(token, { sha256, trustAnchors: certificates });
      expect(failedChecks(verification)).to.deep.equal(["tsa-certificate"]);
      writeFileSync(path.join(dir, "plain.tsr"), token);
      const judged = await run("openssl", [
        "ts",
        "-verify",
        "-data",
        path.join(dir, "contract.txt"),
        "-in",
        path.join(dir, "plain.tsr"),
        "-CAfile",
        path.join(dir, "plain.pem"),
      ]);
      expect(judged.output).to.contain("Verification: FAILED");
    });

    it("answers token-malformed for bytes that are no token, and for a rejection", async function () {
      const rejection = (await authority(credentials).issueTimeStamp(new Uint8Array([1, 2, 3]))).response;
      for (const [bytes, message] of [
        [new TextEncoder().encode("not a token"), /not DER/],
        [withCert.subarray(0, 100), /not DER/],
        [rejection, /holds no token \(rejection, badDataFormat/],
      ] as const) {
        const error = await verifyTimeStampToken(bytes).catch((e: unknown) => e);
        expect(isTimestampError(error, "token-malformed"), String(error)).to.equal(true);
        expect((error as Error).message).to.match(message);
      }
    });
  });

  describe("decodeCertificates", function () {
    it("answers certificate-malformed for bytes that are no certificate", async function () {
      const error = await verifyTimeStampToken(withCert, { trustAnchors: [new Uint8Array([0x30, 0])] }).catch(
        (e: unknown) => e,
      );
      expect(isTimestampError(error, "certificate-malformed"), String(error)).to.equal(true);
    });
  });

  describe("certificatesFromFile", function () {
    it("reads every certificate of a PEM file, and a DER file as one", function () {
      const pem = certificatesFromFile(readFileSync(local.certFile));
      expect(pem).to.have.length(2);
      expect(certificatesFromFile(pem[1])).to.deep.equal([pem[1]]);
      expect(Buffer.from(pem[1]).equals(Buffer.from(caAnchors[0]))).to.equal(true);
    });
  });
});
