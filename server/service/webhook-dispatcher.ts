import { createHmac } from "node:crypto";
import type { Logger } from "../logger";
import type { DueDelivery, OutboxEvent, WebhookStore } from "../store/webhook-store";
import type { Clock } from "./ports";
import type { WebhookMetrics } from "./webhook-metrics";

/** The longest wait between two attempts, however many failed. */
const MAX_BACKOFF_MS = 3_600_000;
/** How often finished deliveries older than `keepForMs` are forgotten (more often when that is shorter). */
const FORGET_EVERY_MS = 3_600_000;

/**
 * The signature of one attempt: HMAC-SHA256, keyed with the registration's secret (its UTF-8
 * bytes, `whsec_` included), over `<timestamp>.<body>`, in lowercase hex. Sent as
 * `Docproof-Signature: t=<timestamp>,v1=<signature>`.
 */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
}

/** One attempt's outcome, as the transport reports it. */
export interface DeliveryOutcome {
  ok: boolean;
  status?: number;
  error?: string;
}

/** Sends one attempt (HttpWebhookTransport implements it); never throws. */
export interface WebhookTransport {
  deliver(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<DeliveryOutcome>;
}

export type WebhookOutbox = Pick<
  WebhookStore,
  "due" | "fixBody" | "markDelivered" | "markAttemptFailed" | "forgetFinished"
>;

export interface WebhookDispatcherOptions {
  /** How long after an event a delivery is retried before it is given up (failed). */
  retryForMs: number;
  /** The wait before the first retry; it doubles with each failure, up to an hour. */
  backoffMs: number;
  /** The longest one attempt may take, connection to answer. */
  timeoutMs: number;
  /** How often the outbox is looked at for deliveries that came due. */
  pollMs: number;
  /** Attempts in flight at once. */
  concurrency: number;
  /** How long a finished delivery (delivered, failed, cancelled) stays listed before it is forgotten. */
  keepForMs: number;
}

export interface WebhookDispatcherPorts {
  outbox: WebhookOutbox;
  transport: WebhookTransport;
  bodies: { bodyOf(event: OutboxEvent): string };
  log: Logger;
  metrics: WebhookMetrics;
  userAgent: string;
  now?: Clock;
  /** In [0, 1); spreads retries that failed together. */
  random?: () => number;
}

/** Where a registered URL points, for the log: scheme, host and port, never its path or query. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid URL)";
  }
}

/**
 * Delivers the outbox at least once: every pending delivery that is due is attempted, a few at a
 * time; a 2xx answer marks it delivered, anything else (an error status, a redirect, no answer in
 * `timeoutMs`, a refused address) schedules the next attempt with exponential backoff and jitter,
 * until `retryForMs` after the event, when it is marked failed. Everything is in the store, so a
 * restart resumes where it stopped; an attempt cut short by a stop or crash is made again, which
 * receivers tell apart by the event id.
 */
export class WebhookDispatcher {
  private readonly inFlight = new Map<number, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly now: Clock;
  private readonly random: () => number;
  private lastFailureLogMs = Number.NEGATIVE_INFINITY;
  private lastForgetMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly ports: WebhookDispatcherPorts,
    private readonly options: WebhookDispatcherOptions,
  ) {
    this.now = ports.now ?? Date.now;
    this.random = ports.random ?? Math.random;
  }

  start(): void {
    this.running = true;
    this.timer = setInterval(() => this.fill(), this.options.pollMs);
    this.fill();
  }

  /** Stops taking deliveries and waits for the attempts in flight. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.inFlight.values());
  }

  /** Attempts what is due now, once each, and resolves when those attempts are done. */
  async runOnce(): Promise<void> {
    this.fill(true);
    await Promise.all(this.inFlight.values());
  }

  private fill(once = false): void {
    if (!this.running && !once) return;
    this.forgetOld();
    const free = this.options.concurrency - this.inFlight.size;
    if (free <= 0) return;
    let due: DueDelivery[];
    try {
      due = this.ports.outbox.due(this.now(), free, new Set(this.inFlight.keys()));
    } catch (error) {
      this.logFailure(error);
      return;
    }
    for (const delivery of due) {
      const attempt = this.attempt(delivery)
        .catch((error: unknown) => this.logFailure(error))
        .finally(() => {
          this.inFlight.delete(delivery.id);
          if (this.running) this.fill();
        });
      this.inFlight.set(delivery.id, attempt);
    }
  }

