import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { DocproofError } from "../errors";

const fingerprint = (key: string) => createHash("sha256").update(key).digest();

/**
 * Requires `Authorization: Bearer <key>` with one of `apiKeys`; with no keys configured, lets every
 * request through (the service then listens on loopback only; see server/config.ts).
 */
export function requireApiKey(apiKeys: readonly string[]): RequestHandler {
  const accepted = apiKeys.map(fingerprint);
  return (req, _res, next) => {
    if (accepted.length === 0) return next();
    const match = /^Bearer (.+)$/.exec(req.get("authorization") ?? "");
    if (match === null) {
      return next(new DocproofError("unauthorized", "Send an API key as 'Authorization: Bearer <key>'."));
    }
    const presented = fingerprint(match[1]);
    if (!accepted.some((key) => timingSafeEqual(key, presented))) {
      return next(new DocproofError("unauthorized", "The API key is not valid."));
    }
    next();
  };
}
