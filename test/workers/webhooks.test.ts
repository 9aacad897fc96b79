// Integration tests of webhooks with a real HTTP receiver on loopback: endpoint management and
// its bad input, the transactional outbox, signed delivery, retries driven by scheduled times
// (500, timeout, 429 with Retry-After), 410 and 5-day disabling, a receiver down for a day,
// redelivery under the same webhook-id and secret rotation.
import { createExecutionContext, env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { verifyWebhook } from "../../worker/domain/webhook-signing.ts";
import worker from "../../worker/index.ts";
import {
  DELIVERY_LEASE_MS,
  deliverWebhooks,
  type DeliveryOptions,
} from "../../worker/jobs/webhook-delivery.ts";
import { templateGroups } from "../../schema/tables.ts";
import { database, runBatch } from "../../worker/store/db.ts";
import { eventStatements } from "../../worker/store/webhook-events.ts";
import {
  call,
  createCatalogue,
  createCustomer,
  createMerchant,
  emptyDatabase,
  expectProblem,
  json,
} from "./helpers.ts";

const receiver = inject("webhookReceiverUrl");
const steady = () => 0.5; // no jitter: retries land exactly on the schedule

/** A virtual tick at `t`: its clock stands still and there is no jitter, so retries land exactly on the schedule. */
const tick = (t: Date, options: DeliveryOptions = {}) =>
  deliverWebhooks(env, t, { random: steady, clock: () => t, ...options });

interface Received {
  headers: Record<string, string>;
  body: string;
  status: number;
  receivedAt: number;
}

async function steer(hook: string, behaviour: { queue?: unknown[]; fallback?: unknown }) {
  await fetch(`${receiver}/__control/${hook}`, { method: "DELETE" });
  await fetch(`${receiver}/__control/${hook}`, { method: "POST", body: JSON.stringify(behaviour) });
}

async function received(hook: string): Promise<Received[]> {
  return (await fetch(`${receiver}/__control/${hook}`)).json();
}

async function setup(
  hook: string,
  behaviour: { queue?: unknown[]; fallback?: unknown } = {},
  eventTypes: string[] = ["contract.created"],
) {
  await steer(hook, behaviour);
  const { apiKey } = await createMerchant();
  const endpoint = await json(
    await call("/api/v1/webhook-endpoints", {
      key: apiKey,
      body: { url: `${receiver}/hooks/${hook}`, eventTypes },
    }),
    201,
  );
  const catalogue = await createCatalogue(apiKey);
  const customerId = await createCustomer(apiKey);
  const createContract = async () =>
    json(
      await call("/api/v1/contracts", {
        key: apiKey,
        body: { customerId, templateId: catalogue.basic.templateId, startDate: "2026-11-01" },
      }),
      201,
    );
  return { apiKey, endpoint, createContract };
}

const eventsOf = async (key: string, type?: string) =>
  (
    await json(
      await call(`/api/v1/webhook-events?limit=100${type ? `&type=${type}` : ""}`, { key }),
      200,
    )
  ).data as any[];
const at = (base: Date, seconds: number) => new Date(base.getTime() + seconds * 1000);

beforeEach(emptyDatabase);

describe("webhook endpoints", () => {
  it("returns the secret once, lists, updates, disables and deletes", async () => {
    const { apiKey } = await createMerchant();
    const created = await json(
      await call("/api/v1/webhook-endpoints", {
        key: apiKey,
        body: { url: "https://hooks.example.com/tarif", description: "ERP" },
      }),
      201,
    );
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(created).toMatchObject({ status: "enabled", eventTypes: [] });
    const read = await json(
      await call(`/api/v1/webhook-endpoints/${created.id}`, { key: apiKey }),
      200,
    );
    expect(read.secret).toBeUndefined();
    expect(
      (await json(await call("/api/v1/webhook-endpoints", { key: apiKey }), 200)).data,
    ).toHaveLength(1);
    const disabled = await json(
      await call(`/api/v1/webhook-endpoints/${created.id}`, {
        key: apiKey,
        method: "PATCH",
        body: { enabled: false, eventTypes: ["invoice.created"] },
      }),
      200,
    );
    expect(disabled).toMatchObject({
      status: "disabled",
      disabledReason: "Disabled by the merchant.",
      eventTypes: ["invoice.created"],
    });
    expect(
      await json(
        await call(`/api/v1/webhook-endpoints/${created.id}`, { key: apiKey, method: "DELETE" }),
        200,
      ),
    ).toEqual({ id: created.id, deleted: true });
    await expectProblem(
      await call(`/api/v1/webhook-endpoints/${created.id}`, { key: apiKey }),
      404,
      "not_found",
    );
  });

  it.each([
    ["http://hooks.example.com/x", "not https"],
    ["https://167772161/x", "decimal private"],
    ["https://0x0a000001/x", "hex private"],
    ["https://012.0.0.1/x", "octal private"],
    ["https://10.1/x", "short private"],
    ["https://10.0.0.8/x", "private"],
    ["https://192.168.1.10/x", "private"],
    ["https://172.16.5.4/x", "private"],
    ["https://169.254.169.254/latest/meta-data", "metadata"],
    ["https://100.64.0.1/x", "CGNAT"],
    ["https://[fd00::1]/x", "ULA"],
    ["https://[fe80::1]/x", "link-local"],
    ["https://[::ffff:10.0.0.1]/x", "IPv4-mapped"],
    ["https://metadata.google.internal/x", "metadata host"],
    ["https://user:pass@hooks.example.com/x", "credentials"],
    ["not a url", "invalid"],
    [`https://hooks.example.com/${"a".repeat(2100)}`, "too long"],
  ])("refuses %s (%s)", async (url) => {
    const { apiKey } = await createMerchant();
    const problem = await expectProblem(
      await call("/api/v1/webhook-endpoints", { key: apiKey, body: { url } }),
      400,
      "validation_failed",
    );
    expect(problem.errors[0].field).toBe("url");
  });

  it.each([
    "https://127.0.0.1/x",
    "https://2130706433/x",
    "https://0x7f000001/x",
    "https://0177.0.0.1/x",
    "https://127.1/x",
    "https://[::1]/x",
    "https://localhost/x",
  ])("refuses loopback %s unless development allows localhost", async (url) => {
    const { apiKey } = await createMerchant();
    const request = new Request("http://tarif.test/api/v1/webhook-endpoints", {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ url }),
    });
    const production = { ...env, ENVIRONMENT: "production", WEBHOOK_ALLOW_LOCALHOST: "true" };
    await expectProblem(
      await worker.fetch(request, production, createExecutionContext()),
      400,
      "validation_failed",
    );
  });

  it("refuses unknown event types and oversized filters", async () => {
    const { apiKey } = await createMerchant();
    await expectProblem(
      await call("/api/v1/webhook-endpoints", {
        key: apiKey,
        body: { url: "https://hooks.example.com", eventTypes: ["contract.exploded"] },
      }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call("/api/v1/webhook-endpoints", {
        key: apiKey,
        body: { url: "https://hooks.example.com", eventTypes: Array(20).fill("invoice.created") },
      }),
      400,
      "validation_failed",
    );
  });

  it("hides one merchant's endpoints and events from another", async () => {
    const { apiKey, endpoint, createContract } = await setup("isolation");
    await createContract();
    const [event] = await eventsOf(apiKey, "contract.created");
    const other = await createMerchant("Other");
    await expectProblem(
      await call(`/api/v1/webhook-endpoints/${endpoint.id}`, { key: other.apiKey }),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/api/v1/webhook-endpoints/${endpoint.id}`, {
        key: other.apiKey,
        method: "DELETE",
      }),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/api/v1/webhook-events/${event.id}`, { key: other.apiKey }),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/api/v1/webhook-events/${event.id}/redeliver`, { key: other.apiKey, body: {} }),
      404,
      "not_found",
    );
    expect(await eventsOf(other.apiKey)).toEqual([]);
  });
});

describe("outbox", () => {
  it("records an event for every committed change and none for a refused one", async () => {
    const { apiKey, createContract } = await setup("outbox", {}, []);
    const contract = await createContract();
    await expectProblem(
      await call(`/api/v1/contracts/${contract.id}/changes`, {
        key: apiKey,
        body: { type: "remove_item", itemId: contract.items[0].id },
      }),
      422,
      "cannot_remove_plan",
    );
    const types = (await eventsOf(apiKey)).map((e) => e.type).sort();
    expect(types).toEqual(["contract.created", "invoice.created"]);
    const invoiceEvent = (await eventsOf(apiKey)).find((e) => e.type === "invoice.created");
    expect(invoiceEvent.payload.data).toMatchObject({
      id: contract.invoiceId,
      number: expect.stringMatching(/^RE-\d{4}-000001$/),
    });
  });

  it("rolls the event back with a batch that fails", async () => {
    const { apiKey } = await createMerchant();
    const merchantId = (await database(env.DB).query.merchants.findFirst())!.id;
    const db = database(env.DB);
    // The change after the event violates a primary key, so D1 rolls the whole batch back.
    const statements = [
      ...eventStatements(db, {
        merchantId,
        type: "contract.created",
        data: {
          contractId: "ctr_x",
          customerId: "cus_x",
          templateId: "tpl_x",
          startDate: "2027-01-01",
          currentPeriod: { start: "2027-01-01", end: "2027-02-01" },
          invoiceId: "inv_x",
        },
        at: new Date(),
      }),
      db.insert(templateGroups).values({ id: "tgr_dup", merchantId, name: "A" }),
      db.insert(templateGroups).values({ id: "tgr_dup", merchantId, name: "B" }),
    ];
    await expect(runBatch(db, statements)).rejects.toThrow();
    expect(await eventsOf(apiKey)).toEqual([]);
  });
});

describe("delivery", () => {
  it("delivers on 2xx with a signature the standardwebhooks library verifies", async () => {
    const { apiKey, endpoint, createContract } = await setup("happy");
    await createContract();
    const report = await deliverWebhooks(env, new Date());
    expect(report).toEqual({ attempted: 1, delivered: 1, retrying: 0, failed: 0 });
    const [request] = await received("happy");
    expect(() =>
      new Webhook(endpoint.secret).verify(request!.body, request!.headers),
    ).not.toThrow();
    const [event] = await eventsOf(apiKey, "contract.created");
    expect(request!.headers["webhook-id"]).toBe(event.id);
    expect(JSON.parse(request!.body)).toEqual(event.payload);
    expect((await deliverWebhooks(env, new Date())).attempted).toBe(0);
  });

  it("retries a 500 at 5 s and 5 min with the same webhook-id and a new timestamp, then delivers", async () => {
    const { apiKey, endpoint, createContract } = await setup("flaky", {
      queue: [{ status: 500 }, { status: 500 }],
      fallback: { status: 204 },
    });
    await createContract();
    const t0 = new Date();
    expect((await tick(t0)).retrying).toBe(1);
    expect((await tick(at(t0, 4))).attempted).toBe(0);
    expect((await tick(at(t0, 5))).retrying).toBe(1);
    expect((await tick(at(t0, 5 + 299))).attempted).toBe(0);
    expect((await tick(at(t0, 5 + 300))).delivered).toBe(1);
    const requests = await received("flaky");
    expect(new Set(requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
    expect(
      requests.map((r) => Number(r.headers["webhook-timestamp"]) - Math.floor(t0.getTime() / 1000)),
    ).toEqual([0, 5, 305]);
    for (const [index, request] of requests.entries()) {
      const verified = await verifyWebhook(
        { headers: request.headers, body: request.body },
        endpoint.secret,
        { now: at(t0, [0, 5, 305][index]!) },
      );
      expect(verified.ok).toBe(true);
    }
    const [event] = await eventsOf(apiKey, "contract.created");
    const detail = await json(
      await call(`/api/v1/webhook-events/${event.id}`, { key: apiKey }),
      200,
    );
    expect(detail.deliveries[0]).toMatchObject({ status: "delivered", attempts: 3 });
    expect(detail.attempts.map((a: any) => a.statusCode)).toEqual([500, 500, 204]);
  });

  it("retries a timeout and honours Retry-After on 429", async () => {
    const { createContract } = await setup("slow", {
      queue: [
        { status: 200, delayMs: 1500 },
        { status: 429, retryAfter: "600" },
      ],
      fallback: { status: 200 },
    });
    await createContract();
    const t0 = new Date();
    const first = await tick(t0, { timeoutMs: 300 });
    expect(first.retrying).toBe(1);
    expect((await tick(at(t0, 5))).retrying).toBe(1);
    // The schedule says 5 min after the second failure; the receiver asked for 10.
    expect((await tick(at(t0, 5 + 300))).attempted).toBe(0);
    expect((await tick(at(t0, 5 + 600))).delivered).toBe(1);
  });

  it("does not follow redirects: a 3xx is a failed attempt", async () => {
    const { apiKey, createContract } = await setup("moved", {
      queue: [{ status: 302, body: "elsewhere" }],
      fallback: { status: 200 },
    });
    await createContract();
    const t0 = new Date();
    expect((await tick(t0)).retrying).toBe(1);
    const [event] = await eventsOf(apiKey, "contract.created");
    const detail = await json(
      await call(`/api/v1/webhook-events/${event.id}`, { key: apiKey }),
      200,
    );
    expect(detail.attempts[0]).toMatchObject({ statusCode: 302, responseExcerpt: "elsewhere" });
    expect((await tick(at(t0, 5))).delivered).toBe(1);
  });

  it("disables the endpoint on 410 and sends it nothing more", async () => {
    const { apiKey, endpoint, createContract } = await setup("gone", { fallback: { status: 410 } });
    await createContract();
    expect((await deliverWebhooks(env, new Date())).failed).toBe(1);
    const after = await json(
      await call(`/api/v1/webhook-endpoints/${endpoint.id}`, { key: apiKey }),
      200,
    );
    expect(after).toMatchObject({
      status: "disabled",
      disabledReason: "The endpoint answered 410 Gone.",
    });
    await createContract();
    expect((await deliverWebhooks(env, at(new Date(), 3600))).attempted).toBe(0);
    expect(await received("gone")).toHaveLength(1);
  });

  it("gets every event to a receiver that was down for a day, once, and none to a disabled endpoint", async () => {
    const { apiKey, createContract } = await setup("down", { fallback: { status: 503 } });
    const off = await json(
      await call("/api/v1/webhook-endpoints", {
        key: apiKey,
        body: { url: `${receiver}/hooks/off` },
      }),
      201,
    );
    await json(
      await call(`/api/v1/webhook-endpoints/${off.id}`, {
        key: apiKey,
        method: "PATCH",
        body: { enabled: false },
      }),
      200,
    );
    await steer("off", {});
    const t0 = new Date();
    await createContract();
    for (let minute = 0; minute <= 24 * 60; minute += 10) {
      if (minute === 12 * 60) await createContract();
      await tick(at(t0, minute * 60));
    }
    await steer("down", { fallback: { status: 200 } });
    for (let minute = 24 * 60; minute <= 48 * 60; minute += 10) await tick(at(t0, minute * 60));
    const ok = (await received("down"))
      .filter((r) => r.status === 200)
      .map((r) => r.headers["webhook-id"]);
    const created = (await eventsOf(apiKey))
      .filter((e) => e.type === "contract.created")
      .map((e) => e.id);
    expect(ok.sort()).toEqual(created.sort());
    expect(await received("off")).toEqual([]);
  });

  it("disables an endpoint that has failed for five days", async () => {
    const { apiKey, endpoint, createContract } = await setup("dead", { fallback: { status: 500 } });
    await createContract();
    const t0 = new Date();
    await tick(t0);
    await createContract();
    await tick(at(t0, 5 * 86_400 + 60));
    const after = await json(
      await call(`/api/v1/webhook-endpoints/${endpoint.id}`, { key: apiKey }),
      200,
    );
    expect(after.status).toBe("disabled");
    expect(after.disabledReason).toContain("5 days");
  });

  it("redelivers an event under the same webhook-id", async () => {
    const { apiKey, createContract } = await setup("again");
    await createContract();
    await deliverWebhooks(env, new Date());
    const [event] = await eventsOf(apiKey, "contract.created");
    const answer = await json(
      await call(`/api/v1/webhook-events/${event.id}/redeliver`, { key: apiKey, body: {} }),
      202,
    );
    expect(answer.redeliveredTo).toBe(1);
    await deliverWebhooks(env, new Date());
    const requests = await received("again");
    expect(requests.map((r) => r.headers["webhook-id"])).toEqual([event.id, event.id]);
  });

  it("signs with the old and the new secret during a rotation", async () => {
    const { apiKey, endpoint, createContract } = await setup("rotate");
    const rotated = await json(
      await call(`/api/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, {
        key: apiKey,
        body: { overlapHours: 1 },
      }),
      200,
    );
    expect(rotated.secret).not.toBe(endpoint.secret);
    await createContract();
    await deliverWebhooks(env, new Date());
    const [request] = await received("rotate");
    expect(request!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(() =>
      new Webhook(endpoint.secret).verify(request!.body, request!.headers),
    ).not.toThrow();
    expect(() => new Webhook(rotated.secret).verify(request!.body, request!.headers)).not.toThrow();
    await createContract();
    await deliverWebhooks(env, at(new Date(), 2 * 3600));
    const later = (await received("rotate"))[1]!;
    expect(later.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
  });
});

