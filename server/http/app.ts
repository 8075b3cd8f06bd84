import express, { type Express } from "express";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { WitnessLookup } from "../api/wire";
import type { Logger } from "../logger";
import { PACKAGE_ROOT } from "../version";
import type { ChainWitness } from "../service/chain-witness";
import type { CertificateIssuer } from "../service/certificates";
import type { RegistrarDirectory } from "../service/directory";
import type { DocumentList } from "../service/document-list";
import type { ServiceMetrics } from "../service/metrics";
import type { Notary } from "../service/notary";
import type { OfflineReceipts } from "../service/offline-receipts";
import type { WitnessCosigning } from "../service/witness-cosigning";
import type { ServiceStatus } from "../service/status";
import type { TimeStamping } from "../service/time-stamping";
import type { Verifier } from "../service/verifier";
import type { Webhooks } from "../service/webhooks";
import { apiRoutes } from "./api-routes";
import { requireApiKey, type ApiKeys } from "./auth";
import { documentListRoutes } from "./document-list-routes";
import type { BodyTimeouts } from "./body-deadline";
import { certificateRoutes } from "./certificate-routes";
import { refuseUnmetExpectations } from "./expectations";
import { openApiDocument, SERVED_SCHEMAS } from "./openapi";
import { HttpProblem, problemHandler } from "./problems";
import { rateLimiter, type RateLimits } from "./rate-limits";
import { requestLog } from "./request-log";
import { securityHeaders } from "./security-headers";
import { witnessRoutes } from "./witness-routes";
import { mountTimeStampRoutes } from "./time-stamp-routes";
import { webhookOwner, webhookRoutes } from "./webhook-routes";

/** The HTTP layer's part of the service's configuration (server/config.ts reads it). */
export interface HttpConfig {
  /** Comma-separated keys from API_KEYS, fixed for the life of the process. */
  apiKeys: readonly string[];
  /** A file of API keys, re-read when it changes: removing a key from it revokes that key. */
  apiKeysFile?: string;
  /** Per client (API key, else IP address) and window; 0 turns a limit off. */
  rateLimits: RateLimits;
  /** Longest pause within a request body, and longest time for the whole body. */
  bodyTimeouts: BodyTimeouts;
  /** Largest upload, in bytes. */
  maxUploadBytes: number;
  /**
   * `Strict-Transport-Security: max-age=<this>` on every answer, for a service behind TLS; 0 or
   * unset sends no such header, since over plain HTTP it would only mislead (browsers ignore it).
   */
  hstsMaxAgeSeconds?: number;
  /**
   * A JSON-RPC URL of the chain that browsers may reach (PUBLIC_RPC_URL): the page offers it to
   * check receipts against the chain itself, and the Content Security Policy lets the page call it.
   */
  publicRpcUrl?: string;
  /** The TSA at POST /tsa: open to RFC 3161 clients (rate-limited) unless it requires an API key. */
  tsa?: { requiresKey: boolean };
  /** Where the page is served (PUBLIC_URL): the certificates' QR codes open its verification. */
  publicUrl?: string;
}

/**
 * Largest receipt accepted beside a document, and largest JSON body of a verification. A version 1
 * receipt is about 1 KB; a version 2 receipt carries its anchoring transaction twice (raw and in its
 * trie proof): 134 KB for a 1,000-document batch, about 1.6 MB for the largest (12,000).
 */
export const MAX_RECEIPT_BYTES = 2 * 1024 * 1024;

/** The use cases the routes call. */
export interface AppServices {
  notary: Notary;
  verifier: Verifier;
  status: ServiceStatus;
  directory: RegistrarDirectory;
  metrics: ServiceMetrics;
  documentList: DocumentList;
  /** Version 2 receipts and the checkpoint (absent: only version 1 is served). */
  offlineReceipts?: OfflineReceipts;
  /** This member as a witness of other members' blocks. */
  witnessCosigning?: WitnessCosigning;
  timeStamping: TimeStamping;
  /** The outside TSA's witness of the chain, when one is configured. */
  witness?: ChainWitness;
  /** The first outside TSA token over a block, for verdicts. */
  witnessOf?: WitnessLookup;
  certificates: CertificateIssuer;
  webhooks: Webhooks;
}

