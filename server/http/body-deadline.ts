import type { Request, RequestHandler } from "express";
import { HttpProblem } from "./problems";

/** How long a client may take to send a request body. */
export interface BodyTimeouts {
  /** Longest silence while the body is arriving. */
  idleMs: number;
  /** Longest time for the whole body, however steadily it arrives. */
  totalMs: number;
}

/** True when the whole body the request announced (by `Content-Length`) is buffered. */
function hasArrived(req: Request): boolean {
  const announced = req.headers["content-length"];
  return announced !== undefined && req.readableLength >= Number(announced);
}

/**
 * Runs a body parser under two deadlines, so a client that stalls or trickles its upload cannot hold
 * a connection (and a parser) forever. On expiry the answer is 408 problem+json with
 * `Connection: close`, and the connection is closed once it is sent; whatever the parser reports
 * after that is ignored.
 */
export function withBodyDeadline(parse: RequestHandler, timeouts: BodyTimeouts): RequestHandler {
  return (req, res, next) => {
    // A body that arrived with its headers (most JSON bodies do) is already whole: nothing to wait
    // for, so no timers are set for it. Node marks the request complete only once it is read, so
    // what it holds is compared with what the headers announced.
    if (req.complete || hasArrived(req)) return parse(req, res, next);
    let settled = false;
    const done = () => {
      settled = true;
      clearTimeout(total);
      req.off("timeout", onIdle);
      if (!req.socket.destroyed) req.socket.setTimeout(0);
    };
    const expire = (detail: string) => {
      if (settled) return;
      done();
      req.unpipe();
      res.set("Connection", "close");
      res.once("finish", () => req.socket.destroy());
      next(new HttpProblem("request-timeout", detail));
    };
    const onIdle = () =>
      expire(`No part of the request body arrived for ${timeouts.idleMs} ms; send the body without pausing.`);
    const total = setTimeout(
      () => expire(`The request body took longer than ${timeouts.totalMs} ms to arrive.`),
      timeouts.totalMs,
    );
    // A 'timeout' listener on the request keeps Node from destroying the socket itself, so we can answer.
    req.setTimeout(timeouts.idleMs, onIdle);
    parse(req, res, (error?: unknown) => {
      if (settled) return;
      done();
      next(error);
    });
  };
}
