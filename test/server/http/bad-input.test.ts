import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import request from "supertest";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { EMPTY_CONTENT_SHA256 } from "../../../server/api/empty-content";
import { OID } from "../../../server/timestamp/oids";
import { decodeTimeStampReply } from "../../../server/timestamp/token-verification";
import { prepareListener } from "../../../server/http/listener";
import type { ReceiptV1 } from "../../../server/proof/receipt";
import { ROOT } from "../../support/processes";
import { InProcessHardhatChain, openTestService, type ServiceHarness } from "../service-fixture";

/**
 * The bad-input catalogue: every row of docs/bad-input.md is one case here, in the same order, with
 * the same endpoint, input, status and type; a test below checks the two agree.
 */

const PROBLEM = "urn:docproof:problem:";
const IDLE_MS = 300;
const TOTAL_MS = 1_500;
const MAX_UPLOAD = 64 * 1024;
const BOUNDARY = "docproof-boundary";

const sha256 = (content: Buffer | string) => createHash("sha256").update(content).digest("hex");
const randomSha = () => randomBytes(32).toString("hex");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Reply {
  status: number;
  contentType: string;
  body: Record<string, unknown>;
}

interface Part {
  name?: string;
  filename?: string | Buffer;
  content: Buffer | string;
}

/** A multipart/form-data body, built by hand so that any byte can go anywhere. */
function multipart(parts: Part[], close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = [Buffer.from("Content-Disposition: form-data")];
    if (part.name !== undefined) disposition.push(Buffer.from(`; name="${part.name}"`));
    if (part.filename !== undefined) {
      disposition.push(Buffer.from('; filename="'), Buffer.from(part.filename), Buffer.from('"'));
    }
    chunks.push(
      Buffer.from(`--${BOUNDARY}\r\n`),
      ...disposition,
      // A part with a filename is a file; one without is a text field, as browsers send them.
      Buffer.from(part.filename === undefined ? "\r\n\r\n" : "\r\nContent-Type: application/octet-stream\r\n\r\n"),
      Buffer.from(part.content),
      Buffer.from("\r\n"),
    );
  }
  if (close) chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

