import { createHash } from "node:crypto";
import type { Request, RequestHandler, Response } from "express";
import { ipKeyGenerator, rateLimit, type RateLimitInfo } from "express-rate-limit";
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

/** A client's partition key in `RateLimit-Policy`, derived from its limiter key (never the key itself). */
function partitionKeyOf(key: string): string {
  return Buffer.from(createHash("sha256").update(key).digest("hex").slice(0, 12)).toString("base64");
}

/** Partition keys are kept for this many clients, then made afresh (they are derived, not stored). */
const REMEMBERED_PARTITIONS = 10_000;

function appendHeader(res: Response, name: string, value: string): void {
  const present = res.getHeader(name);
  if (present === undefined) res.setHeader(name, value);
  else res.setHeader(name, [...(Array.isArray(present) ? present : [String(present)]), value]);
}

/**
 * One limiter. A client is its valid API key when it presents one (by fingerprint, never the key),
 * else its IP address (its /56 for IPv6), so wrong keys count against the address that sent them.
 * Answers 429 problem+json with `Retry-After` and the IETF draft-8 `RateLimit` headers.
 *
 * NOTE: express-rate-limit counts; the headers are written here, in the same form. The library
 * hashes the client's key afresh on every request to make the policy's partition key, and appends
 * both headers through Express: about 7% of the CPU time of a verification at 50 clients. Here a
 * client's partition key is made once, and the headers are set directly.
 */
export function rateLimiter(name: "writes" | "reads", limit: number, windowMs: number, keys: ApiKeys): RequestHandler {
  if (limit === 0) return (_req, _res, next) => next();
  const windowSeconds = Math.ceil(windowMs / 1000);
  const partitions = new Map<string, string>();
  const partitionOf = (key: string) => {
    let partition = partitions.get(key);
    if (partition === undefined) {
      if (partitions.size >= REMEMBERED_PARTITIONS) partitions.clear();
      partition = partitionKeyOf(key);
      partitions.set(key, partition);
    }
    return partition;
  };
  // Each limiter leaves its count on the request under a name of its own.
  const counted = `rateLimit${name === "writes" ? "Writes" : "Reads"}`;
  /** The draft-8 headers for this request's count; the seconds until the window resets. */
  const writeHeaders = (req: Request, res: Response): number => {
    const info = (req as unknown as Record<string, RateLimitInfo | undefined>)[counted];
    if (info === undefined) return windowSeconds;
    const reset =
      info.resetTime === undefined
        ? windowSeconds
        : Math.max(0, Math.ceil((info.resetTime.getTime() - Date.now()) / 1000));
    if (!res.headersSent) {
      appendHeader(res, "RateLimit", `"${name}"; r=${info.remaining}; t=${reset}`);
      appendHeader(
        res,
        "RateLimit-Policy",
        `"${name}"; q=${info.limit}; w=${windowSeconds}; pk=:${partitionOf(info.key)}:`,
      );
    }
    return reset;
  };
  const countRequest = rateLimit({
    windowMs,
    limit,
    identifier: name,
    requestPropertyName: counted,
    standardHeaders: false,
    legacyHeaders: false,
    keyGenerator: (req) => {
      const key = keys.enforced ? presentedKey(keys, req) : undefined;
      return key === undefined ? `ip:${ipKeyGenerator(req.ip ?? "")}` : `key:${key.toString("hex")}`;
    },
    handler: (req, res, next) => {
      const retryAfter = writeHeaders(req, res);
      res.setHeader("Retry-After", String(retryAfter));
      next(
        new HttpProblem(
          "rate-limited",
          `Too many ${name === "writes" ? "notarizations, revocations and time-stamps" : "reads"}: at most ${limit} per ` +
            `${windowSeconds} s; retry after ${retryAfter} s.`,
        ),
      );
    },
  });
  return (req, res, next) =>
    countRequest(req, res, (error?: unknown) => {
      if (error === undefined) writeHeaders(req, res);
      next(error);
    });
}
