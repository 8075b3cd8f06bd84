import express, { type Express } from "express";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ChainGuard } from "../chain/chain-guard";
import type { RegistryClient } from "../chain/registry-client";
import { isDocproofError } from "../errors";
import type { Logger } from "../logger";
import type { Notary } from "../service/notary";
import type { ServiceMetrics } from "../service/metrics";
import type { DocumentStore } from "../store/document-store";
import { apiRoutes, type UploadLimits } from "./api-routes";
import { ApiKeys, requireApiKey } from "./auth";
import type { BodyTimeouts } from "./body-deadline";
import { openApiDocument } from "./openapi";
import { HttpProblem, problemHandler } from "./problems";
import { rateLimiter, type RateLimits } from "./rate-limits";
import { securityHeaders } from "./security-headers";

/** The HTTP layer's defences beyond validation; server/config.ts holds the defaults `npm start` uses. */
export interface HttpProtection {
  /** A file of API keys, re-read when it changes (see ApiKeys). */
  apiKeysFile?: string;
  /** How often, at most, the keys file is checked for a change (default 1 s). */
  apiKeysRecheckMs?: number;
  /** Per-client request limits; none when absent. */
  rateLimits?: RateLimits;
  /** Deadlines for request bodies (default: 30 s idle, 1 h in all). */
  bodyTimeouts?: BodyTimeouts;
}

export const DEFAULT_BODY_TIMEOUTS: BodyTimeouts = { idleMs: 30_000, totalMs: 3_600_000 };

export interface AppDependencies {
  notary: Notary;
  registry: RegistryClient;
  chainGuard: ChainGuard;
  store: DocumentStore;
  metrics: ServiceMetrics;
  log: Logger;
  apiKeys: readonly string[];
  limits: UploadLimits;
  protection?: HttpProtection;
  /** Folder of the built web page, served at `/` when present. */
  webDir?: string;
  version: string;
  /** The address that anchors for this service. */
  registrar: string;
}

const RECEIPT_SCHEMA = path.resolve(__dirname, "..", "..", "docs", "receipt-v1.schema.json");

/** Builds the HTTP application; `listen` is the caller's (server/main.ts), so tests drive it in-process. */
export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);
  app.use(securityHeaders());

  const protection = deps.protection ?? {};
  const keys = new ApiKeys({
    keys: deps.apiKeys,
    file: protection.apiKeysFile,
    recheckMs: protection.apiKeysRecheckMs,
    log: deps.log,
  });
  const limits = protection.rateLimits;
  const windowMs = limits?.windowMs ?? 60_000;

  app.get("/healthz", async (_req, res) => {
    const checks: Record<string, { status: "pass" | "fail"; output?: string }> = {};
    const check = async (name: string, probe: () => Promise<void> | void) => {
      try {
        await probe();
        checks[name] = { status: "pass" };
      } catch (error) {
        checks[name] = { status: "fail", output: (error as Error).message };
      }
    };
    // chain: the node answers; registry: it is still the chain and registry the service was set up for.
    const identity = await deps.chainGuard.check().then(
      () => undefined,
      (error: unknown) => error,
    );
    await check("chain", () => {
      if (isDocproofError(identity, "chain-unavailable")) throw new Error(`Unreachable. ${identity.message}`);
    });
    await check("registry", () => {
      if (isDocproofError(identity, "chain-unavailable")) throw new Error("Not checked: the chain is unreachable.");
      if (identity !== undefined) throw identity;
    });
    await check("store", () => deps.store.checkWritable());
    const healthy = Object.values(checks).every((c) => c.status === "pass");
    res
      .status(healthy ? 200 : 503)
      .type("application/health+json")
      .json({ status: healthy ? "pass" : "fail", version: deps.version, checks });
  });

  app.get("/metrics", async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  app.get("/api/v1/openapi.json", (_req, res) => {
    res.json(openApiDocument(deps.version));
  });
  app.get("/api/v1/info", (_req, res) => {
    res.json({
      version: deps.version,
      chainId: deps.registry.chainId,
      registry: deps.registry.address,
      registrar: deps.registrar,
      apiKeyRequired: keys.enforced,
      maxUploadBytes: deps.limits.maxFileBytes,
    });
  });
  const receiptSchema = readFileSync(RECEIPT_SCHEMA, "utf8");
  app.get("/api/v1/receipt-v1.schema.json", (_req, res) => {
    res.type("application/schema+json").send(receiptSchema);
  });

  app.use(
    "/api/v1",
    apiRoutes(deps.notary, deps.limits, {
      requireKey: requireApiKey(keys),
      limitWrites: rateLimiter("writes", limits?.writes ?? 0, windowMs, keys),
      limitReads: rateLimiter("reads", limits?.reads ?? 0, windowMs, keys),
      bodyTimeouts: protection.bodyTimeouts ?? DEFAULT_BODY_TIMEOUTS,
    }),
  );

  if (deps.webDir !== undefined) app.use(express.static(deps.webDir, { index: "index.html", fallthrough: true }));

  app.use((req, _res, next) => {
    next(new HttpProblem("route-not-found", `No resource at ${req.method} ${req.path}.`));
  });
  app.use(problemHandler(deps.log, (code) => deps.metrics.errors.inc({ type: code })));
  return app;
}
