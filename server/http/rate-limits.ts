import type { RequestHandler } from "express";
import { ipKeyGenerator, rateLimit } from "express-rate-limit";
import { presentedKey, type ApiKeys } from "./auth";
import { HttpProblem } from "./problems";

/** Requests allowed per client in each window; a limit of 0 turns that limiter off. */
export interface RateLimits {
  windowMs: number;
  /** Notarize, revoke, time-stamps and witnesses. */
  writes: number;
  /** Status, receipts and verification. */
  reads: number;
}

/**
 * One limiter. A client is its valid API key when it presents one (by fingerprint, never the key),
 * else its IP address (its /56 for IPv6), so wrong keys count against the address that sent them.
 * Answers 429 problem+json with `Retry-After` and the IETF draft-8 `RateLimit` headers.
 */
export function rateLimiter(name: "writes" | "reads", limit: number, windowMs: number, keys: ApiKeys): RequestHandler {
  if (limit === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs,
    limit,
    identifier: name,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    keyGenerator: (req) => {
      const key = keys.enforced ? presentedKey(keys, req) : undefined;
      return key === undefined ? `ip:${ipKeyGenerator(req.ip ?? "")}` : `key:${key.toString("hex")}`;
    },
    handler: (_req, res, next) => {
      next(
        new HttpProblem(
          "rate-limited",
          `Too many ${name === "writes" ? "notarizations, revocations and time-stamps" : "reads"}: at most ${limit} per ` +
            `${Math.ceil(windowMs / 1000)} s; retry after ${String(res.getHeader("retry-after"))} s.`,
        ),
      );
    },
  });
}
