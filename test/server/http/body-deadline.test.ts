import { expect } from "chai";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { EventEmitter } from "node:events";
import { withBodyDeadline } from "../../../server/http/body-deadline";
import { HttpProblem } from "../../../server/http/problems";

/** A request announcing a body of `announced` bytes, `buffered` of which have arrived (none read yet). */
function fakeRequest(announced: number | undefined, buffered: number): Request {
  const socket = Object.assign(new EventEmitter(), { destroyed: false, setTimeout: () => socket, destroy() {} });
  const req = Object.assign(new EventEmitter(), {
    complete: false,
    headers: announced === undefined ? {} : { "content-length": String(announced) },
    readableLength: buffered,
    socket,
    setTimeout(_ms: number, onTimeout: () => void) {
      req.once("timeout", onTimeout);
      return req;
    },
    unpipe() {},
  });
  return req as unknown as Request;
}

const fakeResponse = () => Object.assign(new EventEmitter(), { set() {} }) as unknown as Response;

/** A parser that takes `ms` to read the body. */
const slowParser =
  (ms: number): RequestHandler =>
  (_req, _res, next) =>
    void setTimeout(() => next(), ms);

function outcome(parse: RequestHandler, req: Request): Promise<unknown> {
  return new Promise((resolve) => {
    const next: NextFunction = (error?: unknown) => resolve(error ?? "parsed");
    withBodyDeadline(parse, { idleMs: 5_000, totalMs: 20 })(req, fakeResponse(), next);
  });
}

describe("withBodyDeadline", function () {
  for (const [what, req] of [
    ["part of the body it announced", () => fakeRequest(100, 99)],
    ["a body of no announced length", () => fakeRequest(undefined, 100)],
  ] as const) {
    it(`answers 408 when reading ${what} takes longer than the whole-body deadline`, async function () {
      const result = await outcome(slowParser(200), req());
      expect(result).to.be.instanceOf(HttpProblem);
      expect((result as HttpProblem).code).to.equal("request-timeout");
    });
  }

  it("sets no deadline for a body that had arrived in full with its headers", async function () {
    expect(await outcome(slowParser(200), fakeRequest(100, 100))).to.equal("parsed");
  });
});
