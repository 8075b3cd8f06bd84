import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** The service's Prometheus metrics, on a registry of its own (no global state between instances). */
export function createMetrics(pendingDocuments: () => number) {
  const registry = new Registry();
  const metrics = {
    registry,
    accepted: new Counter({
      name: "docproof_documents_accepted_total",
      help: "Documents newly queued for anchoring.",
      registers: [registry],
    }),
    anchored: new Counter({
      name: "docproof_documents_anchored_total",
      help: "Documents anchored on chain.",
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: "docproof_batch_size",
      help: "Documents per anchored batch.",
      buckets: [1, 10, 100, 500, 1000, 5000, 12000],
      registers: [registry],
    }),
    batchAnchorSeconds: new Histogram({
      name: "docproof_batch_anchor_seconds",
      help: "Seconds from a batch's preparation to its anchoring being recorded.",
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    timeToAnchor: new Histogram({
      name: "docproof_time_to_anchor_seconds",
      help: "Seconds from a document's acceptance to its batch's anchoring being recorded.",
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
      registers: [registry],
    }),
    errors: new Counter({
      name: "docproof_errors_total",
      help: "Errors, by problem type or component.",
      labelNames: ["type"],
      registers: [registry],
    }),
    pending: new Gauge({
      name: "docproof_documents_pending",
      help: "Documents accepted and not yet in a batch.",
      registers: [registry],
      collect() {
        this.set(pendingDocuments());
      },
    }),
  };
  return metrics;
}

export type ServiceMetrics = ReturnType<typeof createMetrics>;
