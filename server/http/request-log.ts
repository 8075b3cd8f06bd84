import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { Logger } from "../logger";

declare module "node:http" {
  interface IncomingMessage {
    /** The request's id, as its answer's `X-Request-Id` and its log lines carry it. */
    id?: string;
  }
}

/** A caller's own request id is kept when it is short and plain; anything else gets a new one. */
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * One log line per request (method, path, status, time), and a request id that the answer carries
 * in `X-Request-Id`, problem+json carries as `requestId`, and every line the request causes carries
 * too (`req.id`). Only the method, path and address are logged of a request: never its headers,
 * which may hold an API key.
 *
 * NOTE: written over pino rather than with pino-http, which makes two child loggers for every
 * request (one binding the id, one serializing the request) and wraps the request and response in
 * serializers: 14% of the service's CPU time answering verifications at 50 clients
 * (bench/RESULTS.md). Here the line is one call with plain fields. Nothing but plain data is added
 * to the request either: a per-request accessor (a lazy `req.log`) gave every request object a
 * shape of its own, which cost every later property read on it about a tenth of the throughput.
 */
export function requestLog(serviceLog: Logger): RequestHandler {
  // Without the service logger's redaction paths: they are matched against every field of every
  // line (half of a line's cost), and this line's fields are fixed and never hold a credential. The
  // scan for the secrets' values, which covers the path a caller sent, still runs on each line.
  const log = serviceLog.child({}, { redact: [] });
  return (req, res, next) => {
    const offered = req.headers["x-request-id"];
    const id = typeof offered === "string" && CALLER_REQUEST_ID.test(offered) ? offered : randomUUID();
    res.setHeader("X-Request-Id", id);
    req.id = id;
    const started = performance.now();
    const method = req.method;
    // The path only: a query string is the caller's and is not needed to follow a request.
    const url = req.url;
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    const remoteAddress = req.socket.remoteAddress;
    // "close" follows "finish" for an answer sent in full, and comes alone when the connection
    // closed before that (the client gave up, or the answer failed half-way): no status was sent.
    res.once("close", () => {
      const request = { method, path, remoteAddress };
      const responseTime = Math.round(performance.now() - started);
      if (!res.writableFinished) {
        log.warn({ requestId: id, req: request, responseTime }, "request closed before its answer was sent");
        return;
      }
      const fields = { requestId: id, req: request, res: { status: res.statusCode }, responseTime };
      // An outage answers every request with 503, and the chain guard and the store log its start
      // and end: each refused request is a warning. Other 5xx are errors; the rest is routine.
      if (res.statusCode === 503) log.warn(fields, "request failed");
      else if (res.statusCode >= 500) log.error(fields, "request failed");
      else log.info(fields, "request completed");
    });
    next();
  };
}
