import { expect } from "chai";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import express from "express";
import request from "supertest";
import { problemHandler } from "../../../server/http/problems";
import { requestLog } from "../../../server/http/request-log";
import { createLogger } from "../../../server/logger";
import { InProcessHardhatChain, openTestService, type ServiceHarness } from "../service-fixture";

const KEY = "request-log-test-key-0123456789";

describe("request log and request ids", function () {
  const chain = new InProcessHardhatChain();
  let harness: ServiceHarness;

  before(async () => {
    await chain.start();
    harness = await openTestService(chain, { apiKeys: [KEY] });
  });
  after(async () => {
    await harness?.close();
  });

  const linesFor = (requestId: string) =>
    harness.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((e) => e.requestId === requestId);

  describe("when a request carries no id", function () {
    it("gives it one, answers it in X-Request-Id and logs one line for the request", async function () {
      const response = await request(harness.service.app).get("/healthz").expect(200);
      const id = response.headers["x-request-id"];
      expect(id).to.match(/^[0-9a-f-]{36}$/);
      const lines = linesFor(id);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.deep.include({ level: "info", message: "request completed", res: { status: 200 } });
      expect(lines[0].req).to.include({ method: "GET", path: "/healthz" });
      expect(lines[0].req).to.not.have.property("headers");
    });
  });

  describe("when the caller names its request", function () {
    it("keeps a plain id and replaces one that is not", async function () {
      const kept = await request(harness.service.app).get("/healthz").set("X-Request-Id", "client-42.a").expect(200);
      expect(kept.headers["x-request-id"]).to.equal("client-42.a");
      const replaced = await request(harness.service.app).get("/healthz").set("X-Request-Id", "a b\tc").expect(200);
      expect(replaced.headers["x-request-id"]).to.not.equal("a b\tc");
    });
  });

  describe("when the client goes away before the answer", function () {
    it("logs the request once, as closed without an answer, at warning level", async function () {
      const server = harness.service.app.listen(0, "127.0.0.1");
      await new Promise((resolve) => server.once("listening", resolve));
      try {
        const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
        await new Promise((resolve) => socket.once("connect", resolve));
        // A body announced and never sent in full: the service is still reading it when the client leaves.
        socket.write(
          "POST /api/v1/verify HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
            'Content-Length: 100\r\nX-Request-Id: abort-test-1\r\n\r\n{"sha256":',
        );
        await new Promise((resolve) => setTimeout(resolve, 50));
        socket.destroy();
        const deadline = Date.now() + 5_000;
        while (linesFor("abort-test-1").length === 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const lines = linesFor("abort-test-1");
        expect(lines).to.have.length(1);
        expect(lines[0]).to.deep.include({ level: "warn", message: "request closed before its answer was sent" });
        expect(lines[0].req).to.include({ method: "POST", path: "/api/v1/verify" });
        expect(lines[0], "no status was sent").to.not.have.property("res");
      } finally {
        server.close();
      }
    });
  });

  describe("when the request is refused", function () {
    it("names the request id in the problem, and logs no credentials", async function () {
      const response = await request(harness.service.app)
        .post("/api/v1/documents")
        .set("Authorization", `Bearer ${KEY}`)
        .send({ sha256: "not a digest" })
        .expect(400);
      const id = response.headers["x-request-id"];
      expect(response.body).to.include({ requestId: id, type: "urn:docproof:problem:invalid-digest" });
      expect(linesFor(id)).to.have.length(1);
      expect(linesFor(id)[0]).to.deep.include({ res: { status: 400 } });
      expect(harness.logs.join("\n")).to.not.include(KEY);
    });

    it("keeps a credential sent in the path out of the log", async function () {
      const response = await request(harness.service.app).get(`/api/v1/documents/${KEY}`).expect(400);
      const lines = linesFor(response.headers["x-request-id"]);
      expect(lines).to.have.length(1);
      expect((lines[0].req as { path: string }).path).to.equal("/api/v1/documents/[redacted]");
      expect(harness.logs.join("\n")).to.not.include(KEY);
    });
  });

  describe("when a request fails unexpectedly", function () {
    it("logs the failure with its cause under the request's id, and answers `internal` without it", async function () {
      const lines: string[] = [];
      const log = createLogger({ destination: (line) => lines.push(line) });
      const problems: string[] = [];
      const app = express();
      app.use(requestLog(log));
      app.get("/fails", () => {
        throw new Error("the disk caught fire", { cause: new Error("sector 7") });
      });
      app.use(problemHandler(log, (code) => problems.push(code)));

      const response = await request(app).get("/fails").set("X-Request-Id", "fails-1").expect(500);
      expect(response.body).to.include({ type: "urn:docproof:problem:internal", requestId: "fails-1" });
      expect(JSON.stringify(response.body)).to.not.include("fire");
      expect(problems).to.deep.equal(["internal"]);
      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(entries.map((e) => [e.requestId, e.level, e.message])).to.deep.equal([
        ["fails-1", "error", "request failed unexpectedly"],
        ["fails-1", "error", "request failed"],
      ]);
      expect(entries[0].error).to.deep.include({
        message: "the disk caught fire",
        cause: { name: "Error", message: "sector 7" },
      });
    });
  });
});