describe("delivery timing in a long tick (issue 12)", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("signs each delivery with the time it is sent, not the tick's start", async () => {
    const { endpoint, createContract } = await setup("late-sign", {
      fallback: { status: 200, delayMs: 1100 },
    });
    for (let i = 0; i < 3; i++) await createContract();
    const t0 = new Date();
    expect((await deliverWebhooks(env, t0, { concurrency: 1 })).delivered).toBe(3);
    const requests = await received("late-sign");
    expect(requests).toHaveLength(3);
    const stamps = requests.map((r) => Number(r.headers["webhook-timestamp"]));
    expect(stamps[2]! - stamps[0]!).toBeGreaterThanOrEqual(2);
    // A receiver with a tolerance of one second still accepts the last one.
    for (const request of requests) {
      const verified = await verifyWebhook(
        { headers: request.headers, body: request.body },
        endpoint.secret,
        { now: new Date(request.receivedAt), toleranceSeconds: 1 },
      );
      expect(verified).toMatchObject({ ok: true });
    }
  });

  it("leases from the moment of leasing: a later tick never sends an event in flight again", async () => {
    const { apiKey, createContract } = await setup("late-lease", {
      fallback: { status: 200, delayMs: 1500 },
    });
    for (let i = 0; i < 3; i++) await createContract();
    const t0 = new Date();
    const first = deliverWebhooks(env, t0, { concurrency: 1 });
    // The second event is in flight; the next tick is one lease length after the first began.
    await sleep(2000);
    const second = await deliverWebhooks(env, new Date(t0.getTime() + DELIVERY_LEASE_MS + 1000));
    const report = await first;
    expect(report.attempted + second.attempted).toBe(3);
    const ids = (await received("late-lease")).map((r) => r.headers["webhook-id"]);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    for (const event of await eventsOf(apiKey, "contract.created")) {
      const detail = await json(
        await call(`/api/v1/webhook-events/${event.id}`, { key: apiKey }),
        200,
      );
      expect(detail.attempts).toHaveLength(1);
    }
  });
});

