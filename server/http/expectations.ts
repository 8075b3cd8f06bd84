import type { RequestHandler } from "express";
import type { Server } from "node:http";
import { HttpProblem } from "./problems";

/** Node's own test for the one expectation it meets (lib/_http_server.js). */
const CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;
const SHOWN_CHARACTERS = 64;

/**
 * Node answers an HTTP/1.1 request whose `Expect` header is not `100-continue` with a bare 417: no
 * body, no request id, none of the security headers. With a `checkExpectation` listener it leaves
 * the request to the server instead; this one hands it to the application like any other request,
 * where refuseUnmetExpectations answers it as problem+json.
 */
export function forwardUnmetExpectations(server: Server): void {
  server.on("checkExpectation", (req, res) => server.emit("request", req, res));
}

/** Refuses, with 417 problem+json, an HTTP/1.1 request that expects anything but `100-continue`. */
export function refuseUnmetExpectations(): RequestHandler {
  return (req, _res, next) => {
    const expectation = req.headers.expect;
    // RFC 9110 §10.1.1: an Expect header in an HTTP/1.0 request is ignored, as Node does.
    if (expectation === undefined || req.httpVersion !== "1.1" || CONTINUE.test(expectation)) return next();
    const shown = expectation.length > SHOWN_CHARACTERS ? `${expectation.slice(0, SHOWN_CHARACTERS)}…` : expectation;
    next(
      new HttpProblem(
        "expectation-failed",
        `This service meets only "Expect: 100-continue", not ${JSON.stringify(shown)}: send the request ` +
          "without that header.",
      ),
    );
  };
}
