import { createHash } from "node:crypto";
import type { WebhookEventType } from "../api/wire";
import type { Hex32, Sha256Hex } from "../proof/digest";
import type { SqliteConnection } from "./sqlite";

/** A registration: a URL that receives events, owned by the API key that registered it. */
export interface WebhookRecord {
  id: string;
  /** The registering API key's SHA-256 fingerprint (hex), never the key; "" when the service needs no keys. */
  owner: string;
  url: string;
  events: WebhookEventType[];
  /** A per-submission callback: only this document's events. */
  sha256?: Sha256Hex;
  createdAtMs: number;
}

/** The anchoring an event is about, as the chain recorded it. */
export interface EventAnchoring {
  root: Hex32;
  leafCount: number;
  txHash: Hex32;
  blockNumber: number;
  timestamp: number;
  registrar: string;
}

export interface EventRevocation {
  revokedAt: number;
  reason: number;
  revokedBy: string;
  txHash: Hex32;
}

/** What an event reports, kept with it so its body can be built (once) when it is first sent. */
export interface EventFacts {
  anchoring: EventAnchoring;
  revocation?: EventRevocation;
}

export interface OutboxEvent {
  id: string;
  type: WebhookEventType;
  sha256: Sha256Hex;
  facts: EventFacts;
  occurredAtMs: number;
  /** The JSON body, fixed at the first attempt so every attempt sends the same bytes. */
  body?: string;
}

export type DeliveryState = "pending" | "delivered" | "failed" | "cancelled";

/** A delivery that is due, with what sending it needs. */
export interface DueDelivery {
  id: number;
  attempts: number;
  createdAtMs: number;
  webhook: { id: string; url: string; secret: string };
  event: OutboxEvent;
}

/** A delivery as its owner lists it. */
export interface DeliveryRecord {
  id: number;
  eventId: string;
  type: WebhookEventType;
  sha256: Sha256Hex;
  webhookId: string;
  url: string;
  state: DeliveryState;
  attempts: number;
  createdAtMs: number;
  nextAttemptAtMs?: number;
  lastAttemptAtMs?: number;
  lastStatus?: number;
  lastError?: string;
  finishedAtMs?: number;
}

interface WebhookRow {
  id: string;
  owner: string;
  url: string;
  events: string;
  secret: string;
  sha256: string | null;
  created_at_ms: number;
}

interface EventRow {
  id: string;
  type: string;
  sha256: string;
  facts: string;
  occurred_at_ms: number;
  body: string | null;
}

interface AnchoringRow {
  root: string;
  leaf_count: number;
  tx_hash: string;
  block_number: number;
  timestamp: number;
  registrar: string;
}

/** Events are stored as ",a,b," so that one `instr` finds a type. */
const eventList = (events: readonly WebhookEventType[]) => `,${events.join(",")},`;

const toWebhook = (row: WebhookRow): WebhookRecord => ({
  id: row.id,
  owner: row.owner,
  url: row.url,
  events: row.events.split(",").filter((type) => type !== "") as WebhookEventType[],
  ...(row.sha256 === null ? {} : { sha256: row.sha256 as Sha256Hex }),
  createdAtMs: row.created_at_ms,
});

const toEvent = (row: EventRow): OutboxEvent => ({
  id: row.id,
  type: row.type as WebhookEventType,
  sha256: row.sha256 as Sha256Hex,
  facts: JSON.parse(row.facts) as EventFacts,
  occurredAtMs: row.occurred_at_ms,
  ...(row.body === null ? {} : { body: row.body }),
});

const toAnchoring = (row: AnchoringRow): EventAnchoring => ({
  root: row.root as Hex32,
  leafCount: row.leaf_count,
  txHash: row.tx_hash as Hex32,
  blockNumber: row.block_number,
  timestamp: row.timestamp,
  registrar: row.registrar,
});

const optional = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

