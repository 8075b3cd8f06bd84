import { z } from "zod";
import { MIN_API_KEY_LENGTH } from "./http/auth";
import type { HttpConfig } from "./http/app";
import { MAX_BATCH_SIZE } from "./proof/merkle";
import { isDottedOid } from "./timestamp/oids";
import { parseAllowedHosts, type AllowedHost } from "./webhook/host-policy";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** An integer variable of at least `min`; unset or empty takes `fallback`. */
const integer = (fallback: number, min: 0 | 1) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === "") return fallback;
      const number = Number(value);
      if (!Number.isSafeInteger(number) || number < min) {
        const kind = min === 1 ? "a positive" : "a non-negative";
        ctx.addIssue({ code: "custom", message: `must be ${kind} integer, got "${value}"` });
        return z.NEVER;
      }
      return number;
    });
const positiveInt = (fallback: number) => integer(fallback, 1);
const nonNegativeInt = (fallback: number) => integer(fallback, 0);
/** "true" or "false"; unset or empty is false. */
const flag = z
  .enum(["true", "false", ""], { message: 'must be "true" or "false"' })
  .optional()
  .transform((value) => value === "true");

const EnvSchema = z
  .object({
    RPC_URL: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).optional(),
    LOCAL_CHAIN: z
      .enum(["anvil", "hardhat"], { message: 'must be "anvil" (kept on disk) or "hardhat" (in memory)' })
      .default("anvil"),
    PRIVATE_KEY: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex key")
      .optional(),
    REGISTRY_ADDRESS: z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address")
      .optional(),
    PORT: positiveInt(3000).refine((port) => port <= 65_535, "must be at most 65535"),
    HOST: z.string().min(1).default("127.0.0.1"),
    DATA_DIR: z.string().min(1).optional(),
    API_KEYS: z
      .string()
      .optional()
      .transform((value) =>
        (value ?? "")
          .split(",")
          .map((key) => key.trim())
          .filter((key) => key !== ""),
      )
      .refine(
        (keys) => keys.every((key) => key.length >= MIN_API_KEY_LENGTH),
        `every key must have at least ${MIN_API_KEY_LENGTH} characters`,
      ),
    API_KEYS_FILE: z.string().min(1).optional(),
    HSTS_MAX_AGE: nonNegativeInt(0),
    RATE_LIMIT_WINDOW_MS: positiveInt(60_000),
    RATE_LIMIT_WRITES: nonNegativeInt(600),
    RATE_LIMIT_READS: nonNegativeInt(3_000),
    BODY_IDLE_TIMEOUT_MS: positiveInt(30_000),
    BODY_TIMEOUT_MS: positiveInt(3_600_000),
    BATCH_INTERVAL_MS: positiveInt(1_000),
    // Unset (0 here): sized to the chain when the service starts.
    BATCH_MAX: positiveInt(0).refine(
      (size) => size <= MAX_BATCH_SIZE,
      `must be at most ${MAX_BATCH_SIZE} (the registry's limit)`,
    ),
    // Unset (0 here): sized to the chain's blocks when the service starts.
    BATCHES_IN_FLIGHT: positiveInt(0),
    CONFIRMATIONS: positiveInt(1),
    INDEX_FROM_BLOCK: nonNegativeInt(0),
    INDEX_INTERVAL_MS: positiveInt(1_000),
    RPC_TIMEOUT_MS: positiveInt(30_000),
    MAX_UPLOAD_BYTES: positiveInt(8 * 1024 ** 3),
    WITNESS_PEERS: z
      .string()
      .optional()
      .transform((value) =>
        (value ?? "")
          .split(",")
          .map((url) => url.trim())
          .filter((url) => url !== ""),
      )
      .refine(
        (urls) => urls.every((url) => /^https?:\/\/[^\s]+$/.test(url) && URL.canParse(url)),
        "must be comma-separated http(s) base URLs of the other members' services",
      ),
    PUBLIC_RPC_URL: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).optional(),
    TSA_KEY_FILE: z.string().min(1).optional(),
    TSA_CERT_FILE: z.string().min(1).optional(),
    TSA_POLICY: z
      .string()
      .refine(isDottedOid, "must be an object identifier in dotted form, such as 1.2.3.4.1")
      .optional(),
    TSA_ACCURACY_MS: positiveInt(1_000),
    TSA_REQUIRES_KEY: flag,
    WITNESS_TSA_URL: z
      .url({ protocol: /^https?$/, message: "must be an http(s) URL" })
      // The URL is recorded beside every witness and shown with it: it must hold no credentials.
      .refine((url) => !URL.canParse(url) || new URL(url).username + new URL(url).password === "", {
        message: "must not hold credentials",
      })
      .optional(),
    WITNESS_TSA_CA_FILE: z.string().min(1).optional(),
    WITNESS_TSA_CERT_FILE: z.string().min(1).optional(),
    WITNESS_INTERVAL_MS: positiveInt(3_600_000),
    PUBLIC_URL: z
      .url({ protocol: /^https?$/, message: "must be an http(s) URL" })
      .refine((url) => !/[?#]/.test(url), "must have no query or fragment: it is where the page is served")
      // The page is a folder: https://notary.example/docproof means https://notary.example/docproof/.
      .transform((url) => (url.endsWith("/") ? url : `${url}/`))
      .optional(),
    WEBHOOK_ALLOWED_HOSTS: z
      .string()
      .optional()
      .transform((value, ctx) => {
        try {
          return parseAllowedHosts(value ?? "");
        } catch (error) {
          ctx.addIssue({ code: "custom", message: (error as Error).message });
          return z.NEVER;
        }
      }),
    WEBHOOK_RETRY_FOR_MS: nonNegativeInt(3 * 24 * 3_600_000),
    WEBHOOK_BACKOFF_MS: positiveInt(10_000),
    WEBHOOK_TIMEOUT_MS: positiveInt(10_000),
    WEBHOOK_KEEP_FOR_MS: positiveInt(30 * 24 * 3_600_000),
  })
  .superRefine((env, ctx) => {
    if ((env.TSA_KEY_FILE === undefined) !== (env.TSA_CERT_FILE === undefined)) {
      const missing = env.TSA_KEY_FILE === undefined ? "TSA_KEY_FILE" : "TSA_CERT_FILE";
      ctx.addIssue({ code: "custom", path: [missing], message: "is required with the other (set both, or neither)" });
    }
    if (env.WITNESS_TSA_URL !== undefined && env.WITNESS_TSA_CA_FILE === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["WITNESS_TSA_CA_FILE"],
        message: "is required with WITNESS_TSA_URL (the outside TSA's CA certificates, PEM)",
      });
    }
    for (const name of ["WITNESS_TSA_CA_FILE", "WITNESS_TSA_CERT_FILE"] as const) {
      if (env[name] !== undefined && env.WITNESS_TSA_URL === undefined) {
        ctx.addIssue({ code: "custom", path: [name], message: "is set but WITNESS_TSA_URL is not" });
      }
    }
    if (env.TSA_REQUIRES_KEY && env.API_KEYS.length === 0 && env.API_KEYS_FILE === undefined) {
      ctx.addIssue({ code: "custom", path: ["TSA_REQUIRES_KEY"], message: "needs API_KEYS or API_KEYS_FILE" });
    }
    if (env.RPC_URL !== undefined && env.PRIVATE_KEY === undefined) {
      ctx.addIssue({ code: "custom", path: ["PRIVATE_KEY"], message: "is required with RPC_URL (the registrar key)" });
    }
    if (env.API_KEYS.length === 0 && env.API_KEYS_FILE === undefined && !LOOPBACK.has(env.HOST)) {
      ctx.addIssue({
        code: "custom",
        path: ["HOST"],
        message: `is ${env.HOST}, not loopback: set API_KEYS or API_KEYS_FILE before serving beyond this machine`,
      });
    }
  });