  /** The outbox would otherwise keep every event and delivery, and deleted registrations' secrets, for good. */
  private forgetOld(): void {
    const now = this.now();
    if (now - this.lastForgetMs < Math.min(FORGET_EVERY_MS, this.options.keepForMs)) return;
    this.lastForgetMs = now;
    try {
      const forgotten = this.ports.outbox.forgetFinished(now - this.options.keepForMs);
      if (forgotten.deliveries + forgotten.events + forgotten.webhooks > 0) {
        this.ports.log.info(forgotten, "finished notifications forgotten");
      }
    } catch (error) {
      this.logFailure(error);
    }
  }

  private logFailure(error: unknown): void {
    // The store failing is reported by health; here once a minute is enough.
    if (this.now() - this.lastFailureLogMs < 60_000) return;
    this.lastFailureLogMs = this.now();
    this.ports.log.warn({ error }, "notifications paused; will retry");
  }

  private async attempt(delivery: DueDelivery): Promise<void> {
    const { event } = delivery;
    let body: string;
    try {
      body = event.body ?? this.ports.outbox.fixBody(event.id, this.ports.bodies.bodyOf(event));
    } catch (error) {
      // Say, an anchoring that a chain rollback removed before its event was first sent: retried
      // like a failed attempt (the anchoring may come back), never in a loop.
      this.ports.log.warn({ eventId: event.id, error }, "a notification's body could not be built");
      this.recordFailure(delivery, this.now(), { error: `the event could not be built (${(error as Error).message})` });
      return;
    }
    const { webhook } = delivery;
    const timestamp = Math.floor(this.now() / 1000);
    const headers = {
      "content-type": "application/json",
      "user-agent": this.ports.userAgent,
      "docproof-event-id": event.id,
      "docproof-event-type": event.type,
      "docproof-delivery-attempt": String(delivery.attempts + 1),
      "docproof-signature": `t=${timestamp},v1=${webhookSignature(webhook.secret, timestamp, body)}`,
    };
    const started = this.now();
    const outcome = await this.ports.transport.deliver(webhook.url, headers, body, this.options.timeoutMs);
    const finished = this.now();
    this.ports.metrics.attemptSeconds.observe((finished - started) / 1000);
    if (outcome.ok) {
      this.ports.outbox.markDelivered(delivery.id, finished, outcome.status ?? 200);
      this.ports.metrics.attempts.inc({ outcome: "delivered" });
      this.ports.log.info({ ...this.about(delivery), status: outcome.status }, "notification delivered");
      return;
    }
    this.recordFailure(delivery, finished, {
      status: outcome.status,
      error: outcome.error ?? `answered ${outcome.status}`,
    });
  }

  /** What a log line says about a delivery: never the URL's path or query, never the secret. */
  private about(delivery: DueDelivery) {
    return {
      webhookId: delivery.webhook.id,
      eventId: delivery.event.id,
      to: originOf(delivery.webhook.url),
      attempt: delivery.attempts + 1,
    };
  }

  /** A failed attempt: the next one after a backoff, or none once it would fall beyond `retryForMs`. */
  private recordFailure(delivery: DueDelivery, finished: number, outcome: { status?: number; error: string }): void {
    const { outbox, metrics, log } = this.ports;
    const about = { ...this.about(delivery), error: outcome.error };
    const backoff = Math.min(this.options.backoffMs * 2 ** delivery.attempts, MAX_BACKOFF_MS);
    const next = finished + Math.round(backoff * (0.8 + 0.4 * this.random()));
    if (next > delivery.createdAtMs + this.options.retryForMs) {
      outbox.markAttemptFailed(delivery.id, finished, outcome, undefined);
      metrics.attempts.inc({ outcome: "failed" });
      log.error(about, "notification undeliverable: retries exhausted");
      return;
    }
    outbox.markAttemptFailed(delivery.id, finished, outcome, next);
    metrics.attempts.inc({ outcome: "retrying" });
    log.warn({ ...about, nextAttemptAt: new Date(next).toISOString() }, "notification not delivered; will retry");
  }
}
