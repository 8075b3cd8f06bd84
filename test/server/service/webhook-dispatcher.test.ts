import { expect } from "chai";
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import request from "supertest";
import { DocumentRegistry__factory } from "../../../typechain-types";
import { WebhookEventSchema, type WebhookEvent } from "../../../server/api/wire";
import { Registry } from "prom-client";
import { createLogger } from "../../../server/logger";
import { toBytes32, type Sha256Hex } from "../../../server/proof/digest";
import { WebhookDispatcher } from "../../../server/service/webhook-dispatcher";
import { createWebhookMetrics } from "../../../server/service/webhook-metrics";
import { parseAllowedHosts } from "../../../server/webhook/host-policy";
import { devAccount } from "../../support/dev-accounts";
import { poll } from "../../support/processes";
import { signatureVerifies, WebhookReceiver, type ReceivedRequest } from "../../support/webhook-receiver";
import { openTestService, TestChain, type ServiceHarness, type TestServiceOptions } from "../service-fixture";

const KEY = "webhook-test-key-0123456789";
const OTHER_KEY = "webhook-other-key-0123456789";
const randomSha = () => randomBytes(32).toString("hex") as Sha256Hex;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Notifications allowed to the loopback receiver, retried quickly. */
const FAST: TestServiceOptions["webhooks"] = {
  allowedHosts: parseAllowedHosts("127.0.0.1"),
  backoffMs: 200,
  retryForMs: 60_000,
  timeoutMs: 2_000,
  pollMs: 50,
};