/** Notifications (webhooks): where they may go and how long they are retried. */
export interface WebhookConfig {
  /** WEBHOOK_ALLOWED_HOSTS: names, `*.` suffixes, addresses and ranges; empty turns registration off. */
  allowedHosts: AllowedHost[];
  retryForMs: number;
  backoffMs: number;
  timeoutMs: number;
  /** How long finished deliveries stay listed before they are forgotten. */
  keepForMs: number;
  /** How often the outbox is looked at (not configurable from the environment; tests shorten it). */
  pollMs: number;
}

/**
 * The service's configuration: one shape, read once from the environment by server/main.ts and
 * handed whole to the wiring (server/compose.ts); each layer takes the part it needs by type.
 */
export interface ServiceConfig extends HttpConfig {
  /** Undefined: start (or reuse) the local development chain. */
  rpcUrl?: string;
  /** The local development chain without RPC_URL: Anvil kept on disk, or an in-memory Hardhat node. */
  localChain: "anvil" | "hardhat";
  privateKey?: string;
  registryAddress?: string;
  port: number;
  host: string;
  dataDir?: string;
  /** How often queued documents are anchored. */
  batchIntervalMs: number;
  /**
   * Documents per batch at most; a full queue is anchored at once. Undefined: as many as the
   * registry takes (12,000) and the chain's block gas limit holds.
   */
  batchMax?: number;
  /**
   * Batch transactions that may wait for their confirmations at once, when the queue is deep.
   * Undefined: as many as two of the chain's blocks hold, at most 16.
   */
  batchesInFlight?: number;
  /** Blocks a transaction, and a block the index reads, need on top of them (themselves included). */
  confirmations: number;
  /** The first block the index of the whole registry reads (the registry's deployment block, or 0). */
  indexFromBlock: number;
  /** How often the index asks the chain for new blocks. */
  indexIntervalMs: number;
  rpcTimeoutMs: number;
  /** Base URLs of the other members' services, asked to cosign the blocks of this one's anchorings. */
  witnessPeers?: readonly string[];
  /** The service's own Time-Stamp Authority (RFC 3161), at POST /tsa. */
  tsa: TsaConfig;
  /** An outside TSA that time-stamps the chain's final blocks; undefined: none. */
  witness?: WitnessConfig;
  /** Notifications: who may be called, for how long deliveries are retried, and how. */
  webhooks: WebhookConfig;
}

