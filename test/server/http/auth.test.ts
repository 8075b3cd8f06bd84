import { expect } from "chai";
import { randomBytes } from "node:crypto";
import request from "supertest";
import { devAccount } from "../../support/dev-accounts";
import { openTestService, TestChain, type ServiceHarness } from "../service-fixture";

const KEY = "k-".concat(randomBytes(24).toString("hex"));
const randomSha = () => randomBytes(32).toString("hex");

describe("API keys", function () {
  this.timeout(60_000);
  const chain = new TestChain();
  let harness: ServiceHarness;

  before(async () => {
    await chain.start();
    harness = await openTestService(chain, { apiKeys: [KEY] });
  });
  after(async () => {
    await harness.close();
    await chain.stop();
  });

  const app = () => harness.service.app;

  describe("POST /api/v1/documents", function () {
    it("answers 401 with a Bearer challenge without a key", async function () {
      const response = await request(app()).post("/api/v1/documents").send({ sha256: randomSha() });
      expect(response.status).to.equal(401);
      expect(response.body.type).to.equal("urn:docproof:problem:unauthorized");
      expect(response.headers["www-authenticate"]).to.match(/^Bearer /);
    });

    it("answers 401 for a wrong key", async function () {
      const response = await request(app())
        .post("/api/v1/documents")
        .set("authorization", `Bearer ${KEY}x`)
        .send({ sha256: randomSha() });
      expect(response.status).to.equal(401);
    });

    it("accepts a valid key", async function () {
      await request(app())
        .post("/api/v1/documents")
        .set("authorization", `Bearer ${KEY}`)
        .send({ sha256: randomSha() })
        .expect(202);
    });
  });

  describe("POST /api/v1/documents/{sha256}/revoke", function () {
    it("answers 401 without a key", async function () {
      const response = await request(app()).post(`/api/v1/documents/${randomSha()}/revoke`).send({ reason: 1 });
      expect(response.status).to.equal(401);
    });
  });

  describe("public endpoints", function () {
    it("serves status, receipts and verification without a key", async function () {
      const digest = randomSha();
      await request(app())
        .post("/api/v1/documents")
        .set("authorization", `Bearer ${KEY}`)
        .send({ sha256: digest })
        .expect(202);
      await harness.service.anchorer.runOnce();
      await request(app()).get(`/api/v1/documents/${digest}`).expect(200);
      await request(app()).get(`/api/v1/documents/${digest}/receipt`).expect(200);
      const verdict = await request(app()).post("/api/v1/verify").send({ sha256: digest }).expect(200);
      expect(verdict.body.status).to.equal("anchored");
    });
  });

  describe("logs", function () {
    it("never contain the API key or the registrar's private key", async function () {
      await request(app()).post("/api/v1/documents").set("authorization", `Bearer ${KEY}x`).send({ sha256: "x" });
      expect(harness.logs.length).to.be.greaterThan(0);
      const all = harness.logs.join("\n");
      expect(all).to.not.include(KEY);
      expect(all).to.not.include(devAccount(0).privateKey.slice(2));
    });
  });
});