/**
 * An event's id: the same fact always gets the same id (type, document and the transaction that
 * made it), so an event recorded twice (a revocation this service sent, then found again by the
 * index) is one event, and receivers can deduplicate on it.
 */
export function eventIdOf(type: WebhookEventType, sha256: Sha256Hex, txHash: Hex32): string {
  return `evt_${createHash("sha256").update(`${type}\n${sha256}\n${txHash}`).digest("hex").slice(0, 32)}`;
}

/**
 * Registrations, the outbox of events and their deliveries (SQLite, sharing the store's
 * connection). The `record…` methods run inside the transactions that record the facts
 * (DocumentStore.markAnchored, markRevoked, and the index's updates), so an event exists exactly
 * when its fact does; each fans out at once to a delivery per matching registration.
 */
export class WebhookStore {
  constructor(private readonly sql: SqliteConnection) {}

  register(webhook: WebhookRecord & { secret: string }): void {
    this.sql.guard("record the webhook", () => {
      this.sql
        .statement(
          `INSERT INTO webhooks (id, owner, url, events, secret, sha256, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          webhook.id,
          webhook.owner,
          webhook.url,
          eventList(webhook.events),
          webhook.secret,
          webhook.sha256 ?? null,
          webhook.createdAtMs,
        );
    });
  }

  /** The owner's active per-document callback to `url` for `sha256`, if it registered one. */
  callback(owner: string, url: string, sha256: Sha256Hex): WebhookRecord | undefined {
    const row = this.sql.guard(
      "read the webhooks",
      () =>
        this.sql
          .statement(
            `SELECT * FROM webhooks WHERE owner = ? AND url = ? AND sha256 = ? AND deleted_at_ms IS NULL LIMIT 1`,
          )
          .get(owner, url, sha256) as WebhookRow | undefined,
    );
    return row === undefined ? undefined : toWebhook(row);
  }

  /** The owner's active registrations, oldest first. */
  webhooks(owner: string): WebhookRecord[] {
    return this.sql.guard("read the webhooks", () =>
      (
        this.sql
          .statement("SELECT * FROM webhooks WHERE owner = ? AND deleted_at_ms IS NULL ORDER BY created_at_ms, id")
          .all(owner) as WebhookRow[]
      ).map(toWebhook),
    );
  }

  /** Deletes the owner's registration and cancels its pending deliveries; false if it has none by that id. */
  remove(owner: string, id: string, nowMs: number): boolean {
    return this.sql.guard("delete the webhook", () =>
      this.sql.db.transaction(() => {
        const removed = this.sql
          .statement("UPDATE webhooks SET deleted_at_ms = ? WHERE id = ? AND owner = ? AND deleted_at_ms IS NULL")
          .run(nowMs, id, owner).changes;
        if (removed === 0) return false;
        this.sql
          .statement(
            `UPDATE webhook_deliveries SET state = 'cancelled', next_attempt_at_ms = NULL, finished_at_ms = ?,
               last_error = coalesce(last_error, 'the webhook was deleted') WHERE webhook_id = ? AND state = 'pending'`,
          )
          .run(nowMs, id);
        return true;
      })(),
    );
  }

  /** Events for the members of an own batch just marked anchored (inside that transaction). */
  recordAnchored(batchId: number, nowMs: number): void {
    if (!this.anyRegistration()) return;
    const batch = this.sql
      .statement(
        `SELECT root, leaf_count, tx_hash, block_number, timestamp, registrar FROM batches WHERE id = ? AND state = 'anchored'`,
      )
      .get(batchId) as AnchoringRow | undefined;
    if (batch === undefined) return;
    const anchoring = toAnchoring(batch);
    const members = this.sql.statement("SELECT sha256 FROM documents WHERE batch_id = ?").all(batchId) as {
      sha256: string;
    }[];
    for (const { sha256 } of members) {
      this.recordEvent("document.anchored", sha256 as Sha256Hex, { anchoring }, anchoring.txHash, nowMs);
    }
  }

  /**
   * The event for a revocation this service recorded in its own record (inside that transaction).
   * It concerns the own batch when the document's is anchored, else the document's first indexed anchoring.
   */
  recordRevoked(sha256: Sha256Hex, revocation: EventRevocation, nowMs: number): void {
    if (!this.anyRegistration()) return;
    const anchoring =
      (this.sql
        .statement(
          `SELECT b.root, b.leaf_count, b.tx_hash, b.block_number, b.timestamp, b.registrar
           FROM documents d JOIN batches b ON b.id = d.batch_id WHERE d.sha256 = ? AND b.state = 'anchored'`,
        )
        .get(sha256) as AnchoringRow | undefined) ??
      (this.sql
        .statement(
          `SELECT a.root, a.leaf_count, a.tx_hash, a.block_number, a.timestamp, a.registrar
           FROM anchoring_members m JOIN anchorings a ON a.root = m.root WHERE m.sha256 = ?
           ORDER BY a.block_number, a.root LIMIT 1`,
        )
        .get(sha256) as AnchoringRow | undefined);
    if (anchoring === undefined) return;
    this.recordEvent(
      "document.revoked",
      sha256,
      { anchoring: toAnchoring(anchoring), revocation },
      revocation.txHash,
      nowMs,
    );
  }

  /**
   * What the index learned of revocations, for documents submitted here (inside the index's
   * transaction): a revocation of this service's own anchoring is recorded in the document's own
   * record, and every such revocation, by whoever of whichever anchoring, becomes an event.
   */
  recordIndexRevocations(
    revocations: readonly (EventRevocation & { root: Hex32; sha256: Sha256Hex })[],
    nowMs: number,
  ): void {
    for (const { root, sha256, revokedAt, reason, revokedBy, txHash } of revocations) {
      const revocation = { revokedAt, reason, revokedBy, txHash };
      const own = this.sql
        .statement(
          `SELECT b.root, b.leaf_count, b.tx_hash, b.block_number, b.timestamp, b.registrar, d.revoked_at
           FROM documents d JOIN batches b ON b.id = d.batch_id
           WHERE d.sha256 = ? AND b.root = ? AND b.state = 'anchored'`,
        )
        .get(sha256, root) as (AnchoringRow & { revoked_at: number | null }) | undefined;
      if (own !== undefined && own.revoked_at === null) {
        this.sql
          .statement(
            `UPDATE documents SET revoked_at = ?, revocation_reason = ?, revoked_by = ?, revocation_tx = ?
             WHERE sha256 = ?`,
          )
          .run(revocation.revokedAt, revocation.reason, revocation.revokedBy, revocation.txHash, sha256);
      }
      if (!this.anyRegistration()) continue;
      const submittedHere = this.sql.statement("SELECT 1 FROM documents WHERE sha256 = ?").get(sha256) !== undefined;
      if (!submittedHere) continue;
      const anchoring =
        own ??
        (this.sql
          .statement(
            "SELECT root, leaf_count, tx_hash, block_number, timestamp, registrar FROM anchorings WHERE root = ?",
          )
          .get(root) as AnchoringRow | undefined);
      if (anchoring === undefined) continue;
      this.recordEvent(
        "document.revoked",
        sha256,
        { anchoring: toAnchoring(anchoring), revocation },
        revocation.txHash,
        nowMs,
      );
    }
  }

  private anyRegistration(): boolean {
    return this.sql.statement("SELECT 1 FROM webhooks WHERE deleted_at_ms IS NULL LIMIT 1").get() !== undefined;
  }

  /** Inserts the event unless it exists, and a pending delivery for each registration that wants it. */
  private recordEvent(
    type: WebhookEventType,
    sha256: Sha256Hex,
    facts: EventFacts,
    txHash: Hex32,
    nowMs: number,
  ): void {
    const id = eventIdOf(type, sha256, txHash);
    const inserted = this.sql
      .statement(
        `INSERT INTO webhook_events (id, type, sha256, facts, occurred_at_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING`,
      )
      .run(id, type, sha256, JSON.stringify(facts), nowMs).changes;
    if (inserted === 0) return;
    this.sql
      .statement(
        `INSERT INTO webhook_deliveries (event_id, webhook_id, state, attempts, created_at_ms, next_attempt_at_ms)
         SELECT ?, id, 'pending', 0, ?, ? FROM webhooks
         WHERE deleted_at_ms IS NULL AND instr(events, ?) > 0 AND (sha256 IS NULL OR sha256 = ?)`,
      )
      .run(id, nowMs, nowMs, `,${type},`, sha256);
  }

  /** Pending deliveries due at `nowMs`, oldest due first, except those in `excluding`. */
  due(nowMs: number, limit: number, excluding: ReadonlySet<number>): DueDelivery[] {
    const rows = this.sql.guard(
      "read the deliveries",
      () =>
        this.sql
          .statement(
            `SELECT d.id AS delivery_id, d.attempts, d.created_at_ms AS delivery_created_at_ms,
               w.id AS webhook_id, w.url, w.secret, e.*
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN webhook_events e ON e.id = d.event_id
             WHERE d.state = 'pending' AND d.next_attempt_at_ms <= ?
             ORDER BY d.next_attempt_at_ms, d.id LIMIT ?`,
          )
          .all(nowMs, limit + excluding.size) as (EventRow & {
          delivery_id: number;
          attempts: number;
          delivery_created_at_ms: number;
          webhook_id: string;
          url: string;
          secret: string;
        })[],
    );
    return rows
      .filter((row) => !excluding.has(row.delivery_id))
      .slice(0, limit)
      .map((row) => ({
        id: row.delivery_id,
        attempts: row.attempts,
        createdAtMs: row.delivery_created_at_ms,
        webhook: { id: row.webhook_id, url: row.url, secret: row.secret },
        event: toEvent(row),
      }));
  }

  /** Fixes an event's body at its first attempt; answers the body every attempt must send. */
  fixBody(eventId: string, body: string): string {
    return this.sql.guard("record the event body", () =>
      this.sql.db.transaction(() => {
        this.sql.statement("UPDATE webhook_events SET body = ? WHERE id = ? AND body IS NULL").run(body, eventId);
        return (this.sql.statement("SELECT body FROM webhook_events WHERE id = ?").get(eventId) as { body: string })
          .body;
      })(),
    );
  }

  markDelivered(id: number, nowMs: number, status: number): void {
    this.sql.guard("record the delivery", () => {
      this.sql
        .statement(
          `UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1, last_attempt_at_ms = ?,
             last_status = ?, last_error = NULL, next_attempt_at_ms = NULL, finished_at_ms = ?
           WHERE id = ? AND state = 'pending'`,
        )
        .run(nowMs, status, nowMs, id);
    });
  }

  /** Records a failed attempt: retried at `nextAttemptAtMs`, or given up (failed) when undefined. */
  markAttemptFailed(
    id: number,
    nowMs: number,
    outcome: { status?: number; error: string },
    nextAttemptAtMs: number | undefined,
  ): void {
    this.sql.guard("record the delivery", () => {
      this.sql
        .statement(
          `UPDATE webhook_deliveries SET state = ?, attempts = attempts + 1, last_attempt_at_ms = ?, last_status = ?,
             last_error = ?, next_attempt_at_ms = ?, finished_at_ms = ? WHERE id = ? AND state = 'pending'`,
        )
        .run(
          nextAttemptAtMs === undefined ? "failed" : "pending",
          nowMs,
          outcome.status ?? null,
          outcome.error,
          nextAttemptAtMs ?? null,
          nextAttemptAtMs === undefined ? nowMs : null,
          id,
        );
    });
  }

  /** The owner's deliveries, newest first, optionally in one state. */
  deliveries(owner: string, state: DeliveryState | undefined, limit: number): DeliveryRecord[] {
    const rows = this.sql.guard(
      "read the deliveries",
      () =>
        this.sql
          .statement(
            `SELECT d.*, e.type, e.sha256, w.url FROM webhook_deliveries d
             JOIN webhooks w ON w.id = d.webhook_id JOIN webhook_events e ON e.id = d.event_id
             WHERE w.owner = ? AND (? IS NULL OR d.state = ?) ORDER BY d.id DESC LIMIT ?`,
          )
          .all(owner, state ?? null, state ?? null, limit) as {
          id: number;
          event_id: string;
          webhook_id: string;
          state: DeliveryState;
          attempts: number;
          created_at_ms: number;
          next_attempt_at_ms: number | null;
          last_attempt_at_ms: number | null;
          last_status: number | null;
          last_error: string | null;
          finished_at_ms: number | null;
          type: WebhookEventType;
          sha256: string;
          url: string;
        }[],
    );
    return rows.map((row) => ({
      id: row.id,
      eventId: row.event_id,
      type: row.type,
      sha256: row.sha256 as Sha256Hex,
      webhookId: row.webhook_id,
      url: row.url,
      state: row.state,
      attempts: row.attempts,
      createdAtMs: row.created_at_ms,
      nextAttemptAtMs: optional(row.next_attempt_at_ms),
      lastAttemptAtMs: optional(row.last_attempt_at_ms),
      lastStatus: optional(row.last_status),
      lastError: optional(row.last_error),
      finishedAtMs: optional(row.finished_at_ms),
    }));
  }

  /**
   * Forgets what finished before `beforeMs`: deliveries delivered, failed or cancelled then, the
   * events no delivery refers to any more, and deleted registrations (their secrets with them) that
   * have no delivery left. Pending deliveries are never forgotten.
   */
  forgetFinished(beforeMs: number): { deliveries: number; events: number; webhooks: number } {
    return this.sql.guard("forget finished deliveries", () =>
      this.sql.db.transaction(() => ({
        deliveries: this.sql
          .statement("DELETE FROM webhook_deliveries WHERE state <> 'pending' AND finished_at_ms < ?")
          .run(beforeMs).changes,
        events: this.sql
          .statement(
            `DELETE FROM webhook_events WHERE occurred_at_ms < ?
               AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)`,
          )
          .run(beforeMs).changes,
        webhooks: this.sql
          .statement(
            `DELETE FROM webhooks WHERE deleted_at_ms < ?
               AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.webhook_id = webhooks.id)`,
          )
          .run(beforeMs).changes,
      }))(),
    );
  }

  /** Deliveries by state, for the metrics. */
  counts(): Record<DeliveryState, number> {
    const rows = this.sql.guard(
      "count the deliveries",
      () =>
        this.sql.statement("SELECT state, count(*) AS n FROM webhook_deliveries GROUP BY state").all() as {
          state: DeliveryState;
          n: number;
        }[],
    );
    const counts: Record<DeliveryState, number> = { pending: 0, delivered: 0, failed: 0, cancelled: 0 };
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  /** Every member of the anchoring `root`: this service's own batch, else the index's. */
  membersOf(root: Hex32): Sha256Hex[] {
    return this.sql.guard("read the anchoring", () => {
      const batch = this.sql.statement("SELECT id FROM batches WHERE root = ? AND state = 'anchored'").get(root) as
        { id: number } | undefined;
      const rows =
        batch === undefined
          ? this.sql.statement("SELECT sha256 FROM anchoring_members WHERE root = ? ORDER BY sha256").all(root)
          : this.sql.statement("SELECT sha256 FROM documents WHERE batch_id = ? ORDER BY sha256").all(batch.id);
      return (rows as { sha256: string }[]).map((row) => row.sha256 as Sha256Hex);
    });
  }
}