describe("bad input catalogue (docs/bad-input.md)", function () {
  this.timeout(120_000);
  const chain = new InProcessHardhatChain();
  const scratch = mkdtempSync(path.join(tmpdir(), "docproof-bad-input-"));
  const privateTmp = path.join(scratch, "tmp");
  const webDir = path.join(scratch, "web");
  const savedTmpdir = process.env.TMPDIR;
  let harness: ServiceHarness;
  let server: Server;
  let port: number;
  let anchored: { content: Buffer; digest: string; receipt: ReceiptV1 };

  before(async () => {
    mkdirSync(privateTmp);
    mkdirSync(webDir);
    writeFileSync(path.join(webDir, "index.html"), "<!doctype html><title>Docproof</title>\n");
    // Anything in this process that asks for a temporary directory gets this one, which must stay empty.
    process.env.TMPDIR = privateTmp;
    await chain.start();
    harness = await openTestService(chain, {
      dataDir: path.join(scratch, "data"),
      maxUploadBytes: MAX_UPLOAD,
      webDir,
      protection: { bodyTimeouts: { idleMs: IDLE_MS, totalMs: TOTAL_MS } },
    });
    server = createServer(harness.service.app);
    prepareListener(server, { requestTimeoutMs: TOTAL_MS + 60_000 });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;

    const content = randomBytes(1000);
    await request(server).post("/api/v1/documents").attach("file", content, "doc.bin").expect(202);
    await harness.service.anchorer.runOnce();
    const digest = sha256(content);
    const { body } = await request(server).get(`/api/v1/documents/${digest}`).expect(200);
    anchored = { content, digest, receipt: body.receipt };
  });

  after(async () => {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await harness.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  const toReply = (response: request.Response): Reply => ({
    status: response.status,
    contentType: response.type,
    body: response.body,
  });
  const post = (url: string, contentType: string | undefined, body: Buffer | string, headers = {}) => {
    const req = request(server).post(url).set(headers);
    if (contentType !== undefined) req.set("content-type", contentType);
    return req.send(body).then(toReply);
  };
  const postJson = (url: string, value: unknown) =>
    post(url, "application/json", typeof value === "string" ? value : JSON.stringify(value));
  const get = (url: string) => request(server).get(url).then(toReply);

  /**
   * Sends raw bytes over a socket, in steps (a number is a pause in ms), stopping once the server
   * answers or closes, and parses the answer.
   */
  async function raw(steps: (Buffer | string | number)[]): Promise<Reply> {
    const socket = connect(port, "127.0.0.1");
    let received = Buffer.alloc(0);
    let closed = false;
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
    });
    const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.on("close", () => {
      closed = true;
    });
    socket.on("error", () => {});
    await new Promise((resolve) => socket.once("connect", resolve));
    for (const step of steps) {
      if (closed || received.length > 0) break;
      if (typeof step === "number") await Promise.race([sleep(step), ended]);
      else socket.write(step);
    }
    await Promise.race([ended, sleep(10_000)]);
    socket.destroy();
    const text = received.toString("latin1");
    const headEnd = text.indexOf("\r\n\r\n");
    const head = text.slice(0, headEnd);
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
    const contentType = /^content-type: ([^;\r\n]+)/im.exec(head)?.[1] ?? "";
    const bodyText = received.subarray(Buffer.byteLength(text.slice(0, headEnd + 4), "latin1")).toString("utf8");
    return { status, contentType, body: bodyText === "" ? {} : JSON.parse(bodyText) };
  }

  const rawHead = (method: string, url: string, headers: Record<string, string | number>) =>
    `${method} ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("")}\r\n`;

  /** A POST with exactly these bytes (supertest would re-encode a Buffer sent as JSON). */
  const rawPost = (url: string, contentType: string, body: Buffer, headers: Record<string, string> = {}) =>
    raw([
      rawHead("POST", url, {
        "Content-Type": contentType,
        "Content-Length": body.length,
        Connection: "close",
        ...headers,
      }),
      body,
    ]);

  const receiptWith = (change: Record<string, unknown>) => ({ ...anchored.receipt, ...change });
  const withoutProof = () => {
    const { proof: _proof, ...rest } = anchored.receipt;
    return rest;
  };
  const fakeProof = (length: number) => Array.from({ length }, () => `0x${randomSha()}`);
  const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

  interface Case {
    endpoint: string;
    input: string;
    status: number;
    /**
     * A problem code, `accepted` for inputs the service takes (the row says how), or
     * `rejected:<failure>` for an RFC 3161 rejection the TSA answers as a time-stamp reply.
     */
    type: string;
    /** The media type of an accepted answer, when it is not JSON. */
    contentType?: string;
    send: () => Promise<Reply>;
    /** What an accepted input adds to the store's document count. */
    adds?: number;
    check?: (reply: Reply) => void;
  }

  /** A time-stamp query with exactly these bytes; the reply decoded (status, failure bits, text). */
  const postTsa = async (body: Buffer | Uint8Array, contentType = "application/timestamp-query") => {
    const response = await request(server)
      .post("/tsa")
      .set("content-type", contentType)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => done(null, Buffer.concat(chunks)));
      })
      .send(Buffer.from(body));
    const bytes = response.body as Buffer;
    if (response.type !== "application/timestamp-reply") {
      return { status: response.status, contentType: response.type, body: JSON.parse(bytes.toString("utf8")) };
    }
    const reply = decodeTimeStampReply(new Uint8Array(bytes));
    return {
      status: response.status,
      contentType: response.type,
      body: { status: reply.statusName, failure: reply.failure, text: reply.text },
    };
  };
  /** A DER TimeStampReq for `digest` (32 random bytes unless given), with fields changed. */
  const tsq = (
    fields: Partial<pkijs.TimeStampReq> = {},
    digest: Uint8Array = randomBytes(32),
    hash: string = OID.sha256,
  ) =>
    Buffer.from(
      new pkijs.TimeStampReq({
        version: 1,
        messageImprint: new pkijs.MessageImprint({
          hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: hash, algorithmParams: new asn1js.Null() }),
          hashedMessage: new asn1js.OctetString({ valueHex: digest }),
        }),
        certReq: true,
        ...fields,
      })
        .toSchema()
        .toBER(),
    );

  const DOCS = "POST /api/v1/documents";
  const TSA = "POST /tsa";
  const VERIFY = "POST /api/v1/verify";
  const REVOKE = "POST /api/v1/documents/{sha256}/revoke";
  const STATUS = "GET /api/v1/documents/{sha256}";
  const LIST = "GET /api/v1/documents";
  const cutMultipart = () =>
    multipart([{ name: "file", filename: "a.pdf", content: randomBytes(5000) }]).subarray(0, 3000);
  const trickleMultipart = () => {
    const head = multipart([{ name: "file", filename: "a.pdf", content: "" }], false).subarray(0, -2);
    const steps: (string | Buffer | number)[] = [
      rawHead("POST", "/api/v1/documents", { "Content-Type": MULTIPART, "Content-Length": head.length + 1000 }),
      head,
    ];
    for (let i = 0; i < 40; i++) steps.push(IDLE_MS / 3, "x");
    return steps;
  };

  const CASES: Case[] = [
    // Uploads
    {
      endpoint: DOCS,
      input: "a multipart body cut off inside the file part",
      status: 400,
      type: "malformed-multipart",
      send: () => post("/api/v1/documents", MULTIPART, cutMultipart()),
    },
    {
      endpoint: DOCS,
      input: "an upload that stops sending midway, longer than `BODY_IDLE_TIMEOUT_MS`",
      status: 408,
      type: "request-timeout",
      send: () => {
        const body = cutMultipart();
        return raw([
          rawHead("POST", "/api/v1/documents", { "Content-Type": MULTIPART, "Content-Length": body.length + 2000 }),
          body,
          IDLE_MS * 10,
        ]);
      },
    },
    {
      endpoint: DOCS,
      input: "an upload that trickles a byte at a time for longer than `BODY_TIMEOUT_MS`",
      status: 408,
      type: "request-timeout",
      send: () => raw(trickleMultipart()),
    },
    {
      endpoint: DOCS,
      input: "`multipart/form-data` without a boundary",
      status: 400,
      type: "malformed-multipart",
      send: () =>
        post("/api/v1/documents", "multipart/form-data", multipart([{ name: "file", filename: "a", content: "a" }])),
    },
    {
      endpoint: DOCS,
      input: "a JSON body labelled `multipart/form-data`",
      status: 400,
      type: "malformed-multipart",
      send: () => post("/api/v1/documents", MULTIPART, JSON.stringify({ sha256: randomSha() })),
    },
    {
      endpoint: DOCS,
      input: "a multipart body with no parts",
      status: 400,
      type: "missing-file",
      send: () => post("/api/v1/documents", MULTIPART, `--${BOUNDARY}--\r\n`),
    },
    {
      endpoint: DOCS,
      input: "an empty file (0 bytes)",
      status: 400,
      type: "empty-file",
      send: () =>
        post("/api/v1/documents", MULTIPART, multipart([{ name: "file", filename: "empty.pdf", content: "" }])),
    },
    {
      endpoint: DOCS,
      input: "two `file` parts",
      status: 400,
      type: "too-many-files",
      check: (reply) => expect(reply.body.detail).to.match(/^One file per request/),
      send: () =>
        post(
          "/api/v1/documents",
          MULTIPART,
          multipart([
            { name: "file", filename: "a", content: "a" },
            { name: "file", filename: "b", content: "b" },
          ]),
        ),
    },
    {
      endpoint: DOCS,
      input: "the file in a part not named `file`",
      status: 400,
      type: "unexpected-field",
      check: (reply) => expect(reply.body.detail).to.include("'document'").and.include("in the part 'file'"),
      send: () => post("/api/v1/documents", MULTIPART, multipart([{ name: "document", filename: "a", content: "a" }])),
    },
    {
      endpoint: DOCS,
      input: "a text field next to the file",
      status: 400,
      type: "unexpected-field",
      send: () =>
        post(
          "/api/v1/documents",
          MULTIPART,
          multipart([
            { name: "note", content: "hello" },
            { name: "file", filename: "a", content: "a" },
          ]),
        ),
    },
    {
      endpoint: DOCS,
      input: "a part without a name",
      status: 400,
      type: "malformed-multipart",
      send: () => post("/api/v1/documents", MULTIPART, multipart([{ filename: "a", content: "a" }])),
    },
    {
      endpoint: DOCS,
      input: "a file over `MAX_UPLOAD_BYTES`",
      status: 413,
      type: "file-too-large",
      send: () =>
        post(
          "/api/v1/documents",
          MULTIPART,
          multipart([{ name: "file", filename: "big", content: randomBytes(MAX_UPLOAD + 1) }]),
        ),
    },
    {
      endpoint: DOCS,
      input: "a part header over 16 KiB (an overlong filename)",
      status: 400,
      type: "malformed-multipart",
      send: () =>
        post("/api/v1/documents", MULTIPART, multipart([{ name: "file", filename: "a".repeat(20_000), content: "a" }])),
    },
    {
      endpoint: DOCS,
      input: "a path-traversal filename (`../../../../tmp/docproof-owned`)",
      status: 202,
      type: "accepted",
      adds: 1,
      send: () =>
        post(
          "/api/v1/documents",
          MULTIPART,
          multipart([{ name: "file", filename: "../../../../tmp/docproof-owned", content: randomBytes(64) }]),
        ),
      // Checked with this very request, so the case proves it whether or not any other case ran.
      check: () => expect(readdirSync("/tmp")).to.not.include("docproof-owned"),
    },
    {
      endpoint: DOCS,
      input: "a filename that is not UTF-8 (bytes FF FE)",
      status: 202,
      type: "accepted",
      adds: 1,
      send: () =>
        post(
          "/api/v1/documents",
          MULTIPART,
          multipart([{ name: "file", filename: Buffer.from([0xff, 0xfe, 0x41]), content: randomBytes(64) }]),
        ),
    },
    {
      endpoint: DOCS,
      input: "a NUL byte in a filename",
      status: 400,
      type: "malformed-multipart",
      send: () =>
        post(
          "/api/v1/documents",
          MULTIPART,
          multipart([{ name: "file", filename: Buffer.from([0x61, 0x00, 0x62]), content: randomBytes(64) }]),
        ),
    },
    {
      endpoint: DOCS,
      input: "`Content-Type: text/plain`",
      status: 415,
      type: "unsupported-media-type",
      send: () => post("/api/v1/documents", "text/plain", randomSha()),
    },
    {
      endpoint: DOCS,
      input: "a body without `Content-Type`",
      status: 415,
      type: "unsupported-media-type",
      send: () => post("/api/v1/documents", undefined, Buffer.from(randomSha())),
    },
    {
      endpoint: DOCS,
      input: "`application/x-www-form-urlencoded`",
      status: 415,
      type: "unsupported-media-type",
      send: () => post("/api/v1/documents", "application/x-www-form-urlencoded", `sha256=${randomSha()}`),
    },
    // JSON
    {
      endpoint: DOCS,
      input: "a JSON body of 1 MiB",
      status: 413,
      type: "body-too-large",
      send: () => postJson("/api/v1/documents", { sha256: randomSha(), pad: "x".repeat(1024 * 1024) }),
    },
    {
      endpoint: DOCS,
      input: "gzip-compressed JSON that inflates past 64 KiB (a zip bomb)",
      status: 413,
      type: "body-too-large",
      send: () =>
        rawPost(
          "/api/v1/documents",
          "application/json",
          gzipSync(JSON.stringify({ sha256: randomSha(), pad: " ".repeat(10 * 1024 * 1024) })),
          { "Content-Encoding": "gzip" },
        ),
    },
    {
      endpoint: DOCS,
      input: "`Content-Encoding: gzip` over bytes that are not gzip",
      status: 400,
      type: "invalid-json",
      send: () =>
        post("/api/v1/documents", "application/json", JSON.stringify({ sha256: randomSha() }), {
          "content-encoding": "gzip",
        }),
    },
    {
      endpoint: DOCS,
      input: "an unknown `Content-Encoding`",
      status: 415,
      type: "unsupported-media-type",
      send: () =>
        post("/api/v1/documents", "application/json", JSON.stringify({ sha256: randomSha() }), {
          "content-encoding": "compress",
        }),
    },
    {
      endpoint: DOCS,
      input: "JSON declared as `charset=iso-8859-1`",
      status: 415,
      type: "unsupported-media-type",
      send: () =>
        rawPost(
          "/api/v1/documents",
          "application/json; charset=iso-8859-1",
          Buffer.from(JSON.stringify({ sha256: randomSha() }), "latin1"),
        ),
    },
    {
      endpoint: DOCS,
      input: "JSON cut off midway",
      status: 400,
      type: "invalid-json",
      send: () => postJson("/api/v1/documents", `{"sha256": "${randomSha().slice(0, 20)}`),
    },
    {
      endpoint: DOCS,
      input: "a JSON body shorter than its `Content-Length` that stops sending",
      status: 408,
      type: "request-timeout",
      send: () =>
        raw([
          rawHead("POST", "/api/v1/documents", { "Content-Type": "application/json", "Content-Length": 200 }),
          `{"sha256": "${randomSha()}"`,
          IDLE_MS * 10,
        ]),
    },
    {
      endpoint: DOCS,
      input: "a JSON string instead of an object",
      status: 400,
      type: "invalid-json",
      send: () => postJson("/api/v1/documents", JSON.stringify(randomSha())),
    },
    {
      endpoint: DOCS,
      input: "JSON `null`",
      status: 400,
      type: "invalid-json",
      send: () => postJson("/api/v1/documents", "null"),
    },
    {
      endpoint: DOCS,
      input: "a JSON array",
      status: 400,
      type: "invalid-request",
      send: () => postJson("/api/v1/documents", [randomSha()]),
    },
    {
      endpoint: DOCS,
      input: "an empty object (`sha256` missing)",
      status: 400,
      type: "invalid-request",
      send: () => postJson("/api/v1/documents", {}),
    },
    {
      endpoint: DOCS,
      input: "`sha256` as a number",
      status: 400,
      type: "invalid-request",
      send: () => postJson("/api/v1/documents", `{"sha256": 1234567890123456789012345678901234567890}`),
    },
    {
      endpoint: DOCS,
      input: "an unknown field next to `sha256`",
      status: 400,
      type: "invalid-request",
      send: () => postJson("/api/v1/documents", { sha256: randomSha(), note: "x" }),
    },
    {
      endpoint: DOCS,
      input: 'a `"__proto__"` key (prototype pollution)',
      status: 400,
      type: "invalid-request",
      send: () => postJson("/api/v1/documents", `{"sha256": "${randomSha()}", "__proto__": {"polluted": true}}`),
    },
    {
      endpoint: DOCS,
      input: 'a `"constructor": {"prototype": …}` key',
      status: 400,
      type: "invalid-request",
      send: () =>
        postJson("/api/v1/documents", `{"sha256": "${randomSha()}", "constructor": {"prototype": {"polluted": 1}}}`),
    },
    {
      endpoint: DOCS,
      input: "`sha256` of 63 hex characters",
      status: 400,
      type: "invalid-digest",
      send: () => postJson("/api/v1/documents", { sha256: randomSha().slice(1) }),
    },
    {
      endpoint: DOCS,
      input: "`sha256` with a non-hex character",
      status: 400,
      type: "invalid-digest",
      send: () => postJson("/api/v1/documents", { sha256: `${randomSha().slice(1)}g` }),
    },
    {
      endpoint: DOCS,
      input: "`sha256` with a `0X` prefix",
      status: 400,
      type: "invalid-digest",
      send: () => postJson("/api/v1/documents", { sha256: `0X${randomSha()}` }),
    },
    {
      endpoint: DOCS,
      input: "`sha256` with bytes that are not UTF-8",
      status: 400,
      type: "invalid-digest",
      send: () =>
        rawPost(
          "/api/v1/documents",
          "application/json",
          Buffer.concat([
            Buffer.from(`{"sha256": "${randomSha().slice(2)}`),
            Buffer.from([0xc3, 0x28]),
            Buffer.from('"}'),
          ]),
        ),
    },
    {
      endpoint: DOCS,
      input: "`sha256` in upper case with a `0x` prefix",
      status: 202,
      type: "accepted",
      adds: 1,
      send: () => postJson("/api/v1/documents", { sha256: `0x${randomSha().toUpperCase()}` }),
      check: (reply) => expect(reply.body.sha256).to.match(/^[0-9a-f]{64}$/),
    },
    {
      endpoint: DOCS,
      input: "`sha256` with spaces around it",
      status: 202,
      type: "accepted",
      adds: 1,
      send: () => postJson("/api/v1/documents", { sha256: `  ${randomSha()}\n` }),
      check: (reply) => expect(reply.body.sha256).to.match(/^[0-9a-f]{64}$/),
    },
    {
      endpoint: DOCS,
      input: "`sha256` twice in one object",
      status: 202,
      type: "accepted",
      adds: 1,
      send: async () => {
        const [first, last] = [randomSha(), randomSha()];
        const reply = await postJson("/api/v1/documents", `{"sha256": "${first}", "sha256": "${last}"}`);
        expect(reply.body.sha256).to.equal(last);
        return reply;
      },
    },
    {
      endpoint: DOCS,
      input: "`sha256` of empty content (`e3b0c442…b855`)",
      status: 400,
      type: "empty-file",
      send: () => postJson("/api/v1/documents", { sha256: EMPTY_CONTENT_SHA256 }),
    },
    {
      endpoint: REVOKE,
      input: '`reason` as a string (`"1"`)',
      status: 400,
      type: "invalid-request",
      send: () => postJson(`/api/v1/documents/${anchored.digest}/revoke`, { reason: "1" }),
    },
    {
      endpoint: REVOKE,
      input: "`reason` with a fraction (`1.5`)",
      status: 400,
      type: "invalid-request",
      send: () => postJson(`/api/v1/documents/${anchored.digest}/revoke`, { reason: 1.5 }),
    },
    {
      endpoint: REVOKE,
      input: "`reason` outside 0–65535 (`-1`)",
      status: 400,
      type: "invalid-request",
      send: () => postJson(`/api/v1/documents/${anchored.digest}/revoke`, { reason: -1 }),
    },
    {
      endpoint: REVOKE,
      input: '`reason` as a name that is not listed (`"outdated"`)',
      status: 400,
      type: "invalid-request",
      check: (reply) => expect(reply.body.detail).to.include("superseded"),
      send: () => postJson(`/api/v1/documents/${anchored.digest}/revoke`, { reason: "outdated" }),
    },
    {
      endpoint: REVOKE,
      input: "a form body instead of JSON",
      status: 415,
      type: "unsupported-media-type",
      send: () => post(`/api/v1/documents/${anchored.digest}/revoke`, "application/x-www-form-urlencoded", "reason=1"),
    },
    {
      endpoint: REVOKE,
      input: "no body",
      status: 415,
      type: "unsupported-media-type",
      check: (reply) => {
        expect(reply.body.detail).to.match(/JSON only/);
        expect(`${String(reply.body.title)} ${String(reply.body.detail)}`).to.not.match(/multipart/i);
      },
      send: () => raw([rawHead("POST", `/api/v1/documents/${anchored.digest}/revoke`, { Connection: "close" })]),
    },
    // Receipts
    {
      endpoint: VERIFY,
      input: "a receipt with an extra field",
      status: 400,
      type: "receipt-malformed",
      send: () => postJson("/api/v1/verify", { sha256: anchored.digest, receipt: receiptWith({ note: "x" }) }),
    },
    {
      endpoint: VERIFY,
      input: "a receipt without `proof`",
      status: 400,
      type: "receipt-malformed",
      send: () => postJson("/api/v1/verify", { sha256: anchored.digest, receipt: withoutProof() }),
    },
    {
      endpoint: VERIFY,
      input: "`blockNumber` as a string",
      status: 400,
      type: "receipt-malformed",
      send: () =>
        postJson("/api/v1/verify", {
          sha256: anchored.digest,
          receipt: receiptWith({ blockNumber: String(anchored.receipt.blockNumber) }),
        }),
    },
    {
      endpoint: VERIFY,
      input: "`chainId` beyond 2^53",
      status: 400,
      type: "receipt-malformed",
      send: () => postJson("/api/v1/verify", { sha256: anchored.digest, receipt: receiptWith({ chainId: 2 ** 60 }) }),
    },
    {
      endpoint: VERIFY,
      input: "`version: 2`",
      status: 400,
      type: "receipt-malformed",
      send: () => postJson("/api/v1/verify", { sha256: anchored.digest, receipt: receiptWith({ version: 2 }) }),
    },
    {
      endpoint: VERIFY,
      input: "upper-case hex in `merkleRoot`",
      status: 400,
      type: "receipt-malformed",
      send: () =>
        postJson("/api/v1/verify", {
          sha256: anchored.digest,
          receipt: receiptWith({ merkleRoot: `0x${anchored.receipt.merkleRoot.slice(2).toUpperCase()}` }),
        }),
    },
    {
      endpoint: VERIFY,
      input: "a receipt that is JSON `null`",
      status: 400,
      type: "receipt-malformed",
      send: () => postJson("/api/v1/verify", { sha256: anchored.digest, receipt: null }),
    },
    {
      endpoint: VERIFY,
      input: "a receipt nested 10,000 arrays deep",
      status: 400,
      type: "receipt-malformed",
      send: () => postJson("/api/v1/verify", `{"sha256": "${anchored.digest}", "receipt": ${nested(10_000)}}`),
    },
    {
      endpoint: VERIFY,
      input: "a proof of 65 nodes (deeper than any batch)",
      status: 400,
      type: "receipt-malformed",
      send: () =>
        postJson("/api/v1/verify", { sha256: anchored.digest, receipt: receiptWith({ proof: fakeProof(65) }) }),
    },
    {
      endpoint: VERIFY,
      input: "a proof of 40,000 nodes in a JSON body",
      status: 413,
      type: "body-too-large",
      send: () =>
        postJson("/api/v1/verify", { sha256: anchored.digest, receipt: receiptWith({ proof: fakeProof(40_000) }) }),
    },
    {
      endpoint: VERIFY,
      input: "a proof of 40,000 nodes in an uploaded receipt",
      status: 413,
      type: "receipt-too-large",
      send: () =>
        post(
          "/api/v1/verify",
          MULTIPART,
          multipart([
            { name: "file", filename: "doc.bin", content: anchored.content },
            { name: "receipt", filename: "r.json", content: JSON.stringify(receiptWith({ proof: fakeProof(40_000) })) },
          ]),
        ),
    },
    {
      endpoint: VERIFY,
      input: "an uploaded receipt that is not JSON",
      status: 400,
      type: "receipt-malformed",
      send: () =>
        post(
          "/api/v1/verify",
          MULTIPART,
          multipart([
            { name: "file", filename: "doc.bin", content: anchored.content },
            { name: "receipt", filename: "r.json", content: randomBytes(200) },
          ]),
        ),
    },
    {
      endpoint: VERIFY,
      input: "an uploaded receipt in UTF-16",
      status: 400,
      type: "receipt-malformed",
      send: () =>
        post(
          "/api/v1/verify",
          MULTIPART,
          multipart([
            { name: "file", filename: "doc.bin", content: anchored.content },
            {
              name: "receipt",
              filename: "r.json",
              content: Buffer.concat([
                Buffer.from([0xff, 0xfe]),
                Buffer.from(JSON.stringify(anchored.receipt), "utf16le"),
              ]),
            },
          ]),
        ),
    },
    {
      endpoint: VERIFY,
      input: "two `receipt` parts",
      status: 400,
      type: "too-many-files",
      send: () =>
        post(
          "/api/v1/verify",
          MULTIPART,
          multipart([
            { name: "file", filename: "doc.bin", content: anchored.content },
            { name: "receipt", filename: "a.json", content: JSON.stringify(anchored.receipt) },
            { name: "receipt", filename: "b.json", content: JSON.stringify(anchored.receipt) },
          ]),
        ),
    },
    {
      endpoint: VERIFY,
      input: "the file in a part not named `file` or `receipt`",
      status: 400,
      type: "unexpected-field",
      check: (reply) => expect(reply.body.detail).to.include("in the part 'file'").and.include("in the part 'receipt'"),
      send: () => post("/api/v1/verify", MULTIPART, multipart([{ name: "document", filename: "a", content: "a" }])),
    },
    {
      endpoint: VERIFY,
      input: "a receipt whose proof does not lead to its `merkleRoot`",
      status: 422,
      type: "receipt-tampered",
      send: () =>
        postJson("/api/v1/verify", {
          sha256: anchored.digest,
          receipt: receiptWith({ merkleRoot: `0x${randomSha()}` }),
        }),
    },
    {
      endpoint: VERIFY,
      input: "a valid receipt with another document",
      status: 200,
      type: "accepted",
      send: () =>
        post(
          "/api/v1/verify",
          MULTIPART,
          multipart([
            { name: "file", filename: "other.bin", content: randomBytes(100) },
            { name: "receipt", filename: "r.json", content: JSON.stringify(anchored.receipt) },
          ]),
        ),
      check: (reply) => expect(reply.body).to.include({ valid: false, status: "unknown" }),
    },
    {
      endpoint: VERIFY,
      input: "`sha256` of empty content (`e3b0c442…b855`)",
      status: 400,
      type: "empty-file",
      send: () => postJson("/api/v1/verify", { sha256: EMPTY_CONTENT_SHA256 }),
    },
    // Path parameters and the request itself
    {
      endpoint: STATUS,
      input: "a digest of 8,000 characters",
      status: 400,
      type: "invalid-digest",
      send: () => get(`/api/v1/documents/${"a".repeat(8000)}`),
    },
    {
      endpoint: STATUS,
      input: "an encoded path traversal (`..%2F..%2Fpackage.json`)",
      status: 400,
      type: "invalid-digest",
      send: () => get("/api/v1/documents/..%2F..%2Fpackage.json"),
    },
    {
      endpoint: STATUS,
      input: "a NUL byte (`%00`)",
      status: 400,
      type: "invalid-digest",
      send: () => get(`/api/v1/documents/${randomSha()}%00`),
    },
    {
      endpoint: STATUS,
      input: "broken percent-encoding (`%E0%A4%A`)",
      status: 400,
      type: "malformed-url",
      send: () => get("/api/v1/documents/%E0%A4%A"),
    },
    {
      endpoint: STATUS,
      input: "a known digest in upper case with a `0x` prefix",
      status: 200,
      type: "accepted",
      send: () => get(`/api/v1/documents/0x${anchored.digest.toUpperCase()}`),
      check: (reply) => expect(reply.body).to.include({ sha256: anchored.digest, status: "anchored" }),
    },
    {
      endpoint: "GET /api/v1/documents/{sha256}/receipt",
      input: "a digest of 64 hex characters and a trailing dot",
      status: 400,
      type: "invalid-digest",
      send: () => get(`/api/v1/documents/${anchored.digest}./receipt`),
    },
    {
      endpoint: REVOKE,
      input: "an invalid digest with a valid body",
      status: 400,
      type: "invalid-digest",
      send: () => postJson(`/api/v1/documents/${randomSha().slice(2)}/revoke`, { reason: 1 }),
    },
    {
      endpoint: "GET /{file}",
      input: "a path traversal out of the page's folder (`/%2e%2e/%2e%2e/package.json`)",
      status: 404,
      type: "route-not-found",
      send: () => raw([rawHead("GET", "/%2e%2e/%2e%2e/package.json", { Connection: "close" })]),
    },
    {
      endpoint: "any",
      input: "a URL longer than 16 KiB",
      status: 431,
      type: "headers-too-large",
      send: () => raw([rawHead("GET", `/api/v1/documents/${"a".repeat(20_000)}`, { Connection: "close" })]),
    },
    {
      endpoint: "any",
      input: "a request line that is not HTTP",
      status: 400,
      type: "malformed-http",
      send: () => raw(["GARBAGE\x00 / NOT-HTTP\r\n\r\n"]),
    },
    {
      endpoint: "any",
      input: "an `Expect` header other than `100-continue`",
      status: 417,
      type: "expectation-failed",
      check: (reply) => expect(reply.body.detail).to.include('"200-ok"'),
      send: () => raw([rawHead("GET", "/healthz", { Expect: "200-ok", Connection: "close" })]),
    },
    // The list of documents
    {
      endpoint: LIST,
      input: "`limit` over 100 (`101`)",
      status: 400,
      type: "invalid-query",
      send: () => get("/api/v1/documents?limit=101"),
    },
    {
      endpoint: LIST,
      input: "`limit=0`",
      status: 400,
      type: "invalid-query",
      send: () => get("/api/v1/documents?limit=0"),
    },
    {
      endpoint: LIST,
      input: "`limit` given twice",
      status: 400,
      type: "invalid-query",
      check: (reply) => expect(reply.body.detail).to.include("limit"),
      send: () => get("/api/v1/documents?limit=1&limit=2"),
    },
    {
      endpoint: LIST,
      input: "an unknown `status` (`lost`)",
      status: 400,
      type: "invalid-query",
      send: () => get("/api/v1/documents?status=lost"),
    },
    {
      endpoint: LIST,
      input: "a `registrar` that is not an address (`0x1234`)",
      status: 400,
      type: "invalid-query",
      send: () => get("/api/v1/documents?registrar=0x1234"),
    },
    {
      endpoint: LIST,
      input: "a time without its zone (`2026-05-01T10:00:00`)",
      status: 400,
      type: "invalid-query",
      check: (reply) => expect(reply.body.detail).to.include("ISO 8601"),
      send: () => get("/api/v1/documents?from=2026-05-01T10:00:00"),
    },
    {
      endpoint: LIST,
      input: "`from` after `to`",
      status: 400,
      type: "invalid-query",
      send: () => get("/api/v1/documents?from=2026-05-02&to=2026-05-01"),
    },
    {
      endpoint: LIST,
      input: "an unknown parameter (`sort=oldest`)",
      status: 400,
      type: "invalid-query",
      check: (reply) => expect(reply.body.detail).to.include("sort"),
      send: () => get("/api/v1/documents?sort=oldest"),
    },
    {
      endpoint: LIST,
      input: "a `cursor` the list never gave",
      status: 400,
      type: "invalid-cursor",
      send: () => get(`/api/v1/documents?cursor=${Buffer.from('{"v":1}').toString("base64url")}`),
    },
    {
      endpoint: LIST,
      input: "a `cursor` given for other filters",
      status: 400,
      type: "invalid-cursor",
      send: async () => {
        const first = await get("/api/v1/documents?limit=1");
        expect(first.body.next).to.be.a("string");
        return get(`/api/v1/documents?limit=1&status=anchored&cursor=${String(first.body.next)}`);
      },
    },
    {
      endpoint: LIST,
      input: "a `registrar` in lower case, `from` as Unix seconds",
      status: 200,
      type: "accepted",
      send: () =>
        get(
          `/api/v1/documents?registrar=${anchored.receipt.registrar.toLowerCase()}&from=${anchored.receipt.timestamp}`,
        ),
      check: (reply) => {
        const documents = reply.body.documents as { sha256: string; anchoredBy?: { address: string } }[];
        const entry = documents.find((d) => d.sha256 === anchored.digest);
        expect(entry?.anchoredBy?.address).to.equal(anchored.receipt.registrar);
      },
    },
    // The Time-Stamp Authority (RFC 3161)
    {
      endpoint: TSA,
      input: "a query for a SHA-256 imprint (`openssl ts -query -sha256 -cert`)",
      status: 200,
      type: "accepted",
      contentType: "application/timestamp-reply",
      adds: 1,
      send: () => postTsa(tsq()),
      check: (reply) => expect(reply.body).to.include({ status: "granted" }),
    },
    {
      endpoint: TSA,
      input: "`Content-Type: application/octet-stream`",
      status: 415,
      type: "unsupported-media-type",
      check: (reply) => expect(reply.body.detail).to.include("application/timestamp-query"),
      send: () => postTsa(tsq(), "application/octet-stream"),
    },
    {
      endpoint: TSA,
      input: "a query without `Content-Type`",
      status: 415,
      type: "unsupported-media-type",
      send: () => post("/tsa", undefined, tsq()),
    },
    {
      endpoint: TSA,
      input: "a body over 16 KiB",
      status: 413,
      type: "body-too-large",
      check: (reply) => expect(reply.body.detail).to.include("16384 bytes"),
      send: () => postTsa(randomBytes(16 * 1024 + 1)),
    },
    {
      endpoint: TSA,
      input: "gzip-compressed bytes that inflate past 16 KiB",
      status: 413,
      type: "body-too-large",
      send: () =>
        rawPost("/tsa", "application/timestamp-query", gzipSync(Buffer.alloc(1024 * 1024)), {
          "Content-Encoding": "gzip",
        }),
    },
    {
      endpoint: TSA,
      input: "`Content-Encoding: gzip` over bytes that are not gzip",
      status: 400,
      type: "invalid-request",
      send: () => rawPost("/tsa", "application/timestamp-query", tsq(), { "Content-Encoding": "gzip" }),
    },
    {
      endpoint: "GET /tsa",
      input: "a method other than POST",
      status: 405,
      type: "method-not-allowed",
      check: (reply) => expect(reply.body.detail).to.include("POST"),
      send: () => get("/tsa"),
    },
    {
      endpoint: TSA,
      input: "an empty body",
      status: 200,
      type: "rejected:badDataFormat",
      send: () => postTsa(Buffer.alloc(0)),
    },
    {
      endpoint: TSA,
      input: "bytes that are not DER",
      status: 200,
      type: "rejected:badDataFormat",
      send: () => postTsa(Buffer.from("this is not a time-stamp request")),
    },
    {
      endpoint: TSA,
      input: "a query with bytes after it",
      status: 200,
      type: "rejected:badDataFormat",
      send: () => postTsa(Buffer.concat([tsq(), Buffer.from([0])])),
    },
    {
      endpoint: TSA,
      input: "a SHA-1 imprint",
      status: 200,
      type: "rejected:badAlg",
      send: () => postTsa(tsq({}, randomBytes(20), OID.sha1)),
    },
    {
      endpoint: TSA,
      input: "a SHA-256 imprint of 20 bytes",
      status: 200,
      type: "rejected:badDataFormat",
      send: () => postTsa(tsq({}, randomBytes(20))),
    },
    {
      endpoint: TSA,
      input: "request version 2",
      status: 200,
      type: "rejected:badRequest",
      send: () => postTsa(tsq({ version: 2 })),
    },
    {
      endpoint: TSA,
      input: "a policy the TSA does not serve (`-tspolicy 1.2.3.4.5`)",
      status: 200,
      type: "rejected:unacceptedPolicy",
      send: () => postTsa(tsq({ reqPolicy: "1.2.3.4.5" })),
    },
    {
      endpoint: TSA,
      input: "the SHA-256 of empty content (`e3b0c442…b855`)",
      status: 200,
      type: "rejected:badRequest",
      check: (reply) => expect(reply.body.text).to.include("The document is empty"),
      send: () => postTsa(tsq({}, Buffer.from(EMPTY_CONTENT_SHA256, "hex"))),
    },
  ];

  function documentedRows(): string[][] {
    const markdown = readFileSync(path.join(ROOT, "docs", "bad-input.md"), "utf8");
    return markdown
      .split("\n")
      .filter((line) => /^\|\s*\d+\s*\|/.test(line))
      .map((line) =>
        line
          .slice(1, -1)
          .split(/(?<!\\)\|/)
          .map((cell) => cell.trim()),
      );
  }

  it("documents every case in docs/bad-input.md, in order, with its outcome", function () {
    const rows = documentedRows().map(([n, endpoint, input, status, type]) => [n, endpoint, input, status, type]);
    const typeCell = (type: string) =>
      type === "accepted"
        ? "accepted"
        : type.startsWith("rejected:")
          ? `\`${type.slice("rejected:".length)}\``
          : `\`${type}\``;
    const expected = CASES.map((c, i) => [
      String(i + 1),
      `\`${c.endpoint}\``,
      c.input,
      String(c.status),
      typeCell(c.type),
    ]);
    expect(rows).to.deep.equal(expected);
    expect(CASES.length).to.be.at.least(30);
  });

  CASES.forEach((c, index) => {
    const outcome =
      c.type === "accepted"
        ? `accepts it with ${c.status}`
        : c.type.startsWith("rejected:")
          ? `rejects it with ${c.type.slice("rejected:".length)}`
          : `answers ${c.status} ${c.type}`;
    it(`#${index + 1} ${c.endpoint}: ${outcome} for ${c.input}`, async function () {
      const dataFiles = readdirSync(harness.dataDir).sort();
      const before = harness.service.store.stats();

      const reply = await c.send();

      expect(reply.status, JSON.stringify(reply.body)).to.equal(c.status);
      if (c.type === "accepted") {
        expect(reply.contentType).to.equal(c.contentType ?? "application/json");
      } else if (c.type.startsWith("rejected:")) {
        expect(reply.contentType).to.equal("application/timestamp-reply");
        expect(reply.body).to.deep.include({ status: "rejection", failure: [c.type.slice("rejected:".length)] });
      } else {
        expect(reply.contentType).to.equal("application/problem+json");
        expect(reply.body).to.include({ type: `${PROBLEM}${c.type}`, status: c.status });
        expect(reply.body.title).to.be.a("string").and.not.empty;
        expect(reply.body.detail).to.be.a("string").and.not.empty;
      }
      c.check?.(reply);

      expect(harness.service.store.stats()).to.deep.equal({
        ...before,
        documents: before.documents + (c.adds ?? 0),
        unbatched: before.unbatched + (c.adds ?? 0),
      });
      expect(readdirSync(harness.dataDir).sort()).to.deep.equal(dataFiles);
      expect(readdirSync(privateTmp)).to.deep.equal([]);
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
      await request(server).get("/healthz").expect(200);
    });
  });
});
