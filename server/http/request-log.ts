import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import { pinoHttp } from "pino-http";
import type { Logger } from "../logger";

/** A caller's own request id is kept when it is short and plain; anything else gets a new one. */
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * One log line per request (method, path, status, time), and a request id that the answer carries
 * in `X-Request-Id`, problem+json carries as `requestId`, and every line the request causes carries
 * too (through `req.log`). Only the method, path and address are logged of a request: never its
 * headers, which may hold an API key.
 */
export function requestLog(log: Logger): RequestHandler {
  return pinoHttp({
    logger: log,
    quietReqLogger: true,
    customAttributeKeys: { reqId: "requestId" },
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const offered = req.headers["x-request-id"];
      const id = typeof offered === "string" && CALLER_REQUEST_ID.test(offered) ? offered : randomUUID();
      res.setHeader("X-Request-Id", id);
      return id;
    },
    serializers: {
      req: (req: { method?: string; url?: string; remoteAddress?: string }) => ({
        method: req.method,
        // The path only: a query string is the caller's and is not needed to follow a request.
        path: req.url?.split("?")[0],
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
    },
    // An outage answers every request with 503, and the chain guard and the store log its start and
    // end: each refused request is a warning. Other 5xx are errors; everything else is routine.
    customLogLevel: (_req, res, error) =>
      res.statusCode === 503 ? "warn" : res.statusCode >= 500 || error !== undefined ? "error" : "info",
    customSuccessMessage: () => "request completed",
    customErrorMessage: () => "request failed",
  }) as unknown as RequestHandler;
}