describe("notifications (webhooks), through the real service", function () {
  this.timeout(120_000);
  const chain = new TestChain();
  const receiver = new WebhookReceiver();
  const open: ServiceHarness[] = [];
  let registry: string;

  before(async function () {
    await chain.start();
    await receiver.start();
    registry = await chain.deployRegistry();
  });

  after(async function () {
    for (const harness of open) await harness.close().catch(() => undefined);
    await receiver.stop();
    await chain.stop();
  });

  async function service(overrides: TestServiceOptions = {}): Promise<ServiceHarness> {
    const harness = await openTestService(chain, {
      registryAddress: registry,
      apiKeys: [KEY, OTHER_KEY],
      webhooks: FAST,
      ...overrides,
    });
    open.push(harness);
    harness.service.start();
    return harness;
  }

  async function register(harness: ServiceHarness, hookPath: string, body: object = {}, key = KEY) {
    const response = await request(harness.service.app)
      .post("/api/v1/webhooks")
      .set(bearer(key))
      .send({ url: `${receiver.url}${hookPath}`, ...body })
      .expect(201);
    return response.body as { id: string; secret: string; events: string[] };
  }

  async function notarize(harness: ServiceHarness, ...digests: Sha256Hex[]) {
    for (const sha256 of digests) {
      await request(harness.service.app).post("/api/v1/documents").set(bearer(KEY)).send({ sha256 }).expect(202);
    }
    await harness.service.anchorer.runOnce();
  }

  const arrived = (hookPath: string, count: number) =>
    poll(
      `${count} request(s) at ${hookPath}`,
      async () => receiver.to(hookPath).length >= count || undefined,
      30_000,
      25,
    );

  const eventOf = (received: ReceivedRequest): WebhookEvent => WebhookEventSchema.parse(JSON.parse(received.body));

  describe("when a document is anchored", function () {
    let harness: ServiceHarness;
    let hook: { id: string; secret: string };
    let sha256: Sha256Hex;

    before(async function () {
      harness = await service();
      hook = await register(harness, "/anchored");
      sha256 = randomSha();
      await notarize(harness, sha256);
      await arrived("/anchored", 1);
    });

    it("posts document.anchored with the document's receipt, signed as documented", function () {
      const [delivery] = receiver.to("/anchored");
      expect(signatureVerifies(delivery, hook.secret)).to.equal(true);
      expect(signatureVerifies(delivery, `${hook.secret}x`)).to.equal(false);
      const event = eventOf(delivery);
      expect(event.type).to.equal("document.anchored");
      expect(delivery.headers["docproof-event-id"]).to.equal(event.id);
      expect(delivery.headers["docproof-event-type"]).to.equal("document.anchored");
      expect(delivery.headers["docproof-delivery-attempt"]).to.equal("1");
      expect(delivery.headers["content-type"]).to.equal("application/json");
      expect(event.data.sha256).to.equal(sha256);
      expect(event.data.status).to.equal("anchored");
      expect(event.data.receipt).to.deep.equal(harness.service.notary.receipt(sha256));
      expect(event.data.anchoredBy.address).to.equal(harness.service.registrar);
    });

    it("lists the delivery as delivered to the key that registered it, and to no other key", async function () {
      const mine = await request(harness.service.app)
        .get("/api/v1/webhooks/deliveries?status=delivered")
        .set(bearer(KEY))
        .expect(200);
      const delivery = mine.body.deliveries.find((d: { sha256: string }) => d.sha256 === sha256);
      expect(delivery).to.include({ status: "delivered", attempts: 1, lastStatus: 204, webhookId: hook.id });
      const theirs = await request(harness.service.app).get("/api/v1/webhooks/deliveries").set(bearer(OTHER_KEY));
      expect(theirs.body.deliveries).to.deep.equal([]);
      const list = await request(harness.service.app).get("/api/v1/webhooks").set(bearer(KEY)).expect(200);
      expect(list.body.webhooks.map((w: { id: string }) => w.id)).to.include(hook.id);
      expect(JSON.stringify(list.body)).to.not.include(hook.secret);
    });

    it("never writes the signing secret to the log", function () {
      expect(harness.logs.join("\n")).to.not.include(hook.secret);
      expect(harness.logs.join("\n")).to.include("notification delivered");
    });

    it("requires an API key to register, list and delete", async function () {
      await request(harness.service.app)
        .post("/api/v1/webhooks")
        .send({ url: `${receiver.url}/x` })
        .expect(401);
      await request(harness.service.app).get("/api/v1/webhooks").expect(401);
      await request(harness.service.app).get("/api/v1/webhooks/deliveries").expect(401);
      await request(harness.service.app).delete(`/api/v1/webhooks/${hook.id}`).expect(401);
      await request(harness.service.app).delete(`/api/v1/webhooks/${hook.id}`).set(bearer(OTHER_KEY)).expect(404);
    });
  });

  describe("when the receiver fails, times out, and comes back", function () {
    it("retries with growing waits and delivers the same event, with the same body, at the third attempt", async function () {
      const harness = await service();
      const hook = await register(harness, "/flaky");
      receiver.answer(503, "hang", 200);
      const sha256 = randomSha();
      await notarize(harness, sha256);
      await arrived("/flaky", 3);
      const attempts = receiver.to("/flaky");
      expect(attempts.map((a) => a.headers["docproof-delivery-attempt"])).to.deep.equal(["1", "2", "3"]);
      expect(new Set(attempts.map((a) => a.body)).size).to.equal(1);
      expect(new Set(attempts.map((a) => a.headers["docproof-event-id"])).size).to.equal(1);
      for (const attempt of attempts) expect(signatureVerifies(attempt, hook.secret)).to.equal(true);
      // Backoff 200 ms, then 400 ms (each ±20%), after the timed-out attempt's 2 s.
      expect(attempts[1].receivedAtMs - attempts[0].receivedAtMs).to.be.at.least(150);
      expect(attempts[2].receivedAtMs - attempts[1].receivedAtMs).to.be.at.least(2_000 + 300);
      await poll("delivered", async () => {
        const response = await request(harness.service.app)
          .get("/api/v1/webhooks/deliveries?status=delivered")
          .set(bearer(KEY));
        return response.body.deliveries.find((d: { webhookId: string }) => d.webhookId === hook.id);
      });
      const listed = await request(harness.service.app).get("/api/v1/webhooks/deliveries").set(bearer(KEY));
      expect(listed.body.deliveries.find((d: { webhookId: string }) => d.webhookId === hook.id)).to.include({
        status: "delivered",
        attempts: 3,
        lastStatus: 200,
      });
      const metrics = await request(harness.service.app).get("/metrics").expect(200);
      expect(metrics.text).to.match(/^docproof_webhook_attempts_total\{outcome="retrying"\} 2$/m);
      expect(metrics.text).to.match(/^docproof_webhook_attempts_total\{outcome="delivered"\} 1$/m);
      receiver.answer(204);
    });
  });

  describe("when the receiver never comes back", function () {
    it("gives up after WEBHOOK_RETRY_FOR_MS and shows the delivery as failed, in the API and the metrics", async function () {
      const harness = await service({ webhooks: { ...FAST, retryForMs: 700 } });
      const hook = await register(harness, "/down");
      receiver.answer(500);
      await notarize(harness, randomSha());
      const failed = await poll("a failed delivery", async () => {
        const response = await request(harness.service.app)
          .get("/api/v1/webhooks/deliveries?status=failed")
          .set(bearer(KEY));
        return response.body.deliveries.find((d: { webhookId: string }) => d.webhookId === hook.id);
      });
      expect(failed).to.include({ status: "failed", lastStatus: 500 });
      expect(failed.lastError).to.equal("answered 500");
      expect(failed.attempts).to.be.at.least(2);
      expect(failed.finishedAt).to.be.a("string");
      expect(failed.nextAttemptAt).to.equal(undefined);
      const metrics = await request(harness.service.app).get("/metrics").expect(200);
      expect(metrics.text).to.match(/^docproof_webhook_deliveries\{state="failed"\} 1$/m);
      expect(metrics.text).to.match(/^docproof_webhook_attempts_total\{outcome="failed"\} 1$/m);
      expect(harness.logs.join("\n")).to.include("notification undeliverable: retries exhausted");
      receiver.answer(204);
    });
  });

  describe("when the service restarts with a delivery pending", function () {
    it("delivers it after the restart, the same event with the same body", async function () {
      const dataDir = mkdtempSync(path.join(tmpdir(), "docproof-webhook-restart-"));
      // The retry comes due while the service is down.
      const slow = { ...FAST, backoffMs: 2_000 };
      try {
        const first = await service({ dataDir, webhooks: slow });
        const hook = await register(first, "/restart");
        receiver.answer(500);
        const sha256 = randomSha();
        await notarize(first, sha256);
        await arrived("/restart", 1);
        const pending = await poll("the failed attempt recorded", async () => {
          const response = await request(first.service.app)
            .get("/api/v1/webhooks/deliveries?status=pending")
            .set(bearer(KEY));
          const found = response.body.deliveries.find((d: { webhookId: string }) => d.webhookId === hook.id);
          return found?.attempts === 1 ? found : undefined;
        });
        expect(pending).to.include({ status: "pending", lastStatus: 500 });
        await first.close();
        open.splice(open.indexOf(first), 1);
        expect(receiver.to("/restart")).to.have.length(1);

        receiver.answer(204);
        const second = await service({ dataDir, webhooks: slow });
        await arrived("/restart", 2);
        const [before, after] = receiver.to("/restart");
        expect(after.headers["docproof-delivery-attempt"]).to.equal("2");
        expect(after.body).to.equal(before.body);
        expect(after.headers["docproof-event-id"]).to.equal(before.headers["docproof-event-id"]);
        expect(eventOf(after).data.sha256).to.equal(sha256);
        expect(signatureVerifies(after, hook.secret)).to.equal(true);
        await second.close();
        open.splice(open.indexOf(second), 1);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });

  describe("when documents are revoked", function () {
    it("posts document.revoked for a revocation by this service and for one by the admin found by the index, once each", async function () {
      const harness = await service();
      await register(harness, "/revoked", { events: ["document.revoked"] });
      const [bySelf, byAdmin] = [randomSha(), randomSha()];
      await notarize(harness, bySelf, byAdmin);
      await request(harness.service.app)
        .post(`/api/v1/documents/${bySelf}/revoke`)
        .set(bearer(KEY))
        .send({ reason: "superseded" })
        .expect(200);
      await arrived("/revoked", 1);

      // The admin revokes the other one on chain, without this service.
      const receipt = harness.service.notary.receipt(byAdmin);
      const provider = chain.provider();
      try {
        const admin = DocumentRegistry__factory.connect(registry, devAccount(0).connect(provider));
        await (await admin.revoke(receipt.merkleRoot, toBytes32(byAdmin), receipt.proof, 4)).wait();
      } finally {
        provider.destroy();
      }
      await harness.service.indexer.runOnce();
      await arrived("/revoked", 2);
      // The index also finds this service's own revocation: it is the same event, not sent again.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const events = receiver.to("/revoked").map(eventOf);
      expect(events.map((e) => [e.type, e.data.sha256])).to.have.deep.members([
        ["document.revoked", bySelf],
        ["document.revoked", byAdmin],
      ]);
      const admin = events.find((e) => e.data.sha256 === byAdmin)!;
      expect(admin.data.revocation).to.include({ reason: 4, reasonName: "key-compromise" });
      expect(admin.data.revocation!.revokedBy).to.equal(devAccount(0).address);
      // The document's own record shows the revocation the index found.
      const view = await request(harness.service.app).get(`/api/v1/documents/${byAdmin}`).expect(200);
      expect(view.body.status).to.equal("revoked");
    });
  });

  describe("when a submission names a callbackUrl", function () {
    it("registers it once, answers its secret once, and posts only that document's events to it", async function () {
      const harness = await service();
      const [mine, other] = [randomSha(), randomSha()];
      const url = `${receiver.url}/callback`;
      const first = await request(harness.service.app)
        .post("/api/v1/documents")
        .set(bearer(KEY))
        .send({ sha256: mine, callbackUrl: url })
        .expect(202);
      expect(first.body.callback.secret).to.match(/^whsec_/);
      expect(first.body.callback).to.include({ url, sha256: mine });
      const again = await request(harness.service.app)
        .post("/api/v1/documents")
        .set(bearer(KEY))
        .send({ sha256: mine, callbackUrl: url })
        .expect(202);
      expect(again.body.callback.id).to.equal(first.body.callback.id);
      expect(again.body.callback.secret).to.equal(undefined);
      await notarize(harness, other);
      await arrived("/callback", 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const received = receiver.to("/callback");
      expect(received.map((r) => eventOf(r).data.sha256)).to.deep.equal([mine]);
      expect(signatureVerifies(received[0], first.body.callback.secret)).to.equal(true);
    });
  });

  describe("when a registration is deleted", function () {
    it("cancels its pending deliveries", async function () {
      const harness = await service({ webhooks: { ...FAST, backoffMs: 60_000, retryForMs: 600_000 } });
      const hook = await register(harness, "/deleted");
      receiver.answer(500);
      await notarize(harness, randomSha());
      await arrived("/deleted", 1);
      await poll("the attempt recorded", async () => {
        const response = await request(harness.service.app).get("/api/v1/webhooks/deliveries").set(bearer(KEY));
        return (
          response.body.deliveries.find((d: { webhookId: string; attempts: number }) => d.webhookId === hook.id)
            ?.attempts || undefined
        );
      });
      await request(harness.service.app).delete(`/api/v1/webhooks/${hook.id}`).set(bearer(KEY)).expect(204);
      const listed = await request(harness.service.app).get("/api/v1/webhooks/deliveries").set(bearer(KEY));
      expect(listed.body.deliveries.find((d: { webhookId: string }) => d.webhookId === hook.id)).to.include({
        status: "cancelled",
      });
      await request(harness.service.app).delete(`/api/v1/webhooks/${hook.id}`).set(bearer(KEY)).expect(404);
      receiver.answer(204);
    });
  });

  describe("when deliveries finished longer ago than WEBHOOK_KEEP_FOR_MS", function () {
    it("forgets them and deleted registrations left with nothing, and keeps pending deliveries and their events", async function () {
      const harness = await service({
        webhooks: { ...FAST, keepForMs: 1_500, backoffMs: 60_000, retryForMs: 600_000 },
      });
      const done = await register(harness, "/kept-briefly");
      const waiting = await register(harness, "/still-down");
      receiver.answerAt("/still-down", 500);
      await notarize(harness, randomSha());
      await arrived("/kept-briefly", 1);
      await arrived("/still-down", 1);
      const listed = async () =>
        (await request(harness.service.app).get("/api/v1/webhooks/deliveries").set(bearer(KEY))).body.deliveries as {
          webhookId: string;
          status: string;
        }[];
      await poll("the delivery recorded", async () =>
        (await listed()).some((d) => d.webhookId === done.id && d.status === "delivered") ? true : undefined,
      );
      await request(harness.service.app).delete(`/api/v1/webhooks/${done.id}`).set(bearer(KEY)).expect(204);
      await poll(
        "the delivered one forgotten",
        async () => ((await listed()).some((d) => d.webhookId === done.id) ? undefined : true),
        15_000,
      );
      expect((await listed()).filter((d) => d.webhookId === waiting.id).map((d) => d.status)).to.deep.equal([
        "pending",
      ]);
      expect(harness.service.store.webhooks.counts()).to.include({ delivered: 0, pending: 1 });
      // The deleted registration (and its secret) goes once nothing refers to it; the event stays
      // while the pending delivery needs it.
      const rows = () => {
        const db = new Database(path.join(harness.dataDir, "docproof.sqlite"), { readonly: true });
        try {
          const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
          return { webhooks: count("webhooks"), events: count("webhook_events") };
        } finally {
          db.close();
        }
      };
      await poll("the deleted registration forgotten", async () => (rows().webhooks === 1 ? true : undefined), 15_000);
      expect(rows()).to.deep.equal({ webhooks: 1, events: 1 });
      expect(harness.logs.join("\n")).to.include("finished notifications forgotten");
      receiver.answerAt("/still-down", 204);
    });
  });

  describe("when a URL is not one the operator allows", function () {
    for (const [url, status, type] of [
      ["http://localhost:9/hook", 403, "webhook-url-not-allowed"],
      ["http://10.0.0.1/hook", 403, "webhook-url-not-allowed"],
      ["http://169.254.169.254/latest/meta-data", 403, "webhook-url-not-allowed"],
      ["ftp://127.0.0.1/hook", 400, "invalid-request"],
      ["http://user:pass@127.0.0.1/hook", 400, "invalid-request"],
      ["/relative", 400, "invalid-request"],
    ] as const) {
      it(`refuses ${url} with ${status} ${type}`, async function () {
        const harness = open[0];
        const response = await request(harness.service.app).post("/api/v1/webhooks").set(bearer(KEY)).send({ url });
        expect(response.status).to.equal(status);
        expect(response.body.type).to.equal(`urn:docproof:problem:${type}`);
      });
    }

    it("refuses every URL while WEBHOOK_ALLOWED_HOSTS is unset", async function () {
      const harness = await service({ webhooks: { ...FAST, allowedHosts: [] } });
      const response = await request(harness.service.app)
        .post("/api/v1/webhooks")
        .set(bearer(KEY))
        .send({ url: `${receiver.url}/off` })
        .expect(403);
      expect(response.body.detail).to.include("WEBHOOK_ALLOWED_HOSTS");
    });
  });
});

describe("WebhookDispatcher, on fakes", function () {
  const event = {
    id: "evt_1",
    type: "document.anchored" as const,
    sha256: "ab".repeat(32) as Sha256Hex,
    facts: {} as never,
    occurredAtMs: 0,
  };

  /** A dispatcher whose clock is `clock.now`, with an outbox holding one delivery and recording what is done to it. */
  function fixture(options: {
    bodyOf?: () => string;
    outcome?: { ok: boolean; status?: number; error?: string };
    forgetFails?: boolean;
  }) {
    const clock = { now: 1_000_000 };
    const recorded: { id: number; next: number | undefined; error?: string }[] = [];
    let attempts = 0;
    let dueAt: number | undefined = clock.now;
    const forgotten: number[] = [];
    const outbox = {
      due: (now: number) =>
        dueAt !== undefined && dueAt <= now
          ? [{ id: 1, attempts, createdAtMs: 1_000_000, webhook: { id: "wh_1", url: "http://x/", secret: "s" }, event }]
          : [],
      fixBody: (_id: string, body: string) => body,
      markDelivered: () => {
        dueAt = undefined;
      },
      markAttemptFailed: (id: number, _at: number, outcome: { error: string }, next: number | undefined) => {
        attempts++;
        dueAt = next;
        recorded.push({ id, next, error: outcome.error });
      },
      forgetFinished: (beforeMs: number) => {
        if (options.forgetFails) throw new Error("disk I/O error");
        forgotten.push(beforeMs);
        return { deliveries: 0, events: 0, webhooks: 0 };
      },
    };
    const registry = new Registry();
    const dispatcher = new WebhookDispatcher(
      {
        outbox,
        transport: { deliver: async () => options.outcome ?? { ok: false, status: 500, error: "answered 500" } },
        bodies: { bodyOf: options.bodyOf ?? (() => "{}") },
        log: createLogger({ destination: () => undefined }),
        metrics: createWebhookMetrics(registry, () => ({ pending: 0, delivered: 0, failed: 0, cancelled: 0 })),
        userAgent: "test",
        now: () => clock.now,
        random: () => 0.5,
      },
      { retryForMs: 10_000, backoffMs: 1_000, timeoutMs: 1_000, pollMs: 1_000, concurrency: 1, keepForMs: 5_000 },
    );
    return { clock, recorded, forgotten, dispatcher };
  }

  it("doubles the wait after each failure and gives up when the next attempt would pass WEBHOOK_RETRY_FOR_MS", async function () {
    const { clock, recorded, dispatcher } = fixture({});
    for (let i = 0; i < 5; i++) {
      await dispatcher.runOnce();
      if (recorded.at(-1)?.next !== undefined) clock.now = recorded.at(-1)!.next!;
    }
    const waits = recorded.map((r, i) =>
      r.next === undefined ? undefined : r.next - (i === 0 ? 1_000_000 : recorded[i - 1].next!),
    );
    expect(waits).to.deep.equal([1_000, 2_000, 4_000, undefined]);
  });

  it("forgets deliveries finished more than keepForMs ago, once per keepForMs (at most an hour)", async function () {
    const { clock, forgotten, dispatcher } = fixture({ outcome: { ok: true, status: 204 } });
    await dispatcher.runOnce();
    clock.now += 4_999;
    await dispatcher.runOnce();
    clock.now += 1;
    await dispatcher.runOnce();
    expect(forgotten).to.deep.equal([1_000_000 - 5_000, 1_005_000 - 5_000]);
  });

  it("still delivers when forgetting fails", async function () {
    const { recorded, dispatcher } = fixture({ forgetFails: true });
    await dispatcher.runOnce();
    expect(recorded).to.have.length(1);
  });

  it("counts an event whose body cannot be built as a failed attempt, not a loop", async function () {
    const { recorded, dispatcher } = fixture({
      bodyOf: () => {
        throw new Error("no members");
      },
    });
    await dispatcher.runOnce();
    await dispatcher.runOnce();
    expect(recorded).to.have.length(1);
    expect(recorded[0]).to.deep.include({ next: 1_001_000, error: "the event could not be built (no members)" });
  });
});
