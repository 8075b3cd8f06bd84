import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { listenAsMain } from "./listening";
import { InProcessHardhatChain, openTestService, type ServiceHarness } from "../service-fixture";

interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

describe("Expect headers", function () {
  this.timeout(60_000);
  const chain = new InProcessHardhatChain();
  let harness: ServiceHarness;
  let listening: Awaited<ReturnType<typeof listenAsMain>>;
  let port: number;

  before(async () => {
    await chain.start();
    harness = await openTestService(chain);
    listening = await listenAsMain(harness.service.app);
    port = listening.port;
  });
  after(async () => {
    await listening.close();
    await harness.close();
  });

  /** Sends `head` (and `body`) over a fresh connection and reads the whole answer. */
  async function send(head: string, body = ""): Promise<RawAnswer> {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
    socket.write(head);
    if (body !== "") socket.write(body);
    await new Promise((resolve) => socket.once("close", resolve));
    const [headText, ...rest] = received.split("\r\n\r\n");
    const [statusLine, ...headerLines] = headText.split("\r\n");
    const headers = new Map(
      headerLines.map((line) => [
        line.slice(0, line.indexOf(":")).toLowerCase(),
        line.slice(line.indexOf(":") + 1).trim(),
      ]),
    );
    return { status: Number(statusLine.split(" ")[1]), headers, body: rest.join("\r\n\r\n") };
  }

  describe("when a request expects anything but 100-continue", function () {
    it("answers 417 problem+json with the request id and the security headers, like every refusal", async function () {
      const body = JSON.stringify({ sha256: randomBytes(32).toString("hex") });
      const answer = await send(
        "POST /api/v1/documents HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nX-Request-Id: expect-test-1\r\n" +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
        body,
      );
      expect(answer.status).to.equal(417);
      expect(answer.headers.get("content-type")).to.match(/^application\/problem\+json/);
      expect(answer.headers.get("x-request-id")).to.equal("expect-test-1");
      expect(answer.headers.get("content-security-policy")).to.include("frame-ancestors 'none'");
      expect(answer.headers.get("x-content-type-options")).to.equal("nosniff");
      const problem = JSON.parse(answer.body);
      expect(problem).to.include({
        type: "urn:docproof:problem:expectation-failed",
        status: 417,
        requestId: "expect-test-1",
        instance: "/api/v1/documents",
      });
      expect(problem.detail).to.include('"200-ok"');
      expect(harness.service.store.stats().documents).to.equal(0);
    });

    it("ignores the header in an HTTP/1.0 request, as RFC 9110 asks", async function () {
      const answer = await send("GET /healthz HTTP/1.0\r\nExpect: 200-ok\r\n\r\n");
      expect(answer.status).to.equal(200);
    });
  });

  describe("when a request expects 100-continue", function () {
    it("says continue and takes the body", async function () {
      const body = JSON.stringify({ sha256: randomBytes(32).toString("hex") });
      const answer = await send(
        "POST /api/v1/documents HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: application/json\r\n" +
          `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
        body,
      );
      expect(answer.status).to.equal(100);
      expect(answer.body).to.match(/^HTTP\/1\.1 202 Accepted/);
    });
  });
});
