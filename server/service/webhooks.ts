import { randomBytes } from "node:crypto";
import {
  WEBHOOK_EVENT_TYPES,
  type WebhookCreated,
  type WebhookDeliveries,
  type WebhookEventType,
  type Webhook,
  type Webhooks as WebhookList,
} from "../api/wire";
import { DocproofError } from "../errors";
import type { Sha256Hex } from "../proof/digest";
import type { DeliveryRecord, DeliveryState, WebhookRecord, WebhookStore } from "../store/webhook-store";
import type { Clock } from "./ports";

/** Registrations (not callbacks) one API key may hold: enough for every system it feeds. */
export const MAX_WEBHOOKS_PER_KEY = 25;
/** Most deliveries one listing answers. */
export const MAX_DELIVERIES_LISTED = 1000;

/** The registrations and deliveries, as the use case needs them (WebhookStore implements it). */
export type WebhookRegistry = Pick<WebhookStore, "register" | "callback" | "webhooks" | "remove" | "deliveries">;

/** Checks a URL against the operator's allow-list (HttpWebhookTransport implements it). */
export interface WebhookUrlCheck {
  /** The URL normalised; throws `invalid-request` or `webhook-url-not-allowed`. */
  checkUrl(url: string): string;
}

export interface WebhooksPorts {
  store: WebhookRegistry;
  urls: WebhookUrlCheck;
  now?: Clock;
  /** Random bytes for ids and secrets; injected in tests. */
  random?: (size: number) => Buffer;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function webhookView(record: WebhookRecord): Webhook {
  return {
    id: record.id,
    url: record.url,
    events: record.events,
    ...(record.sha256 === undefined ? {} : { sha256: record.sha256 }),
    createdAt: new Date(record.createdAtMs).toISOString(),
  };
}

function deliveryView(record: DeliveryRecord) {
  const { state, createdAtMs, nextAttemptAtMs, lastAttemptAtMs, finishedAtMs, ...rest } = record;
  const view = {
    ...rest,
    status: state,
    createdAt: new Date(createdAtMs).toISOString(),
    nextAttemptAt: iso(nextAttemptAtMs),
    lastAttemptAt: iso(lastAttemptAtMs),
    finishedAt: iso(finishedAtMs),
  };
  // Absent, not undefined, in the JSON.
  return Object.fromEntries(Object.entries(view).filter(([, value]) => value !== undefined)) as typeof view;
}

/**
 * Notification registrations, each owned by the API key that made it (by the key's fingerprint):
 * a key sees and deletes only its own. A registration receives the events of every document this
 * service notarizes; a per-submission callback only those of its document. Its signing secret is
 * answered once, when it is made, and never again.
 */
export class Webhooks {
  private readonly now: Clock;
  private readonly random: (size: number) => Buffer;

  constructor(private readonly ports: WebhooksPorts) {
    this.now = ports.now ?? Date.now;
    this.random = ports.random ?? randomBytes;
  }

  register(owner: string, request: { url: string; events?: readonly WebhookEventType[] }): WebhookCreated {
    const url = this.ports.urls.checkUrl(request.url);
    const events = WEBHOOK_EVENT_TYPES.filter((type) => (request.events ?? WEBHOOK_EVENT_TYPES).includes(type));
    const held = this.ports.store.webhooks(owner).filter((webhook) => webhook.sha256 === undefined).length;
    if (held >= MAX_WEBHOOKS_PER_KEY) {
      throw new DocproofError(
        "invalid-request",
        `This API key holds ${held} webhooks, the most one key may hold; delete one first.`,
      );
    }
    return this.create(owner, url, events);
  }

  /**
   * A callback for one document's events, as `callbackUrl` in a submission asks. Submitting again
   * with the same URL does not register it twice: the existing one is answered, without its secret.
   */
  registerCallback(owner: string, callbackUrl: string, sha256: Sha256Hex): WebhookCreated {
    const url = this.ports.urls.checkUrl(callbackUrl);
    const existing = this.ports.store.callback(owner, url, sha256);
    if (existing !== undefined) return webhookView(existing);
    return this.create(owner, url, [...WEBHOOK_EVENT_TYPES], sha256);
  }

  list(owner: string): WebhookList {
    return { webhooks: this.ports.store.webhooks(owner).map(webhookView) };
  }

  /** Deletes the owner's registration; its pending deliveries are cancelled. Throws `webhook-not-found`. */
  remove(owner: string, id: string): void {
    if (!this.ports.store.remove(owner, id, this.now())) {
      throw new DocproofError("webhook-not-found", `No webhook ${id} is registered with this API key.`);
    }
  }

  deliveries(owner: string, status: DeliveryState | undefined, limit: number): WebhookDeliveries {
    const bounded = Math.max(1, Math.min(limit, MAX_DELIVERIES_LISTED));
    return { deliveries: this.ports.store.deliveries(owner, status, bounded).map(deliveryView) };
  }

  private create(owner: string, url: string, events: WebhookEventType[], sha256?: Sha256Hex): WebhookCreated {
    const record: WebhookRecord = {
      id: `wh_${this.random(12).toString("base64url")}`,
      owner,
      url,
      events,
      ...(sha256 === undefined ? {} : { sha256 }),
      createdAtMs: this.now(),
    };
    const secret = `whsec_${this.random(32).toString("base64url")}`;
    this.ports.store.register({ ...record, secret });
    return { ...webhookView(record), secret };
  }
}
