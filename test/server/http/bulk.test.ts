import { expect } from "chai";
import request from "supertest";
import { randomSha } from "../../support/service-process";
import { InProcessHardhatChain, openTestService, type ServiceHarness } from "../service-fixture";

const EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

describe("POST /api/v1/documents with a list of digests", function () {
  const chain = new InProcessHardhatChain();
  let harness: ServiceHarness;
  const app = () => harness.service.app;

  before(async () => {
    await chain.start();
    harness = await openTestService(chain, { batchMax: 5_000 });
  });
  after(async () => {
    await harness?.close();
  });

  describe("when the list is valid", function () {
    it("queues every digest in one write, once each, and anchors them", async function () {
      const digests = Array.from({ length: 3 }, randomSha);
      const before = harness.service.store.stats();
      const response = await request(app())
        .post("/api/v1/documents")
        .send({ sha256: [...digests, digests[0].toUpperCase()] })
        .expect(202);
      expect(response.body.created).to.equal(3);
      expect(response.body.documents.map((d: { sha256: string }) => d.sha256)).to.deep.equal([...digests, digests[0]]);
      expect(harness.service.store.stats().documents).to.equal(before.documents + 3);
      await harness.service.anchorer.runOnce();
      const again = await request(app()).post("/api/v1/documents").send({ sha256: digests }).expect(200);
      expect(again.body.created).to.equal(0);
      expect(again.body.documents.every((d: { status: string }) => d.status === "anchored")).to.equal(true);
    });

    it("takes 10,000 digests in one request", async function () {
      const digests = Array.from({ length: 10_000 }, randomSha);
      const response = await request(app()).post("/api/v1/documents").send({ sha256: digests }).expect(202);
      expect(response.body.created).to.equal(10_000);
      expect(harness.service.store.countUnbatched()).to.be.at.least(10_000);
    });
  });

  describe("when the list is not valid", function () {
    it("refuses more than 10,000 digests and queues none", async function () {
      const before = harness.service.store.stats().documents;
      const response = await request(app())
        .post("/api/v1/documents")
        .send({ sha256: Array.from({ length: 10_001 }, randomSha) })
        .expect(400);
      expect(response.body.type).to.equal("urn:docproof:problem:invalid-request");
      expect(harness.service.store.stats().documents).to.equal(before);
    });

    it("names the bad entry, and queues none of the list", async function () {
      const before = harness.service.store.stats().documents;
      const bad = await request(app())
        .post("/api/v1/documents")
        .send({ sha256: [randomSha(), randomSha(), "not-a-digest"] })
        .expect(400);
      expect(bad.body.type).to.equal("urn:docproof:problem:invalid-digest");
      expect(bad.body.detail).to.match(/^sha256\[2\]: /);
      const empty = await request(app())
        .post("/api/v1/documents")
        .send({ sha256: [randomSha(), EMPTY] })
        .expect(400);
      expect(empty.body.type).to.equal("urn:docproof:problem:empty-file");
      expect(harness.service.store.stats().documents).to.equal(before);
    });

    it("refuses an empty list", async function () {
      await request(app()).post("/api/v1/documents").send({ sha256: [] }).expect(400);
    });
  });
});
