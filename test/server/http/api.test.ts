import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import request from "supertest";
import type { Express } from "express";
import { EMPTY_CONTENT_SHA256 } from "../../../server/api/empty-content";
import { ReceiptV1Schema, type ReceiptV1 } from "../../../server/proof/receipt";
import { InProcessHardhatChain, openTestService, TestChain, type ServiceHarness } from "../service-fixture";

const sha256 = (content: Buffer | string) => createHash("sha256").update(content).digest("hex");
const randomSha = () => randomBytes(32).toString("hex");
const PROBLEM = "urn:docproof:problem:";
/** A chain time as the API writes it beside the Unix seconds. */
const isoOf = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");

function expectProblem(response: request.Response, status: number, code: string) {
  expect(response.status, JSON.stringify(response.body)).to.equal(status);
  expect(response.type).to.equal("application/problem+json");
  expect(response.body.type).to.equal(`${PROBLEM}${code}`);
  expect(response.body.status).to.equal(status);
  expect(response.body.detail).to.be.a("string").and.not.empty;
}

for (const chain of [new InProcessHardhatChain(), new TestChain()]) {
  describe(`HTTP API v1 on ${chain.name}`, function () {
    this.timeout(120_000);
    let harness: ServiceHarness;

    before(async () => {
      await chain.start();
    });
    after(async () => {
      await chain.stop();
    });
    beforeEach(async () => {
      harness = await openTestService(chain);
    });
    afterEach(async () => {
      await harness.close();
    });

    const app = () => harness.service.app;
    const anchorPending = () => harness.service.anchorer.runOnce();

    async function notarized(
      content = randomBytes(100),
    ): Promise<{ content: Buffer; digest: string; receipt: ReceiptV1 }> {
      await request(app()).post("/api/v1/documents").attach("file", content, "doc.bin").expect(202);
      await anchorPending();
      const digest = sha256(content);
      const response = await request(app()).get(`/api/v1/documents/${digest}`).expect(200);
      return { content, digest, receipt: response.body.receipt };
    }

    describe("GET /api/v1/info", function () {
      it("names the chain, registry and registrar the page and clients talk to", async function () {
        const response = await request(app()).get("/api/v1/info").expect(200);
        expect(response.body).to.deep.equal({
          version: "0.1.0",
          chainId: chain.chainId,
          registry: harness.registryAddress,
          registrar: harness.service.registrar,
          apiKeyRequired: false,
          maxUploadBytes: harness.options.maxUploadBytes,
        });
      });
    });

    describe("POST /api/v1/documents", function () {
      describe("when a file is uploaded", function () {
        it("answers 202 pending with the SHA-256 of the streamed content", async function () {
          const content = randomBytes(300_000);
          const response = await request(app()).post("/api/v1/documents").attach("file", content, "scan.pdf");
          expect(response.status).to.equal(202);
          expect(response.body).to.include({ sha256: sha256(content), status: "pending" });
          expect(response.headers.location).to.equal(`/api/v1/documents/${sha256(content)}`);
        });
      });

      describe("when a digest is sent as JSON", function () {
        it("normalises uppercase and 0x-prefixed digests", async function () {
          const digest = randomSha();
          const response = await request(app())
            .post("/api/v1/documents")
            .send({ sha256: `0x${digest.toUpperCase()}` })
            .expect(202);
          expect(response.body.sha256).to.equal(digest);
        });
      });

      describe("when the digest is already anchored", function () {
        it("answers 200 with the receipt and anchors nothing new", async function () {
          const { digest, receipt } = await notarized();
          const before = harness.service.store.stats();
          const response = await request(app()).post("/api/v1/documents").send({ sha256: digest }).expect(200);
          expect(response.body.status).to.equal("anchored");
          expect(response.body.receipt).to.deep.equal(receipt);
          await anchorPending();
          expect(harness.service.store.stats()).to.deep.equal(before);
        });
      });

      describe("when 100 identical requests arrive at once", function () {
        it("queues the digest once and anchors it once", async function () {
          const digest = randomSha();
          const responses = await Promise.all(
            Array.from({ length: 100 }, () => request(app()).post("/api/v1/documents").send({ sha256: digest })),
          );
          expect(new Set(responses.map((r) => r.status))).to.deep.equal(new Set([202]));
          await anchorPending();
          const stats = harness.service.store.stats();
          expect(stats).to.include({ documents: 1, batches: 1, anchoredBatches: 1 });
          const anchorings = await harness.service.registry.anchorings();
          expect(anchorings.flatMap((a) => a.digests)).to.deep.equal([`0x${digest}`]);
        });
      });

      describe("when 1,000 distinct documents arrive at once", function () {
        it("anchors every one, in batches, each with a receipt the chain confirms", async function () {
          const digests = Array.from({ length: 1000 }, randomSha);
          // One listening server for all of them (supertest would otherwise open one per request).
          const server = app().listen(0, "127.0.0.1");
          try {
            const responses = await Promise.all(
              digests.map((digest) => request(server).post("/api/v1/documents").send({ sha256: digest })),
            );
            expect(responses.filter((r) => r.status !== 202)).to.deep.equal([]);
          } finally {
            server.close();
          }
          await anchorPending();
          const stats = harness.service.store.stats();
          expect(stats).to.include({ documents: 1000, unbatched: 0 });
          expect(stats.anchoredBatches).to.equal(stats.batches);
          const sample = digests.filter((_d, i) => i % 97 === 0);
          for (const digest of sample) {
            const verdict = await request(app()).post("/api/v1/verify").send({ sha256: digest }).expect(200);
            expect(verdict.body).to.include({ valid: true, status: "anchored" });
          }
        });
      });
    });

    describe("GET /api/v1/documents/{sha256}", function () {
      it("answers pending, then anchored with a schema-valid receipt", async function () {
        const digest = randomSha();
        await request(app()).post("/api/v1/documents").send({ sha256: digest }).expect(202);
        const pending = await request(app()).get(`/api/v1/documents/${digest}`).expect(200);
        expect(pending.body).to.include({ sha256: digest, status: "pending" });
        expect(pending.body).to.not.have.property("receipt");
        await anchorPending();
        const anchored = await request(app()).get(`/api/v1/documents/${digest}`).expect(200);
        expect(anchored.body.status).to.equal("anchored");
        const receipt = ReceiptV1Schema.parse(anchored.body.receipt);
        expect(receipt).to.include({ sha256: digest, chainId: chain.chainId, registry: harness.registryAddress });
        expect(receipt.timestamp).to.equal(await harness.service.registry.blockTimestamp(receipt.blockNumber));
        expect(receipt.registrar).to.equal(harness.service.registrar);
        expect(anchored.body.anchoredAtIso).to.equal(isoOf(receipt.timestamp));
        expect(anchored.body.anchoredAtIso).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      });

      it("answers 404 for an unknown digest", async function () {
        expectProblem(await request(app()).get(`/api/v1/documents/${randomSha()}`), 404, "not-found");
      });

      it("answers 400 for bad hex and for a wrong length", async function () {
        expectProblem(await request(app()).get(`/api/v1/documents/${"g".repeat(64)}`), 400, "invalid-digest");
        expectProblem(await request(app()).get(`/api/v1/documents/${"a".repeat(63)}`), 400, "invalid-digest");
      });
    });

    describe("GET /api/v1/documents/{sha256}/receipt", function () {
      it("downloads the receipt as a JSON attachment", async function () {
        const { digest, receipt } = await notarized();
        const response = await request(app()).get(`/api/v1/documents/${digest}/receipt`).expect(200);
        expect(response.headers["content-disposition"]).to.match(
          new RegExp(`^attachment; filename="?${digest}\\.receipt\\.json"?$`),
        );
        expect(JSON.parse(response.text)).to.deep.equal(receipt);
      });

      it("answers 409 while the document is pending", async function () {
        const digest = randomSha();
        await request(app()).post("/api/v1/documents").send({ sha256: digest }).expect(202);
        expectProblem(await request(app()).get(`/api/v1/documents/${digest}/receipt`), 409, "not-anchored");
      });
    });

    describe("POST /api/v1/verify", function () {
      it("verifies an anchored file by upload, by digest, and with its receipt, against the chain", async function () {
        const { content, digest, receipt } = await notarized();
        const byFile = await request(app()).post("/api/v1/verify").attach("file", content, "doc.bin").expect(200);
        const byDigest = await request(app()).post("/api/v1/verify").send({ sha256: digest }).expect(200);
        const withReceipt = await request(app())
          .post("/api/v1/verify")
          .attach("file", content, "doc.bin")
          .attach("receipt", Buffer.from(JSON.stringify(receipt)), "doc.receipt.json")
          .expect(200);
        for (const verdict of [byFile.body, byDigest.body, withReceipt.body]) {
          expect(verdict).to.include({
            valid: true,
            status: "anchored",
            sha256: digest,
            txHash: receipt.txHash,
            blockNumber: receipt.blockNumber,
            anchoredAt: receipt.timestamp,
            anchoredAtIso: isoOf(receipt.timestamp),
            registrar: receipt.registrar,
          });
        }
      });

      it("answers JSON without an ETag, which only a GET's answer carries", async function () {
        const { digest } = await notarized();
        const verdict = await request(app()).post("/api/v1/verify").send({ sha256: digest }).expect(200);
        expect(verdict.headers["content-type"]).to.equal("application/json; charset=utf-8");
        expect(Number(verdict.headers["content-length"])).to.equal(Buffer.byteLength(verdict.text));
        expect(verdict.body).to.include({ valid: true, sha256: digest });
        expect(verdict.headers).to.not.have.property("etag");

        const status = await request(app()).get(`/api/v1/documents/${digest}`).expect(200);
        expect(status.headers.etag).to.be.a("string");
        await request(app()).get(`/api/v1/documents/${digest}`).set("If-None-Match", status.headers.etag).expect(304);
      });

      it("refuses the digest of empty content, as notarization does", async function () {
        for (const sha256 of [EMPTY_CONTENT_SHA256, `0x${EMPTY_CONTENT_SHA256.toUpperCase()}`]) {
          const response = await request(app()).post("/api/v1/verify").send({ sha256 });
          expectProblem(response, 400, "empty-file");
          expect(response.body.title).to.equal("The document is empty");
        }
        expectProblem(
          await request(app()).post("/api/v1/verify").attach("file", Buffer.alloc(0), "empty.pdf"),
          400,
          "empty-file",
        );
      });

      it("asks the chain again only once a new block has been mined", async function () {
        const { digest } = await notarized();
        const registry = harness.service.registry;
        const original = registry.verify.bind(registry);
        let chainVerifications = 0;
        registry.verify = (...args) => {
          chainVerifications++;
          return original(...args);
        };
        try {
          for (let i = 0; i < 3; i++) {
            const verdict = await request(app()).post("/api/v1/verify").send({ sha256: digest }).expect(200);
            expect(verdict.body).to.include({ valid: true, status: "anchored" });
          }
          expect(chainVerifications).to.equal(1);
          await notarized(); // a new block
          await request(app()).post("/api/v1/verify").send({ sha256: digest }).expect(200);
          expect(chainVerifications).to.equal(2);
        } finally {
          registry.verify = original;
        }
      });

      it("answers unknown for a one-byte-modified file, with or without the receipt", async function () {
        const { content, receipt } = await notarized();
        const modified = Buffer.from(content);
        modified[0] ^= 1;
        const alone = await request(app()).post("/api/v1/verify").attach("file", modified, "doc.bin").expect(200);
        const withReceipt = await request(app())
          .post("/api/v1/verify")
          .attach("file", modified, "doc.bin")
          .attach("receipt", Buffer.from(JSON.stringify(receipt)), "r.json")
          .expect(200);
        expect(alone.body).to.include({ valid: false, status: "unknown" });
        expect(withReceipt.body).to.include({ valid: false, status: "unknown" });
      });

      it("answers unknown for a digest never notarized", async function () {
        const response = await request(app()).post("/api/v1/verify").send({ sha256: randomSha() }).expect(200);
        expect(response.body).to.include({ valid: false, status: "unknown" });
      });

      it("answers invalid-receipt when the chain contradicts a self-consistent receipt", async function () {
        const { digest, receipt } = await notarized();
        const lying = { ...receipt, blockNumber: receipt.blockNumber + 1 };
        const response = await request(app())
          .post("/api/v1/verify")
          .send({ sha256: digest, receipt: lying })
          .expect(200);
        expect(response.body).to.include({ valid: false, status: "invalid-receipt" });
        expect(response.body.reason).to.include("block number");
      });

      it("answers 422 for a tampered proof and for a receipt of another chain or registry", async function () {
        const { digest, receipt } = await notarized();
        const tampered = { ...receipt, merkleRoot: `0x${randomSha()}` };
        expectProblem(
          await request(app()).post("/api/v1/verify").send({ sha256: digest, receipt: tampered }),
          422,
          "receipt-tampered",
        );
        expectProblem(
          await request(app())
            .post("/api/v1/verify")
            .send({ sha256: digest, receipt: { ...receipt, chainId: receipt.chainId + 1 } }),
          422,
          "receipt-wrong-chain",
        );
        expectProblem(
          await request(app())
            .post("/api/v1/verify")
            .send({ sha256: digest, receipt: { ...receipt, registry: "0x000000000000000000000000000000000000dEaD" } }),
          422,
          "receipt-wrong-chain",
        );
      });

      it("answers 400 for a malformed receipt", async function () {
        const { content, digest, receipt } = await notarized();
        expectProblem(
          await request(app())
            .post("/api/v1/verify")
            .attach("file", content, "doc.bin")
            .attach("receipt", Buffer.from("{not json"), "r.json"),
          400,
          "receipt-malformed",
        );
        const { proof: _proof, ...missing } = receipt;
        expectProblem(
          await request(app()).post("/api/v1/verify").send({ sha256: digest, receipt: missing }),
          400,
          "receipt-malformed",
        );
      });
    });

    describe("POST /api/v1/documents/{sha256}/revoke", function () {
      it("revokes on chain; verification then answers revoked with the reason", async function () {
        const { digest } = await notarized();
        // Verified (and remembered) as anchored before the revocation.
        await request(app()).post("/api/v1/verify").send({ sha256: digest }).expect(200);
        const response = await request(app())
          .post(`/api/v1/documents/${digest}/revoke`)
          .send({ reason: 2 })
          .expect(200);
        expect(response.body.status).to.equal("revoked");
        expect(response.body.revocation.reason).to.equal(2);
        expect(response.body.revocation.revokedAtIso).to.equal(isoOf(response.body.revocation.revokedAt));
        const verdict = await request(app()).post("/api/v1/verify").send({ sha256: digest }).expect(200);
        expect(verdict.body).to.include({ valid: false, status: "revoked", revocationReason: 2 });
        expect(verdict.body.revokedAt).to.be.a("number");
        expect(verdict.body.revokedAtIso).to.equal(isoOf(verdict.body.revokedAt));
        expect(verdict.body.anchoredAtIso).to.equal(isoOf(verdict.body.anchoredAt));
      });

      it("takes a reason by its name as well as by its code", async function () {
        const { digest } = await notarized();
        const response = await request(app())
          .post(`/api/v1/documents/${digest}/revoke`)
          .send({ reason: "superseded" })
          .expect(200);
        expect(response.body.revocation.reason).to.equal(1);
      });

      it("says, without a JSON body, that revocation takes JSON only", async function () {
        const { digest } = await notarized();
        const response = await request(app()).post(`/api/v1/documents/${digest}/revoke`);
        expectProblem(response, 415, "unsupported-media-type");
        expect(response.body.detail).to.include("JSON only").and.include('{"reason": "superseded"}');
        expect(`${response.body.title} ${response.body.detail}`).to.not.match(/multipart/i);
      });

      it("answers 409 for a second revocation and for a pending document", async function () {
        const { digest } = await notarized();
        await request(app()).post(`/api/v1/documents/${digest}/revoke`).send({ reason: 1 }).expect(200);
        expectProblem(
          await request(app()).post(`/api/v1/documents/${digest}/revoke`).send({ reason: 1 }),
          409,
          "already-revoked",
        );
        const pending = randomSha();
        await request(app()).post("/api/v1/documents").send({ sha256: pending }).expect(202);
        expectProblem(
          await request(app()).post(`/api/v1/documents/${pending}/revoke`).send({ reason: 1 }),
          409,
          "not-anchored",
        );
      });

      it("answers 400 for a reason outside 0..65535", async function () {
        const { digest } = await notarized();
        expectProblem(
          await request(app()).post(`/api/v1/documents/${digest}/revoke`).send({ reason: 70_000 }),
          400,
          "invalid-request",
        );
      });
    });

    describe("bad input", function () {
      const cases: [string, () => request.Test, number, string][] = [
        ["no file", () => request(app()).post("/api/v1/documents").field("note", "x"), 400, "unexpected-field"],
        [
          "an empty multipart body",
          () =>
            request(app())
              .post("/api/v1/documents")
              .set("content-type", "multipart/form-data; boundary=XYZ")
              .send("--XYZ--\r\n"),
          400,
          "missing-file",
        ],
        [
          "two files",
          () =>
            request(app())
              .post("/api/v1/documents")
              .attach("file", Buffer.from("a"), "a")
              .attach("file", Buffer.from("b"), "b"),
          400,
          "too-many-files",
        ],
        [
          "the digest of empty content",
          () => request(app()).post("/api/v1/documents").send({ sha256: EMPTY_CONTENT_SHA256 }),
          400,
          "empty-file",
        ],
        [
          "a wrong field name",
          () => request(app()).post("/api/v1/documents").attach("document", Buffer.from("a"), "a"),
          400,
          "unexpected-field",
        ],
        [
          "an oversized file",
          () =>
            request(app())
              .post("/api/v1/documents")
              .attach("file", randomBytes(1024 * 1024 + 1), "big"),
          413,
          "file-too-large",
        ],
        [
          "a truncated multipart body",
          () =>
            request(app())
              .post("/api/v1/documents")
              .set("content-type", "multipart/form-data; boundary=XYZ")
              .send('--XYZ\r\ncontent-disposition: form-data; name="file"; filename="a"\r\n\r\nabc'),
          400,
          "malformed-multipart",
        ],
        [
          "bad hex",
          () =>
            request(app())
              .post("/api/v1/documents")
              .send({ sha256: "z".repeat(64) }),
          400,
          "invalid-digest",
        ],
        [
          "a wrong length",
          () => request(app()).post("/api/v1/documents").send({ sha256: "ab" }),
          400,
          "invalid-digest",
        ],
        [
          "malformed JSON",
          () => request(app()).post("/api/v1/documents").set("content-type", "application/json").send("{"),
          400,
          "invalid-json",
        ],
        [
          "an unknown JSON field",
          () => request(app()).post("/api/v1/documents").send({ sha256: randomSha(), extra: 1 }),
          400,
          "invalid-request",
        ],
        [
          "a text body",
          () => request(app()).post("/api/v1/documents").set("content-type", "text/plain").send("hello"),
          415,
          "unsupported-media-type",
        ],
        ["an unknown route", () => request(app()).get("/api/v1/nothing"), 404, "route-not-found"],
      ];
      for (const [name, send, status, code] of cases) {
        it(`answers ${status} ${code} for ${name}, leaving the store unchanged`, async function () {
          const before = harness.service.store.stats();
          expectProblem(await send(), status, code);
          expect(harness.service.store.stats()).to.deep.equal(before);
        });
      }
    });

    describe("when an upload is aborted midway", function () {
      it("keeps nothing, records nothing, and goes on serving", async function () {
        const server = app().listen(0, "127.0.0.1");
        await new Promise((resolve) => server.once("listening", resolve));
        try {
          const { port } = server.address() as AddressInfo;
          const before = harness.service.store.stats();
          const socket = connect(port, "127.0.0.1");
          await new Promise((resolve) => socket.once("connect", resolve));
          socket.write(
            "POST /api/v1/documents HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\n" +
              'Content-Length: 10000000\r\n\r\n--B\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n',
          );
          socket.write(randomBytes(200_000));
          await new Promise((resolve) => setTimeout(resolve, 100));
          socket.destroy();
          await new Promise((resolve) => setTimeout(resolve, 100));
          expect(harness.service.store.stats()).to.deep.equal(before);
          await request(server).get("/healthz").expect(200);
        } finally {
          server.close();
        }
      });
    });

    describe("operations endpoints", function () {
      it("reports health of chain, registry and store", async function () {
        const response = await request(app()).get("/healthz").expect(200);
        expect(response.body.status).to.equal("pass");
        expect(Object.keys(response.body.checks)).to.deep.equal(["chain", "registry", "store"]);
      });

      it("exposes Prometheus metrics of accepted and anchored documents", async function () {
        await notarized();
        const response = await request(app()).get("/metrics").expect(200);
        expect(response.text).to.match(/^docproof_documents_accepted_total 1$/m);
        expect(response.text).to.match(/^docproof_documents_anchored_total 1$/m);
        expect(response.text).to.match(/^docproof_batch_size_count 1$/m);
        expect(response.text).to.match(/^docproof_time_to_anchor_seconds_count 1$/m);
      });

      it("describes in OpenAPI 3.1 exactly the routes the router serves", async function () {
        const response = await request(app()).get("/api/v1/openapi.json").expect(200);
        expect(response.body.openapi).to.equal("3.1.0");
        const described = Object.entries(response.body.paths as Record<string, Record<string, unknown>>).flatMap(
          ([route, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${route}`),
        );
        expect(servedRoutes(app()).sort()).to.deep.equal(described.sort());
      });
    });
  });
}

/** Every "METHOD /path" the Express app routes, read from its router, with `:param` written `{param}`. */
function servedRoutes(app: Express): string[] {
  type Layer = {
    rawPath?: string;
    route?: { path: string; methods: Record<string, boolean> };
    handle: { stack?: Layer[] };
  };
  const walk = (stack: Layer[], prefix: string): string[] =>
    stack.flatMap((layer) => {
      if (layer.route !== undefined) {
        const route = `${prefix}${layer.route.path}`.replace(/:(\w+)/g, "{$1}");
        return Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${route}`);
      }
      return layer.handle.stack === undefined ? [] : walk(layer.handle.stack, `${prefix}${layer.rawPath ?? ""}`);
    });
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack, "");
}
