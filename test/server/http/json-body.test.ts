import { expect } from "chai";
import express, { json, type ErrorRequestHandler } from "express";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { gzipSync } from "node:zlib";
import { jsonBody, takeBufferedJson } from "../../../server/http/json-body";

const LIMIT = 1024;
const TIMEOUTS = { idleMs: 5_000, totalMs: 5_000 };

interface RawRequest {
  headers: Record<string, string>;
  body: Buffer;
}

interface Answer {
  status: number;
  json: unknown;
}

/**
 * Sends the request line, headers and body in one write, so the body is buffered with the headers;
 * the server closes the connection after its answer (`Connection: close`).
 */
function send(port: number, path: string, { headers, body }: RawRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      resolve({ status: Number(text.slice(9, 12)), json: JSON.parse(text.slice(split + 4)) as unknown });
    });
    const head = Object.entries({ host: "localhost", connection: "close", ...headers })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
    socket.write(Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\n${head}\r\n`), body]));
  });
}

const plain = (body: string | Buffer, type = "application/json"): RawRequest => {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  return { headers: { "content-type": type, "content-length": String(bytes.length) }, body: bytes };
};

const gzipped = (text: string): RawRequest => {
  const bytes = gzipSync(text);
  return {
    headers: { "content-type": "application/json", "content-encoding": "gzip", "content-length": String(bytes.length) },
    body: bytes,
  };
};

const chunked = (text: string): RawRequest => ({
  headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
  body: Buffer.from(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n0\r\n\r\n`),
});

/** Requests the buffered path reads itself, and the answer Express's parser gives them too. */
const TAKEN: [string, RawRequest][] = [
  ["an object", plain('{"sha256":"ab","receipt":{"version":1}}')],
  ["an array", plain("[1,2,3]")],
  ["JSON with its charset named", plain('{"a":1}', "application/json; charset=utf-8")],
  ["JSON with its charset quoted and upper-case", plain('{"a":1}', 'Application/JSON;charset="UTF-8"')],
  ["JSON after a byte order mark", plain(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]))],
  ["JSON after white space", plain(' \t\r\n{"a":1}')],
  [
    "a string with bytes that are not UTF-8",
    plain(Buffer.from([...Buffer.from('{"a":"'), 0xff, 0xfe, ...Buffer.from('"}')])),
  ],
  ["a bare string", plain('"abc"')],
  ["a bare number", plain("12")],
  ["null", plain("null")],
  ["a truncated object", plain('{"a":')],
  [
    "a byte order mark alone before a bare value",
    plain(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("1")])),
  ],
];

/** Requests left to Express's parser. */
const LEFT: [string, RawRequest][] = [
  ["a gzip-compressed body", gzipped('{"a":1}')],
  ["a chunked body", chunked('{"a":1}')],
  ["a body in another charset", plain('{"a":1}', "application/json; charset=latin1")],
  ["a body in UTF-16", plain('{"a":1}', "application/json; charset=utf-16")],
  ["a body over the limit", plain(`{"a":"${"x".repeat(LIMIT)}"}`)],
  ["an empty body", plain("")],
  ["another media type", plain('{"a":1}', "text/plain")],
];

describe("jsonBody", function () {
  let server: Server;
  let port: number;

  before(async function () {
    const app = express();
    const answerBody: express.RequestHandler = (req, res) => {
      res.json({ body: req.body as unknown });
    };
    app.post("/reference", json({ limit: LIMIT, strict: true }), answerBody);
    // The parsers run a turn of the event loop after the request's headers, as they do behind the
    // rate limiter: by then a body sent with its headers is buffered.
    const aTurnLater: express.RequestHandler = (_req, _res, next) => void setImmediate(next);
    app.post("/buffered", aTurnLater, jsonBody({ limit: LIMIT }, TIMEOUTS), answerBody);
    app.post("/take", (req, res) => {
      setImmediate(() => {
        const buffered = req.readableLength;
        try {
          const taken = takeBufferedJson(req, LIMIT);
          if (taken === undefined) res.json({ taken: false, buffered, left: req.readableLength });
          else res.json({ taken: true, value: taken.value });
        } catch (error) {
          res.status(400).json({ error: (error as { type?: string }).type });
        }
      });
    });
    const answerError: ErrorRequestHandler = (error: { status?: number; type?: string }, _req, res, _next) => {
      res.status(error.status ?? 500).json({ error: error.type });
    };
    app.use(answerError);
    server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(function () {
    server.close();
  });

  for (const [what, request] of [...TAKEN, ...LEFT]) {
    it(`answers ${what} as Express's JSON parser does`, async function () {
      const reference = await send(port, "/reference", request);
      expect(await send(port, "/buffered", request)).to.deep.equal(reference);
    });
  }

  for (const [what, request] of TAKEN) {
    it(`reads ${what} itself once the body is buffered`, async function () {
      const answer = await send(port, "/take", request);
      const reference = await send(port, "/reference", request);
      if (reference.status === 200) {
        expect(answer).to.deep.equal({
          status: 200,
          json: { taken: true, value: (reference.json as { body: unknown }).body },
        });
      } else {
        expect(reference).to.deep.equal({ status: 400, json: { error: "entity.parse.failed" } });
        expect(answer).to.deep.equal(reference);
      }
    });
  }

  for (const [what, request] of LEFT) {
    it(`leaves ${what} to Express's parser, reading nothing`, async function () {
      const answer = await send(port, "/take", request);
      const arrived = request.headers["content-length"] ?? "7";
      expect(answer).to.deep.equal({
        status: 200,
        json: { taken: false, buffered: Number(arrived), left: Number(arrived) },
      });
    });
  }
});
