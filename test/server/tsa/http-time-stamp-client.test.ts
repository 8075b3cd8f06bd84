import { expect } from "chai";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Sha256Hex } from "../../../server/proof/digest";
import { isTimestampError, type TimestampErrorCode } from "../../../server/timestamp/errors";
import { CounterSerialSource } from "../../../server/timestamp/serial-source";
import { TimeStampAuthority } from "../../../server/timestamp/time-stamp-authority";
import { certificatesFromFile } from "../../../server/timestamp/token-verification";
import { HttpTimeStampClient } from "../../../server/tsa/http-time-stamp-client";
import { ensureLocalTsa, loadTsaCredentials } from "../../../server/tsa/tsa-credentials";
import { createOpensslTsa, type OpensslTsa } from "../../support/openssl-tsa";
import { freePort, run } from "../../support/processes";
import { startTimeStampServer, type TimeStampServer } from "../../support/time-stamp-server";

const digestOf = (text: string) => createHash("sha256").update(text).digest("hex") as Sha256Hex;

/** A loopback server that answers every request with `listener`: for replies no TSA should give. */
async function misbehaving(listener: RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe("HttpTimeStampClient", function () {
  let dir: string;
  let outside: OpensslTsa;
  let server: TimeStampServer;
  let anchors: Uint8Array[];

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "docproof-tsa-client-"));
    outside = createOpensslTsa(dir);
    server = await startTimeStampServer(outside.reply);
    anchors = certificatesFromFile(readFileSync(outside.caFile));
  });

  after(async function () {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe("timeStamp", function () {
    describe("when the TSA is openssl ts -reply behind HTTP", function () {
      it("returns a checked token that openssl ts -verify accepts for the digest", async function () {
        const sha256 = digestOf("minutes of the meeting");
        const client = new HttpTimeStampClient({ url: server.url, trustAnchors: anchors });
        const stamp = await client.timeStamp(sha256);
        expect(stamp.info.sha256).to.equal(sha256);
        expect(stamp.info.policy).to.equal(outside.policy);
        expect(stamp.verification).to.include({ valid: true, trust: "ca" });
        writeFileSync(path.join(dir, "client.tsr"), stamp.reply);
        const judged = await run("openssl", [
          "ts",
          "-verify",
          "-digest",
          sha256,
          "-in",
          path.join(dir, "client.tsr"),
          "-CAfile",
          outside.caFile,
        ]);
        expect(judged.output).to.contain("Verification: OK");
      });

      it("sends a request with a nonce and certReq, as openssl reads it", async function () {
        await new HttpTimeStampClient({ url: server.url, trustAnchors: anchors }).timeStamp(digestOf("a"));
        writeFileSync(path.join(dir, "sent.tsq"), server.requests.at(-1)!);
        const text = (await run("openssl", ["ts", "-query", "-in", path.join(dir, "sent.tsq"), "-text"])).output;
        expect(text).to.contain("Hash Algorithm: sha256");
        expect(text).to.match(/Nonce: 0x[0-9A-F]+/);
        expect(text).to.contain("Certificate required: yes");
      });

      it("answers tsa-rejected when the TSA refuses the policy asked for", async function () {
        const client = new HttpTimeStampClient({ url: server.url, trustAnchors: anchors, policy: "1.2.3.4.99" });
        const error = await client.timeStamp(digestOf("b")).catch((e: unknown) => e);
        expect(isTimestampError(error, "tsa-rejected"), String(error)).to.equal(true);
        expect((error as Error).message).to.contain("unacceptedPolicy");
      });

      it("answers tsa-reply-invalid when the token does not chain to the configured CA", async function () {
        const local = await ensureLocalTsa(path.join(dir, "local"));
        const client = new HttpTimeStampClient({
          url: server.url,
          trustAnchors: certificatesFromFile(readFileSync(local.caFile)),
        });
        const error = await client.timeStamp(digestOf("c")).catch((e: unknown) => e);
        expect(isTimestampError(error, "tsa-reply-invalid"), String(error)).to.equal(true);
        expect((error as Error).message).to.contain("certificate-chain");
      });
    });

    describe("when the TSA is Docproof's own", function () {
      it("returns its token with the anchoring hint", async function () {
        const local = await ensureLocalTsa(path.join(dir, "local"));
        const tsa = TimeStampAuthority.create({
          credentials: await loadTsaCredentials(local),
          serials: new CounterSerialSource(),
          anchoring: { chainId: 5, registry: "0x0000000000000000000000000000000000000005" },
        });
        const ours = await startTimeStampServer(async (query) => (await tsa.issueTimeStamp(query)).response);
        try {
          const client = new HttpTimeStampClient({
            url: ours.url,
            trustAnchors: certificatesFromFile(readFileSync(local.caFile)),
          });
          const stamp = await client.timeStamp(digestOf("d"));
          expect(stamp.info.anchoring).to.deep.equal({
            chainId: 5,
            registry: "0x0000000000000000000000000000000000000005",
          });
        } finally {
          await ours.close();
        }
      });
    });

    describe("when the reply is for another request", function () {
      it("answers tsa-reply-invalid naming the nonce and the imprint", async function () {
        let first: Uint8Array | undefined;
        const replaying = await startTimeStampServer(async (query) => (first ??= await outside.reply(query)));
        try {
          const client = new HttpTimeStampClient({ url: replaying.url, trustAnchors: anchors });
          await client.timeStamp(digestOf("e"));
          const error = await client.timeStamp(digestOf("f")).catch((e: unknown) => e);
          expect(isTimestampError(error, "tsa-reply-invalid"), String(error)).to.equal(true);
          expect((error as Error).message).to.contain("imprint: another document's digest");
          expect((error as Error).message).to.contain("nonce: the reply does not echo the request's nonce");
        } finally {
          await replaying.close();
        }
      });
    });

    describe("when the TSA is not answering RFC 3161", function () {
      const cases: {
        title: string;
        code: TimestampErrorCode;
        message: RegExp;
        listener: RequestListener;
        options?: object;
      }[] = [
        {
          title: "an HTTP error",
          code: "tsa-unavailable",
          message: /answered HTTP 503/,
          listener: (_req, res) => res.writeHead(503).end(),
        },
        {
          title: "a web page",
          code: "tsa-unavailable",
          message: /answered text\/html, not application\/timestamp-reply/,
          listener: (_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html></html>"),
        },
        {
          title: "a reply over the size limit, sent chunked",
          code: "tsa-unavailable",
          message: /more than 1000 bytes/,
          listener: (_req, res) => {
            res.writeHead(200, { "content-type": "application/timestamp-reply" });
            res.write(Buffer.alloc(800));
            res.end(Buffer.alloc(800));
          },
          options: { maxReplyBytes: 1000 },
        },
        {
          title: "garbage with the right content type",
          code: "tsa-reply-invalid",
          message: /not a DER TimeStampResp/,
          listener: (_req, res) => res.writeHead(200, { "content-type": "application/timestamp-reply" }).end("garbage"),
        },
        {
          title: "silence",
          code: "tsa-unavailable",
          message: /did not answer within 300 ms/,
          listener: () => undefined,
          options: { timeoutMs: 300 },
        },
      ];
      for (const { title, code, message, listener, options } of cases) {
        it(`answers ${code} for ${title}`, async function () {
          const peer = await misbehaving(listener);
          try {
            const client = new HttpTimeStampClient({ url: peer.url, trustAnchors: anchors, ...options });
            const error = await client.timeStamp(digestOf(title)).catch((e: unknown) => e);
            expect(isTimestampError(error, code), String(error)).to.equal(true);
            expect((error as Error).message).to.match(message);
          } finally {
            await peer.close();
          }
        });
      }

      it("answers tsa-unavailable when nothing listens", async function () {
        const client = new HttpTimeStampClient({ url: `http://127.0.0.1:${await freePort()}/`, trustAnchors: anchors });
        const error = await client.timeStamp(digestOf("g")).catch((e: unknown) => e);
        expect(isTimestampError(error, "tsa-unavailable"), String(error)).to.equal(true);
      });
    });
  });

  describe("constructor", function () {
    it("refuses a client with nothing to trust, or a URL that is not HTTP", function () {
      expect(() => new HttpTimeStampClient({ url: server.url, trustAnchors: [] })).to.throw(RangeError);
      expect(() => new HttpTimeStampClient({ url: "ftp://127.0.0.1/", trustAnchors: anchors })).to.throw(RangeError);
    });

    it("answers certificate-malformed for a trusted certificate that is not one", function () {
      const error = (() => {
        try {
          return new HttpTimeStampClient({
            url: server.url,
            trustAnchors: [...anchors, new TextEncoder().encode("x")],
          });
        } catch (e) {
          return e;
        }
      })();
      expect(isTimestampError(error, "certificate-malformed"), String(error)).to.equal(true);
      expect((error as Error).message).to.contain("certificate 2");
    });
  });
});
