import { Router, type Request, type RequestHandler } from "express";
import { z } from "zod";
import { DeliveryStatusSchema, WebhookRequestSchema } from "../api/wire";
import { DocproofError } from "../errors";
import { MAX_DELIVERIES_LISTED, type Webhooks } from "../service/webhooks";
import { presentedKey, type ApiKeys } from "./auth";
import type { BodyTimeouts } from "./body-deadline";
import { jsonBody } from "./json-body";
import { sendJsonAnswer } from "./post-answers";
import { HttpProblem } from "./problems";

const DeliveriesQuerySchema = z.object({
  status: DeliveryStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_DELIVERIES_LISTED).default(100),
});

function parsed<T>(schema: z.ZodType<T, unknown>, value: unknown, what: string): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || what}: ${issue.message}`);
    throw new DocproofError("invalid-request", `The ${what} is not valid: ${problems.slice(0, 5).join("; ")}.`);
  }
  return result.data;
}

/**
 * Who owns a registration: the fingerprint (hex) of the request's API key, never the key; "" for
 * every caller when the service needs no keys (it then listens on loopback only).
 */
export function webhookOwner(keys: ApiKeys, req: Request): string {
  return keys.enforced ? (presentedKey(keys, req)?.toString("hex") ?? "") : "";
}

/** `/api/v1/webhooks`: register, list and delete notification URLs, and list their deliveries. */
export function webhookRoutes(
  webhooks: Webhooks,
  guards: {
    keys: ApiKeys;
    requireKey: RequestHandler;
    limitWrites: RequestHandler;
    limitReads: RequestHandler;
    bodyTimeouts: BodyTimeouts;
  },
): Router {
  const { keys, requireKey, limitWrites, limitReads } = guards;
  const router = Router();
  const parseJson = jsonBody({ limit: 64 * 1024 }, guards.bodyTimeouts);
  const owner = (req: Request) => webhookOwner(keys, req);

  router.post("/webhooks", limitWrites, requireKey, parseJson, (req, res) => {
    if (!req.is("application/json")) {
      throw new HttpProblem("unsupported-media-type", 'Registration takes JSON: {"url": "https://…", "events"?: […]}.');
    }
    const request = parsed(WebhookRequestSchema, req.body, "body");
    const created = webhooks.register(owner(req), request);
    sendJsonAnswer(res.status(201).location(`/api/v1/webhooks/${created.id}`), created);
  });

  router.get("/webhooks", limitReads, requireKey, (req, res) => {
    res.json(webhooks.list(owner(req)));
  });

  router.get("/webhooks/deliveries", limitReads, requireKey, (req, res) => {
    const { status, limit } = parsed(DeliveriesQuerySchema, req.query, "query");
    res.json(webhooks.deliveries(owner(req), status, limit));
  });

  router.delete("/webhooks/:id", limitWrites, requireKey, (req, res) => {
    webhooks.remove(owner(req), String(req.params.id));
    res.status(204).end();
  });

  return router;
}