describe("recovering a disabled endpoint (issue 12)", () => {
  const recover = (key: string, id: string, body: unknown) =>
    call(`/api/v1/webhook-endpoints/${id}/recover`, { key, body });

  it("queues every subscribed event since then, re-enables the endpoint and delivers once", async () => {
    const { apiKey, endpoint, createContract } = await setup("recover", {
      queue: [{ status: 410 }],
      fallback: { status: 200 },
    });
    const since = new Date(Date.now() - 1000).toISOString();
    await createContract();
    expect((await deliverWebhooks(env, new Date())).failed).toBe(1);
    // Disabled: these two get no delivery at all.
    await createContract();
    await createContract();
    expect((await deliverWebhooks(env, new Date())).attempted).toBe(0);
    const answer = await json(await recover(apiKey, endpoint.id, { since }), 202);
    expect(answer).toMatchObject({ id: endpoint.id, status: "enabled", queued: 3 });
    const detail = await json(
      await call(`/api/v1/webhook-endpoints/${endpoint.id}`, { key: apiKey }),
      200,
    );
    expect(detail).toMatchObject({ status: "enabled", disabledReason: null, failingSince: null });
    expect((await deliverWebhooks(env, new Date())).delivered).toBe(3);
    const created = (await eventsOf(apiKey, "contract.created")).map((e) => e.id).sort();
    const ok = (await received("recover")).filter((r) => r.status === 200);
    expect(ok.map((r) => r.headers["webhook-id"]).sort()).toEqual(created);
    // Only the event types the endpoint subscribes to; nothing twice on a second recover.
    expect(ok.every((r) => JSON.parse(r.body).type === "contract.created")).toBe(true);
    const again = await json(await recover(apiKey, endpoint.id, { since }), 202);
    expect(again.queued).toBe(0);
    expect((await deliverWebhooks(env, new Date())).attempted).toBe(0);
  });

  it("leaves events before `since` alone", async () => {
    const { apiKey, endpoint, createContract } = await setup("recover-since", {
      fallback: { status: 410 },
    });
    await createContract();
    await deliverWebhooks(env, new Date());
    await new Promise((resolve) => setTimeout(resolve, 20));
    const since = new Date().toISOString();
    await createContract();
    await steer("recover-since", { fallback: { status: 200 } });
    expect((await json(await recover(apiKey, endpoint.id, { since }), 202)).queued).toBe(1);
    expect((await deliverWebhooks(env, new Date())).delivered).toBe(1);
  });

  it("is 404 for another merchant's endpoint and 400 for a bad `since`", async () => {
    const { apiKey, endpoint } = await setup("recover-bad");
    const other = await createMerchant("Other");
    const since = new Date(Date.now() - 60_000).toISOString();
    await expectProblem(await recover(other.apiKey, endpoint.id, { since }), 404, "not_found");
    await expectProblem(
      await recover(apiKey, "whe_000000000000000000000000", { since }),
      404,
      "not_found",
    );
    const day = 86_400_000;
    for (const bad of [
      {},
      { since: "yesterday" },
      { since: "2027-01-01" },
      { since: 1_700_000_000 },
      { since: new Date(Date.now() + 3_600_000).toISOString() },
      { since: new Date(Date.now() - 31 * day).toISOString() },
      { since, until: since },
    ]) {
      const problem = await expectProblem(
        await recover(apiKey, endpoint.id, bad),
        400,
        "validation_failed",
      );
      expect(problem.errors.length).toBeGreaterThan(0);
    }
  });
});
