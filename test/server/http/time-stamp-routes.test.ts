import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import request from "supertest";
import { DOCPROOF_TSA_POLICY } from "../../../server/timestamp/oids";
import { buildTimeStampQuery } from "../../../server/timestamp/time-stamp-query";
import { isTimestampError } from "../../../server/timestamp/errors";
import {
  certificatesFromFile,
  decodeTimeStampReply,
  readTimeStampToken,
  verifyTimeStampToken,
} from "../../../server/timestamp/token-verification";
import { ensureLocalTsa } from "../../../server/tsa/tsa-credentials";
import type { Sha256Hex } from "../../../server/proof/digest";
import { poll, run } from "../../support/processes";
import { tempDir } from "../../support/unit-fixtures";
import { InProcessHardhatChain, openTestService, TestChain, type ServiceHarness } from "../service-fixture";

const sha256 = (content: Buffer | string) => createHash("sha256").update(content).digest("hex") as Sha256Hex;
const API_KEY = "tsa-test-api-key-0123456789";

/** The real service on a loopback port, started (anchoring, clock check), as RFC 3161 clients reach it. */
async function listening(harness: ServiceHarness): Promise<{ server: Server; base: string }> {
  harness.service.start();
  const server = harness.service.app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function stop(server: Server | undefined, harness: ServiceHarness | undefined) {
  server?.closeAllConnections();
  server?.close();
  await harness?.close();
}

/** supertest's parser for a binary answer: the body as a Buffer. */
function binary(res: request.Response, done: (error: Error | null, body: Buffer) => void) {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  stream.on("end", () => done(null, Buffer.concat(chunks)));
}

/** POSTs a DER query and decodes the reply. */
async function timeStamp(base: string, query: Uint8Array, route = "/tsa", headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${route}`, {
    method: "POST",
    headers: { "content-type": "application/timestamp-query", ...headers },
    body: query,
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { response, bytes };
}

describe("the Time-Stamp Authority over HTTP", function () {
  this.timeout(180_000);

  describe("with openssl, curl and jarsigner against the service", function () {
    const chain = new TestChain();
    const scratch = tempDir("docproof-tsa-http-");
    let harness: ServiceHarness;
    let server: Server;
    let base: string;
    let caFile: string;
    const chainFile = path.join(scratch.dir, "tsa-chain.pem");

    /** A command in the scratch folder; its exit code and everything it printed. */
    const sh = (command: string, ...args: string[]) =>
      run("sh", ["-c", `cd "${scratch.dir}" && exec "$@" 2>&1`, command, command, ...args]);

    before(async function () {
      await chain.start();
      harness = await openTestService(chain, { batchIntervalMs: 200 });
      ({ server, base } = await listening(harness));
      caFile = path.join(harness.dataDir, "tsa", "ca.pem");
      const fetched = await sh("curl", "-sS", "-f", "-o", chainFile, `${base}/tsa/certificate`);
      expect(fetched.code, fetched.output).to.equal(0);
    });

    after(async function () {
      await stop(server, harness);
      await chain.stop();
      scratch.remove();
    });

    it("grants a token for `openssl ts -query` sent with curl, which `openssl ts -verify` accepts", async function () {
      const content = randomBytes(5000);
      writeFileSync(path.join(scratch.dir, "contract.pdf"), content);
      const query = await sh("openssl", "ts", "-query", "-data", "contract.pdf", "-sha256", "-cert", "-out", "c.tsq");
      expect(query.code, query.output).to.equal(0);

      const sent = await sh(
        "curl",
        ...["-sS", "-f", "-D", "headers.txt", "-o", "contract.tsr"],
        ...["-H", "Content-Type: application/timestamp-query", "--data-binary", "@c.tsq", `${base}/tsa`],
      );
      expect(sent.code, sent.output).to.equal(0);
      expect(readFileSync(path.join(scratch.dir, "headers.txt"), "utf8")).to.match(
        /^content-type: application\/timestamp-reply\r?$/im,
      );
      // The imprint was queued before the reply left: the document is known at once.
      const known = await request(harness.service.app)
        .get(`/api/v1/documents/${sha256(content)}`)
        .expect(200);
      expect(known.body.status).to.be.oneOf(["pending", "anchored"]);

      const text = await sh("openssl", "ts", "-reply", "-in", "contract.tsr", "-text");
      expect(text.code, text.output).to.equal(0);
      expect(text.output).to.include("Status: Granted.");
      expect(text.output).to.include(`Policy OID: ${DOCPROOF_TSA_POLICY}`);
      expect(text.output).to.include(`Message data:`);
      expect(text.output).to.match(/Accuracy: (0x)?0?1 seconds/);
      expect(text.output).to.include(harness.registryAddress);

      const verified = await sh(
        "openssl",
        ...["ts", "-verify", "-data", "contract.pdf", "-in", "contract.tsr"],
        ...["-CAfile", caFile, "-untrusted", chainFile],
      );
      expect(verified.output).to.include("Verification: OK");
      expect(verified.code).to.equal(0);

      writeFileSync(path.join(scratch.dir, "contract-modified.pdf"), Buffer.concat([content, Buffer.from("!")]));
      const modified = await sh(
        "openssl",
        ...["ts", "-verify", "-data", "contract-modified.pdf", "-in", "contract.tsr"],
        ...["-CAfile", caFile, "-untrusted", chainFile],
      );
      expect(modified.output).to.include("Verification: FAILED");
      expect(modified.output).to.include("message imprint mismatch");
      expect(modified.code).to.not.equal(0);
    });

    it("keeps each token it sent and anchors its imprint like a notarized document", async function () {
      const content = randomBytes(700);
      const digest = sha256(content);
      const { response, bytes } = await timeStamp(base, buildTimeStampQuery(digest).der);
      expect(response.status).to.equal(200);
      const info = readTimeStampToken(bytes);

      const kept = harness.service.store.timeStamps.timeStampsOf(digest);
      expect(kept).to.have.length(1);
      expect(kept[0].serial).to.equal(info.serial);
      expect(kept[0].genTime.getTime()).to.equal(info.genTime.getTime());
      expect(Buffer.from(kept[0].reply).equals(Buffer.from(bytes))).to.equal(true);

      const anchored = await poll("the imprint to be anchored", async () => {
        const { body } = await request(harness.service.app).get(`/api/v1/documents/${digest}`).expect(200);
        return body.status === "anchored" ? body : undefined;
      });
      expect(anchored.receipt.sha256).to.equal(digest);
      const verdict = await request(harness.service.app).post("/api/v1/verify").send({ sha256: digest }).expect(200);
      expect(verdict.body).to.include({ valid: true, status: "anchored" });
    });

    it("gives every token a positive serial of its own", async function () {
      const serials = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const { bytes } = await timeStamp(base, buildTimeStampQuery(sha256(randomBytes(32))).der, "/api/v1/tsa");
          return readTimeStampToken(bytes).serial;
        }),
      );
      expect(new Set(serials).size).to.equal(20);
      for (const serial of serials) expect(serial > 0n).to.equal(true);
    });

    it("serves its certificate chain, TSA first, for `-untrusted`", async function () {
      const response = await request(harness.service.app).get("/api/v1/tsa/certificate").expect(200);
      expect(response.type).to.equal("application/pem-certificate-chain");
      expect(response.text.match(/-----BEGIN CERTIFICATE-----/g)).to.have.length(2);
      expect(response.text).to.equal(readFileSync(chainFile, "utf8"));
      const purpose = await sh("openssl", "x509", "-in", chainFile, "-noout", "-subject", "-ext", "extendedKeyUsage");
      expect(purpose.output).to.include("CN = Docproof local TSA");
      expect(purpose.output).to.match(/Extended Key Usage: critical\s+Time Stamping/);
      expect(readFileSync(caFile, "utf8")).to.include(response.text.split("-----END CERTIFICATE-----\n")[1].trim());
    });

    it("is the TSA of `jarsigner -tsa`, and jarsigner -verify accepts the timestamp", async function () {
      const java = async (tool: string, ...args: string[]) => {
        const result = await sh(`/usr/bin/${tool}`, ...args);
        expect(result.code, `${tool} ${args.join(" ")}\n${result.output}`).to.equal(0);
        return result.output;
      };
      const store = ["-keystore", "keys.p12", "-storetype", "PKCS12", "-storepass", "changeit-test"];
      writeFileSync(path.join(scratch.dir, "Hello.txt"), "hello from a signed jar\n");
      await java("jar", "cf", "app.jar", "Hello.txt");
      await java(
        "keytool",
        ...["-genkeypair", ...store, "-alias", "signer", "-keyalg", "EC", "-groupname", "secp256r1"],
        ...["-dname", "CN=Jar Signer, O=Test", "-validity", "2"],
      );
      await java("keytool", "-importcert", "-noprompt", ...store, "-alias", "docproof-tsa-ca", "-file", caFile);
      const tokensBefore = harness.service.store.timeStamps.count();

      const signed = await java(
        "jarsigner",
        ...store,
        "-tsa",
        `${base}/tsa`,
        "-signedjar",
        "signed.jar",
        "app.jar",
        "signer",
      );
      expect(signed).to.contain("jar signed.");
      expect(harness.service.store.timeStamps.count()).to.equal(tokensBefore + 1);

      const verified = await java("jarsigner", "-verify", "-verbose", "-certs", "-strict", ...store, "signed.jar");
      expect(verified).to.contain("jar verified.");
      expect(verified).to.match(/Timestamped by "CN=Docproof local TSA, O=Docproof" on /);
      expect(verified).to.not.match(/timestamp.*(not|in)valid/i);
    });

    it("answers RFC 3161 rejections as replies that openssl reads", async function () {
      writeFileSync(path.join(scratch.dir, "other.txt"), "another document\n");
      const query = await sh("openssl", "ts", "-query", "-data", "other.txt", "-sha512", "-out", "sha512.tsq");
      expect(query.code, query.output).to.equal(0);
      const { response, bytes } = await timeStamp(base, readFileSync(path.join(scratch.dir, "sha512.tsq")));
      expect(response.status).to.equal(200);
      expect(response.headers.get("content-type")).to.equal("application/timestamp-reply");
      writeFileSync(path.join(scratch.dir, "sha512.tsr"), bytes);
      const text = await sh("openssl", "ts", "-reply", "-in", "sha512.tsr", "-text");
      expect(text.output).to.include("Status: Rejected.");
      expect(text.output).to.include("unrecognized or unsupported algorithm identifier");
      expect(decodeTimeStampReply(bytes).failure).to.deep.equal(["badAlg"]);
    });
  });

  describe("when the service clock and the chain disagree", function () {
    const chain = new TestChain();
    let harness: ServiceHarness;
    let server: Server;
    let base: string;
    const logs = () => harness.logs.map((line) => JSON.parse(line) as { level: string; message: string });
    const rpc = (method: string, params: unknown[] = []) =>
      fetch(chain.rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      }).then((response) => response.json());

    before(async function () {
      await chain.start();
      harness = await openTestService(chain, { tsa: { accuracyMs: 2_000 } });
      ({ server, base } = await listening(harness));
    });

    after(async function () {
      await stop(server, harness);
      await chain.stop();
    });

    it("issues while they agree, refuses with systemFailure and a log line once a new block is an hour ahead", async function () {
      // Blocks until one arrives after the clock check's first look at the head.
      await poll(
        "a new block compared with the clock",
        async () => {
          await rpc("evm_mine");
          return harness.service.clock.latest;
        },
        60_000,
        700,
      );

      expect(harness.service.clock.latest?.agrees).to.equal(true);
      const agreed = await timeStamp(base, buildTimeStampQuery(sha256(randomBytes(16))).der);
      expect(decodeTimeStampReply(agreed.bytes).statusName).to.equal("granted");

      await rpc("evm_increaseTime", [3600]);
      await rpc("evm_mine");
      await poll("the hour-ahead block to be compared", async () =>
        harness.service.clock.latest?.agrees === false ? true : undefined,
      );

      const documentsBefore = harness.service.store.stats().documents;
      const refused = await timeStamp(base, buildTimeStampQuery(sha256(randomBytes(16))).der);
      expect(refused.response.status).to.equal(200);
      expect(refused.response.headers.get("retry-after")).to.equal("5");
      const reply = decodeTimeStampReply(refused.bytes);
      expect(reply).to.deep.include({ statusName: "rejection", failure: ["systemFailure"] });
      expect(reply.text).to.match(
        /time cannot be trusted now: block \d+'s time is 3\d{3}\.\d s ahead of the service clock/,
      );
      expect(harness.service.store.stats().documents).to.equal(documentsBefore);
      expect(logs().some((l) => l.level === "error" && /time-stamping is refused until they agree/.test(l.message))).to
        .be.true;
      expect(logs().some((l) => l.level === "warn" && l.message === "time-stamp refused: systemFailure")).to.be.true;
    });
  });

  describe("access", function () {
    const chain = new InProcessHardhatChain();
    let harness: ServiceHarness | undefined;
    const query = () => Buffer.from(buildTimeStampQuery(sha256(randomBytes(16))).der);
    const postQuery = (route = "/tsa") =>
      request(harness!.service.app)
        .post(route)
        .set("content-type", "application/timestamp-query")
        .buffer(true)
        .parse(binary)
        .send(query());

    before(async function () {
      await chain.start();
    });

    afterEach(async function () {
      await harness?.close();
      harness = undefined;
    });

    it("is open to RFC 3161 clients when API keys are set, unless TSA_REQUIRES_KEY is", async function () {
      harness = await openTestService(chain, { apiKeys: [API_KEY] });
      const open = await postQuery().expect(200);
      expect(decodeTimeStampReply(open.body).statusName).to.equal("granted");
      await harness.close();

      harness = await openTestService(chain, { apiKeys: [API_KEY], tsa: { requiresKey: true } });
      const refused = await postQuery().expect(401);
      expect(refused.type).to.equal("application/problem+json");
      expect(refused.headers["www-authenticate"]).to.equal('Bearer realm="docproof"');
      const keyed = await postQuery().set("authorization", `Bearer ${API_KEY}`).expect(200);
      expect(decodeTimeStampReply(keyed.body).statusName).to.equal("granted");
    });

    it("signs with the operator's key and certificate (TSA_KEY_FILE, TSA_CERT_FILE), making no local CA", async function () {
      const operator = tempDir("docproof-tsa-operator-");
      try {
        const files = await ensureLocalTsa(path.join(operator.dir, "issued"), { organisation: "Bank A" });
        harness = await openTestService(chain, { tsa: { keyFile: files.keyFile, certFile: files.certFile } });
        const granted = await postQuery().expect(200);
        const verification = await verifyTimeStampToken(granted.body, {
          trustAnchors: certificatesFromFile(readFileSync(files.caFile)),
        });
        expect(verification.valid).to.equal(true);
        expect(verification.signer).to.equal("O=Bank A, CN=Bank A local TSA");
        expect(existsSync(path.join(harness.dataDir, "tsa"))).to.equal(false);
        expect(harness.service.tsa).to.deep.include({ certFile: files.certFile, caFile: undefined, created: false });
      } finally {
        operator.remove();
      }
    });

    it("does not start with a certificate unfit for time-stamping, and says why", async function () {
      const operator = tempDir("docproof-tsa-operator-");
      try {
        const made = await run("openssl", [
          ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
          ...["-keyout", path.join(operator.dir, "key.pem"), "-out", path.join(operator.dir, "cert.pem")],
          ...["-subj", "/CN=Not a TSA", "-days", "1"],
        ]);
        expect(made.code, made.output).to.equal(0);
        const failure = await openTestService(chain, {
          dataDir: path.join(operator.dir, "data"),
          tsa: { keyFile: path.join(operator.dir, "key.pem"), certFile: path.join(operator.dir, "cert.pem") },
        }).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(isTimestampError(failure, "tsa-credentials-invalid"), String(failure)).to.equal(true);
        expect((failure as Error).message).to.include("lacks a critical extendedKeyUsage");
      } finally {
        operator.remove();
      }
    });

    it("counts time-stamps against the same writes limit as notarizations", async function () {
      harness = await openTestService(chain, {
        protection: { rateLimits: { windowMs: 60_000, writes: 2, reads: 0 } },
      });
      await postQuery().expect(200);
      await request(harness.service.app)
        .post("/api/v1/documents")
        .send({ sha256: sha256(randomBytes(8)) })
        .expect(202);
      const limited = await postQuery("/api/v1/tsa").expect(429);
      expect(JSON.parse(limited.body.toString()).type).to.equal("urn:docproof:problem:rate-limited");
    });
  });
});
