import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { DeliveryState } from "../store/webhook-store";

/**
 * The notifications' Prometheus metrics, on the service's registry: attempts by outcome, and the
 * deliveries in each state, read from the outbox at each scrape, so undeliverable events show as
 * `docproof_webhook_deliveries{state="failed"}` whatever process made them.
 */
export function createWebhookMetrics(registry: Registry, counts: () => Record<DeliveryState, number>) {
  return {
    attempts: new Counter({
      name: "docproof_webhook_attempts_total",
      help: "Delivery attempts, by outcome: delivered, retrying (failed, tried again later), failed (given up).",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    attemptSeconds: new Histogram({
      name: "docproof_webhook_attempt_seconds",
      help: "Seconds one delivery attempt took, answered or not.",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    deliveries: new Gauge({
      name: "docproof_webhook_deliveries",
      help: "Deliveries in the outbox, by state: pending, delivered, failed (retries exhausted), cancelled.",
      labelNames: ["state"],
      registers: [registry],
      collect() {
        for (const [state, count] of Object.entries(counts())) this.set({ state }, count);
      },
    }),
  };
}

export type WebhookMetrics = ReturnType<typeof createWebhookMetrics>;