export interface AppRuntime {
  log: Logger;
  /** The API keys (built once from `apiKeys` and `apiKeysFile`). */
  keys: ApiKeys;
  /** Folder of the built web page, served at `/` when given. */
  webDir?: string;
}

const DOCS_DIR = path.join(PACKAGE_ROOT, "docs");

/** Builds the HTTP application; `listen` is the caller's (server/main.ts), so tests drive it in-process. */
export function createApp(services: AppServices, config: HttpConfig, runtime: AppRuntime): Express {
  const { notary, verifier, status, directory, metrics, offlineReceipts, witnessCosigning, certificates, webhooks } =
    services;
  const { log, keys } = runtime;
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);
  app.use(requestLog(log));
  app.use(
    securityHeaders({
      hstsMaxAgeSeconds: config.hstsMaxAgeSeconds ?? 0,
      connectSources: config.publicRpcUrl === undefined ? [] : [new URL(config.publicRpcUrl).origin],
    }),
  );
  app.use(refuseUnmetExpectations());

  const windowMs = config.rateLimits.windowMs;
  // One limiter of each kind: time-stamps count against the same writes as notarizations.
  const guards = {
    requireKey: requireApiKey(keys),
    limitWrites: rateLimiter("writes", config.rateLimits.writes, windowMs, keys),
    limitReads: rateLimiter("reads", config.rateLimits.reads, windowMs, keys),
    bodyTimeouts: config.bodyTimeouts,
  };
  const { requireKey, limitReads } = guards;
  // The routes most requests take (notarize, status, verify) first, before the operations
  // endpoints: every route a request passes on its way costs it a match.
  app.use(
    "/api/v1",
    apiRoutes(
      {
        notary,
        verifier,
        directory,
        offlineReceipts,
        witnessOf: services.witnessOf,
        registerCallback: (req, url, sha256) => webhooks.registerCallback(webhookOwner(keys, req), url, sha256),
      },
      { maxFileBytes: config.maxUploadBytes, maxReceiptBytes: MAX_RECEIPT_BYTES },
      guards,
    ),
  );

  app.get("/healthz", async (_req, res) => {
    const health = await status.health();
    res
      .status(health.status === "pass" ? 200 : 503)
      .type("application/health+json")
      .json(health);
  });

  app.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get("/api/v1/openapi.json", (_req, res) => {
    res.json(openApiDocument(status.info().version));
  });
  app.get("/api/v1/info", (_req, res) => {
    res.json(status.info());
  });
  for (const name of SERVED_SCHEMAS) {
    const schema = readFileSync(path.join(DOCS_DIR, `${name}.schema.json`), "utf8");
    app.get(`/api/v1/${name}.schema.json`, (_req, res) => {
      res.type("application/schema+json").send(schema);
    });
  }

  app.use("/api/v1", documentListRoutes(services, { requireKey, limitReads }));
  app.use(
    "/api/v1",
    witnessRoutes({ offlineReceipts, witnessCosigning }, { limitReads, bodyTimeouts: config.bodyTimeouts }),
  );
  mountTimeStampRoutes(app, services, { ...guards, tsaRequiresKey: config.tsa?.requiresKey ?? false });
  app.use("/api/v1", certificateRoutes(certificates, { publicUrl: config.publicUrl, limitReads: guards.limitReads }));
  app.use("/api/v1", webhookRoutes(webhooks, { ...guards, keys }));

  if (runtime.webDir !== undefined) {
    app.use(express.static(runtime.webDir, { index: "index.html", fallthrough: true }));
  }

  app.use((req, _res, next) => {
    next(new HttpProblem("route-not-found", `No resource at ${req.method} ${req.path}.`));
  });
  app.use(problemHandler(log, (code) => metrics.errors.inc({ type: code })));
  return app;
}