export interface TsaConfig {
  /** The operator's key and certificate; undefined: a local CA and TSA in <dataDir>/tsa. */
  keyFile?: string;
  certFile?: string;
  /** The policy OID stated in every token (default: Docproof's). */
  policy?: string;
  /** The accuracy stated in every token, and the largest disagreement tolerated with the chain's clock. */
  accuracyMs: number;
  /** Whether POST /tsa needs an API key like notarization (RFC 3161 clients such as jarsigner cannot send one). */
  requiresKey: boolean;
}

export interface WitnessConfig {
  url: string;
  /** PEM: the CA certificates trusted for the outside TSA's tokens. */
  caFile: string;
  /** PEM: further certificates (the TSA's own, intermediates) for a TSA that does not send them. */
  certFile?: string;
  intervalMs: number;
}

/** Reads and validates the configuration; throws one message naming every bad variable. */
/**
 * What the log must never show: the private key, the API keys, and the parts of the chain's URL
 * that may be a key (a hosted node's path or query, a password), while its host stays readable.
 */
export function loggedSecrets(config: Pick<ServiceConfig, "privateKey" | "apiKeys" | "rpcUrl">): string[] {
  const secrets = [config.privateKey, ...config.apiKeys];
  if (config.rpcUrl !== undefined) {
    try {
      const url = new URL(config.rpcUrl);
      secrets.push(url.password, `${url.pathname}${url.search}`);
    } catch {
      // Not a URL: refused when the chain is first called.
    }
  }
  // Shorter values would hide ordinary text ("/", a port); the logger ignores them too.
  return secrets.filter((secret): secret is string => secret !== undefined && secret.length >= 8);
}

export function loadConfig(env: Record<string, string | undefined>): ServiceConfig {
  const result = EnvSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")} ${issue.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = result.data;
  return {
    rpcUrl: e.RPC_URL,
    localChain: e.LOCAL_CHAIN,
    privateKey: e.PRIVATE_KEY,
    registryAddress: e.REGISTRY_ADDRESS,
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    apiKeys: e.API_KEYS,
    apiKeysFile: e.API_KEYS_FILE,
    hstsMaxAgeSeconds: e.HSTS_MAX_AGE,
    rateLimits: { windowMs: e.RATE_LIMIT_WINDOW_MS, writes: e.RATE_LIMIT_WRITES, reads: e.RATE_LIMIT_READS },
    bodyTimeouts: { idleMs: e.BODY_IDLE_TIMEOUT_MS, totalMs: e.BODY_TIMEOUT_MS },
    batchIntervalMs: e.BATCH_INTERVAL_MS,
    batchMax: e.BATCH_MAX === 0 ? undefined : e.BATCH_MAX,
    batchesInFlight: e.BATCHES_IN_FLIGHT === 0 ? undefined : e.BATCHES_IN_FLIGHT,
    confirmations: e.CONFIRMATIONS,
    indexFromBlock: e.INDEX_FROM_BLOCK,
    indexIntervalMs: e.INDEX_INTERVAL_MS,
    rpcTimeoutMs: e.RPC_TIMEOUT_MS,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    witnessPeers: e.WITNESS_PEERS,
    publicRpcUrl: e.PUBLIC_RPC_URL,
    tsa: {
      keyFile: e.TSA_KEY_FILE,
      certFile: e.TSA_CERT_FILE,
      policy: e.TSA_POLICY,
      accuracyMs: e.TSA_ACCURACY_MS,
      requiresKey: e.TSA_REQUIRES_KEY,
    },
    witness:
      e.WITNESS_TSA_URL === undefined
        ? undefined
        : {
            url: e.WITNESS_TSA_URL,
            caFile: e.WITNESS_TSA_CA_FILE!,
            certFile: e.WITNESS_TSA_CERT_FILE,
            intervalMs: e.WITNESS_INTERVAL_MS,
          },
    publicUrl: e.PUBLIC_URL,
    webhooks: {
      allowedHosts: e.WEBHOOK_ALLOWED_HOSTS,
      retryForMs: e.WEBHOOK_RETRY_FOR_MS,
      backoffMs: e.WEBHOOK_BACKOFF_MS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      keepForMs: e.WEBHOOK_KEEP_FOR_MS,
      pollMs: 1_000,
    },
  };
}
