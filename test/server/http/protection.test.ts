import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import request from "supertest";
import { fingerprint } from "../../../server/http/auth";
import { InProcessHardhatChain, openTestService, type ServiceHarness } from "../service-fixture";

const randomSha = () => randomBytes(32).toString("hex");
const newKey = () => `k-${randomBytes(24).toString("hex")}`;

describe("HTTP protection", function () {
  this.timeout(60_000);
  const chain = new InProcessHardhatChain();
  before(async () => {
    await chain.start();
  });

  describe("API keys from API_KEYS_FILE", function () {
    const dir = mkdtempSync(path.join(tmpdir(), "docproof-keys-"));
    const file = path.join(dir, "api-keys");
    const [first, second, hashedOnly] = [newKey(), newKey(), newKey()];
    let harness: ServiceHarness;

    before(async () => {
      writeFileSync(
        file,
        `# operators' keys\n${first}\n\n${second}\nsha256:${fingerprint(hashedOnly).toString("hex")}\n`,
      );
      harness = await openTestService(chain, { protection: { apiKeysFile: file, apiKeysRecheckMs: 0 } });
    });
    after(async () => {
      await harness.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const notarize = (key?: string) => {
      const req = request(harness.service.app).post("/api/v1/documents");
      if (key !== undefined) req.set("authorization", `Bearer ${key}`);
      return req.send({ sha256: randomSha() });
    };

    it("tells the page and clients that a key is required", async function () {
      const info = await request(harness.service.app).get("/api/v1/info").expect(200);
      expect(info.body.apiKeyRequired).to.equal(true);
    });

    it("accepts every key in the file, plain or as its SHA-256", async function () {
      await notarize(first).expect(202);
      await notarize(second).expect(202);
      await notarize(hashedOnly).expect(202);
    });

    it("revokes a key removed from the file without a restart, answering 401 with a Bearer challenge", async function () {
      await notarize(second).expect(202);
      writeFileSync(file, `${first}\nsha256:${fingerprint(hashedOnly).toString("hex")}\n# ${"removed"}\n`);
      const response = await notarize(second);
      expect(response.status).to.equal(401);
      expect(response.type).to.equal("application/problem+json");
      expect(response.body.type).to.equal("urn:docproof:problem:unauthorized");
      expect(response.headers["www-authenticate"]).to.match(/^Bearer /);
      await notarize(first).expect(202);
    });

    it("accepts a key added to the file", async function () {
      const added = newKey();
      await notarize(added).expect(401);
      writeFileSync(file, `${first}\n${added}\n`);
      await notarize(added).expect(202);
    });

    it("fails closed when the file disappears or stops parsing, and recovers when it is fixed", async function () {
      rmSync(file);
      await notarize(first).expect(401);
      writeFileSync(file, `${first}\nshort\n`);
      await notarize(first).expect(401);
      writeFileSync(file, `${first}\n`);
      await notarize(first).expect(202);
      const all = harness.logs.join("\n");
      expect(all).to.include("API keys file is unusable");
      for (const key of [first, second, hashedOnly]) expect(all).to.not.include(key);
    });

    it("answers 401 without a key, and keeps reads public", async function () {
      await notarize().expect(401);
      const digest = randomSha();
      await request(harness.service.app).get(`/api/v1/documents/${digest}`).expect(404);
      await request(harness.service.app).post("/api/v1/verify").send({ sha256: digest }).expect(200);
      await request(harness.service.app).get("/healthz").expect(200);
    });

    it("refuses to start with a keys file that cannot be read or parsed", async function () {
      const bad = path.join(dir, "bad-keys");
      writeFileSync(bad, "too-short\n");
      let failure: Error | undefined;
      try {
        await openTestService(chain, { dataDir: path.join(dir, "store-a"), protection: { apiKeysFile: bad } });
      } catch (error) {
        failure = error as Error;
      }
      expect(failure?.message).to.match(/bad-keys line 1: expected a key of at least 16 characters/);
      expect(failure?.message).to.not.include("too-short");
      let missing: Error | undefined;
      try {
        await openTestService(chain, {
          dataDir: path.join(dir, "store-b"),
          protection: { apiKeysFile: path.join(dir, "absent") },
        });
      } catch (error) {
        missing = error as Error;
      }
      expect(missing?.message).to.match(/API_KEYS_FILE .*absent cannot be read/);
    });
  });

  describe("rate limits", function () {
    const [keyA, keyB] = [newKey(), newKey()];
    let harness: ServiceHarness;

    beforeEach(async () => {
      harness = await openTestService(chain, {
        apiKeys: [keyA, keyB],
        protection: { rateLimits: { windowMs: 60_000, writes: 3, reads: 5 } },
      });
    });
    afterEach(async () => {
      await harness.close();
    });

    const notarize = (key?: string) => {
      const req = request(harness.service.app).post("/api/v1/documents");
      if (key !== undefined) req.set("authorization", `Bearer ${key}`);
      return req.send({ sha256: randomSha() });
    };

    it("answers 429 problem+json with Retry-After and RateLimit headers past the write limit", async function () {
      for (let i = 0; i < 3; i++) {
        const ok = await notarize(keyA).expect(202);
        expect(ok.headers.ratelimit).to.match(new RegExp(`^"writes"; r=${2 - i}; t=\\d+$`));
        expect(ok.headers["ratelimit-policy"]).to.match(/^"writes"; q=3; w=60; pk=:[A-Za-z0-9+/=]+:$/);
      }
      const before = harness.service.store.stats();
      const limited = await notarize(keyA);
      expect(limited.status).to.equal(429);
      expect(limited.type).to.equal("application/problem+json");
      expect(limited.body.type).to.equal("urn:docproof:problem:rate-limited");
      expect(Number(limited.headers["retry-after"])).to.be.within(1, 60);
      expect(limited.headers.ratelimit).to.match(/^"writes"; r=0; t=\d+$/);
      expect(harness.service.store.stats()).to.deep.equal(before);
    });

    it("counts each API key on its own, each in a partition of its own", async function () {
      const partition = (answer: { headers: Record<string, string> }) =>
        /pk=(:[A-Za-z0-9+/=]+:)$/.exec(answer.headers["ratelimit-policy"])?.[1];
      const partitionsOfA = new Set<string | undefined>();
      for (let i = 0; i < 3; i++) partitionsOfA.add(partition(await notarize(keyA).expect(202)));
      const limited = await notarize(keyA).expect(429);
      partitionsOfA.add(partition(limited));
      const ofB = partition(await notarize(keyB).expect(202));
      expect(partitionsOfA.size).to.equal(1);
      expect([...partitionsOfA][0]).to.be.a("string");
      expect(ofB)
        .to.be.a("string")
        .and.not.equal([...partitionsOfA][0]);
      expect(limited.headers["ratelimit-policy"]).to.match(/^"writes"; q=3; w=60; pk=:[A-Za-z0-9+/=]+:$/);
    });

    it("counts requests without a valid key by address, so guessing keys is limited too", async function () {
      for (let i = 0; i < 3; i++) await notarize(`${keyA}-guess-${i}`).expect(401);
      await notarize("wrong-but-long-enough").expect(429);
      await notarize(keyA).expect(202);
    });

    it("limits reads separately from writes, and leaves health checks alone", async function () {
      for (let i = 0; i < 3; i++) await notarize(keyA).expect(202);
      await notarize(keyA).expect(429);
      const digest = randomSha();
      const reads = [
        () => request(harness.service.app).get(`/api/v1/documents/${digest}`),
        () => request(harness.service.app).get(`/api/v1/documents/${digest}/receipt`),
        () => request(harness.service.app).post("/api/v1/verify").send({ sha256: digest }),
      ];
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await reads[i % 3]()).status);
      expect(statuses).to.deep.equal([404, 404, 200, 404, 404, 429]);
      await request(harness.service.app).get("/healthz").expect(200);
      await request(harness.service.app).get("/api/v1/openapi.json").expect(200);
    });

    it("lets a client in again once its window has passed", async function () {
      await harness.close();
      harness = await openTestService(chain, {
        apiKeys: [keyA],
        protection: { rateLimits: { windowMs: 1_000, writes: 1, reads: 1 } },
      });
      await notarize(keyA).expect(202);
      const limited = await notarize(keyA).expect(429);
      expect(Number(limited.headers["retry-after"])).to.equal(1);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await notarize(keyA).expect(202);
    });

    it("counts revocations as writes", async function () {
      for (let i = 0; i < 3; i++) await notarize(keyA).expect(202);
      const response = await request(harness.service.app)
        .post(`/api/v1/documents/${randomSha()}/revoke`)
        .set("authorization", `Bearer ${keyA}`)
        .send({ reason: 1 });
      expect(response.status).to.equal(429);
    });
  });

  describe("body deadlines", function () {
    let harness: ServiceHarness;
    let server: Server;

    before(async () => {
      harness = await openTestService(chain, { protection: { bodyTimeouts: { idleMs: 300, totalMs: 5_000 } } });
      server = harness.service.app.listen(0, "127.0.0.1");
      await new Promise((resolve) => server.once("listening", resolve));
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await harness.close();
    });

    /** Posts `chunks` one by one with `pauseMs` between them; resolves with the status and body. */
    function postSlowly(path: string, type: string, chunks: Buffer[], pauseMs: number) {
      return new Promise<{ status: number; body: string }>((resolve, reject) => {
        const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
        const req = httpRequest(
          {
            host: "127.0.0.1",
            port: (server.address() as AddressInfo).port,
            method: "POST",
            path,
            headers: { "content-type": type, "content-length": length },
          },
          (res) => {
            let body = "";
            res.on("data", (chunk: Buffer) => (body += chunk.toString()));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on("error", reject);
        void (async () => {
          for (const chunk of chunks) {
            req.write(chunk);
            await new Promise((r) => setTimeout(r, pauseMs));
          }
          req.end();
        })();
      });
    }

    it("accepts an upload that arrives slowly but without stalling", async function () {
      const content = randomBytes(12 * 1024);
      const boundary = "slow-boundary";
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n`),
        content,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const chunks = Array.from({ length: 12 }, (_, i) => body.subarray(i * 1100, (i + 1) * 1100));
      chunks.push(body.subarray(12 * 1100));
      const response = await postSlowly("/api/v1/documents", `multipart/form-data; boundary=${boundary}`, chunks, 100);
      expect(response.status, response.body).to.equal(202);
      expect(JSON.parse(response.body).sha256).to.equal(createHash("sha256").update(content).digest("hex"));
    });

    it("leaves the deadline behind once the body is in, however long the answer takes", async function () {
      const verifier = harness.service.verifier;
      const verify = verifier.verify.bind(verifier);
      // A chain that answers slower than the idle deadline.
      verifier.verify = async (...args) => {
        await new Promise((resolve) => setTimeout(resolve, 800));
        return verify(...args);
      };
      try {
        const body = Buffer.from(JSON.stringify({ sha256: randomSha() }));
        const response = await postSlowly("/api/v1/verify", "application/json", [body], 0);
        expect(response.status, response.body).to.equal(200);
        expect(JSON.parse(response.body).status).to.equal("unknown");
      } finally {
        verifier.verify = verify;
      }
    });
  });

  describe("security headers", function () {
    let harness: ServiceHarness;
    const webDir = mkdtempSync(path.join(tmpdir(), "docproof-web-"));

    before(async () => {
      writeFileSync(path.join(webDir, "index.html"), '<!doctype html><script src="app.js"></script>\n');
      harness = await openTestService(chain, { webDir });
    });
    after(async () => {
      await harness.close();
      rmSync(webDir, { recursive: true, force: true });
    });

    function directives(header: string): Map<string, string[]> {
      return new Map(
        header.split(";").map((part) => {
          const [name, ...values] = part.trim().split(/\s+/);
          return [name, values];
        }),
      );
    }

    it("serves the page with a CSP for a same-origin bundle that hashes with WebAssembly", async function () {
      const response = await request(harness.service.app).get("/").expect(200);
      const csp = directives(response.headers["content-security-policy"]);
      expect(csp.get("default-src")).to.deep.equal(["'self'"]);
      expect(csp.get("script-src")).to.deep.equal(["'self'", "'wasm-unsafe-eval'"]);
      expect(csp.get("style-src")).to.deep.equal(["'self'"]);
      expect(csp.get("img-src")).to.deep.equal(["'self'", "data:", "blob:"]);
      expect(csp.get("connect-src")).to.deep.equal(["'self'"]);
      expect(csp.get("worker-src")).to.deep.equal(["'self'"]);
      expect(csp.get("object-src")).to.deep.equal(["'none'"]);
      expect(csp.get("frame-ancestors")).to.deep.equal(["'none'"]);
      expect(csp.get("script-src-attr")).to.deep.equal(["'none'"]);
      expect(csp.has("upgrade-insecure-requests")).to.equal(false);
      for (const values of csp.values()) {
        expect(values).to.not.include("'unsafe-inline'");
        expect(values).to.not.include("'unsafe-eval'");
      }
    });

    it("sets the other protective headers on the page, the API and problems alike", async function () {
      const responses = [
        await request(harness.service.app).get("/"),
        await request(harness.service.app).get("/api/v1/openapi.json"),
        await request(harness.service.app).get(`/api/v1/documents/${"z".repeat(64)}`),
      ];
      for (const response of responses) {
        expect(response.headers["content-security-policy"]).to.include("frame-ancestors 'none'");
        expect(response.headers["x-content-type-options"]).to.equal("nosniff");
        expect(response.headers["x-frame-options"]).to.equal("DENY");
        expect(response.headers["referrer-policy"]).to.equal("no-referrer");
        expect(response.headers["cross-origin-opener-policy"]).to.equal("same-origin");
        expect(response.headers).to.not.have.property("x-powered-by");
      }
    });

    it("asks no browser to insist on HTTPS by default, since the service is served over plain HTTP", async function () {
      for (const url of ["/", "/api/v1/info", `/api/v1/documents/${"z".repeat(64)}`]) {
        const response = await request(harness.service.app).get(url);
        expect(response.headers, url).to.not.have.property("strict-transport-security");
      }
    });
  });

  describe("behind TLS (HSTS_MAX_AGE)", function () {
    let harness: ServiceHarness;

    before(async () => {
      harness = await openTestService(chain, { protection: { hstsMaxAgeSeconds: 31_536_000 } });
    });
    after(async () => {
      await harness.close();
    });

    it("sends Strict-Transport-Security for this host alone on answers and problems alike", async function () {
      for (const url of ["/api/v1/info", `/api/v1/documents/${"z".repeat(64)}`, "/nowhere"]) {
        const response = await request(harness.service.app).get(url);
        expect(response.headers["strict-transport-security"], url).to.equal("max-age=31536000");
      }
    });
  });
});
