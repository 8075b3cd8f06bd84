import express, { type Express, type RequestHandler } from "express";
import { DocproofError } from "../errors";
import { witnessView, type ChainWitness } from "../service/chain-witness";
import type { TimeStamping } from "../service/time-stamping";
import { isTimestampError } from "../timestamp/errors";
import { withBodyDeadline, type BodyTimeouts } from "./body-deadline";
import { sendBytesAnswer, sendJsonAnswer } from "./post-answers";
import { HttpProblem } from "./problems";

/** Largest time-stamp query accepted: a DER TimeStampReq for a SHA-256 imprint is under 100 bytes. */
export const MAX_TIME_STAMP_QUERY_BYTES = 16 * 1024;

/** RFC 3161 §3.4: the media types of a time-stamp query and reply over HTTP. */
const QUERY_TYPE = "application/timestamp-query";
const REPLY_TYPE = "application/timestamp-reply";
/** RFC 8555 §9.1: PEM certificates, the end-entity's first. */
const PEM_CHAIN_TYPE = "application/pem-certificate-chain";

/** Where the TSA answers: RFC 3161 clients are given the short path, the API keeps its prefix. */
const TSA_PATHS = ["/tsa", "/api/v1/tsa"];

export interface TimeStampRouteGuards {
  requireKey: RequestHandler;
  limitWrites: RequestHandler;
  limitReads: RequestHandler;
  bodyTimeouts: BodyTimeouts;
  /** POST /tsa needs an API key too (TSA_REQUIRES_KEY); by default it is open and rate-limited. */
  tsaRequiresKey: boolean;
}

/** A 405 with `Allow` for the other methods on these paths (relative to where it is mounted). */
function allowOnly(methods: Record<string, string[]>): RequestHandler {
  return (req, res, next) => {
    const allowed = methods[req.path];
    if (allowed === undefined || allowed.includes(req.method)) return next();
    res.set("Allow", allowed.join(", "));
    next(new HttpProblem("method-not-allowed", `${req.method} is not taken here; use ${allowed.join(" or ")}.`));
  };
}

/** The raw parser's refusals, in words about a time-stamp query rather than about JSON. */
function explainQueryError(error: unknown): unknown {
  if (error === undefined || error instanceof HttpProblem) return error;
  const failure = error as { type?: string; status?: number; message?: string };
  if (failure.type === "entity.too.large") {
    return new HttpProblem(
      "body-too-large",
      `A time-stamp query is at most ${MAX_TIME_STAMP_QUERY_BYTES} bytes; a DER TimeStampReq is about 60.`,
    );
  }
  if (failure.type === "encoding.unsupported") {
    return new HttpProblem("unsupported-media-type", failure.message ?? "Unsupported Content-Encoding.");
  }
  if (typeof failure.status === "number" && failure.status >= 400 && failure.status < 500) {
    return new DocproofError("invalid-request", `The time-stamp query could not be read: ${failure.message}.`);
  }
  return error;
}

/**
 * The Time-Stamp Authority (RFC 3161 over HTTP, §3.4) at POST /tsa and /api/v1/tsa, its
 * certificate chain, and the outside TSA's witness on demand (POST /api/v1/witness).
 */
export function mountTimeStampRoutes(
  app: Express,
  services: { timeStamping: TimeStamping; witness?: ChainWitness },
  guards: TimeStampRouteGuards,
): void {
  const { timeStamping, witness } = services;
  const { requireKey, limitWrites, limitReads, bodyTimeouts } = guards;
  const parseQuery = withBodyDeadline(
    express.raw({ type: () => true, limit: MAX_TIME_STAMP_QUERY_BYTES }),
    bodyTimeouts,
  );
  const queryBody: RequestHandler = (req, res, next) => {
    if (!req.is(QUERY_TYPE)) {
      return next(
        new HttpProblem(
          "unsupported-media-type",
          `Send a DER TimeStampReq (RFC 3161) as ${QUERY_TYPE}, as \`openssl ts -query\` writes it.`,
        ),
      );
    }
    parseQuery(req, res, (error?: unknown) => next(explainQueryError(error)));
  };
  const keyIfRequired: RequestHandler = guards.tsaRequiresKey ? requireKey : (_req, _res, next) => next();

  for (const base of TSA_PATHS) {
    app.post(base, limitWrites, keyIfRequired, queryBody, async (req, res) => {
      const query = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const answer = await timeStamping.timeStamp(new Uint8Array(query));
      // A failure of the TSA itself (its clock, its store) may pass; a rejection of the query will not.
      if (answer.outcome === "failed") res.set("Retry-After", "5");
      sendBytesAnswer(res.set("Cache-Control", "no-store").type(REPLY_TYPE), answer.response);
    });
    app.get(`${base}/certificate`, limitReads, (_req, res) => {
      res.type(PEM_CHAIN_TYPE).send(timeStamping.certificateChainPem());
    });
    app.use(base, allowOnly({ "/": ["POST"], "/certificate": ["GET", "HEAD"] }));
  }

  app.post("/api/v1/witness", limitWrites, requireKey, async (_req, res) => {
    if (witness === undefined) {
      throw new HttpProblem(
        "witness-not-configured",
        "This service has no outside TSA: set WITNESS_TSA_URL and WITNESS_TSA_CA_FILE.",
      );
    }
    let result;
    try {
      result = await witness.witnessNow();
    } catch (error) {
      if (isTimestampError(error)) throw new HttpProblem("witness-failed", error.message);
      throw error;
    }
    sendJsonAnswer(res.status(result.created ? 201 : 200), witnessView(result.record));
  });
  app.use("/api/v1/witness", allowOnly({ "/": ["POST"] }));
}
