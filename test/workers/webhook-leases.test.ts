// The webhook delivery page lease (issue 15): one `UPDATE … RETURNING` takes a page, a second
// consumer on the same page gets nothing, a lease that ran out is taken again, only the lease's
// holder writes the outcome back, and a recovery while an attempt is in flight neither lets a
// second job send it nor is overwritten by the older schedule when that attempt fails.
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { database } from "../../worker/store/db.ts";
import {
  attemptStatements,
  leasePage,
  type AttemptResult,
  type DueDelivery,
} from "../../worker/store/webhook-deliveries.ts";
import { recoverEndpoint } from "../../worker/store/webhook-events.ts";
import { emptyDatabase } from "./helpers.ts";

const MERCHANT = "mer_lease00000000000000000001";
const ENDPOINT = "whe_lease0000000000000000001";
const T0 = "2027-03-01T09:00:00.000Z";
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();

async function seed(events: number, attempts = 0) {
  const statements = [
    env.DB.prepare(
      "INSERT INTO merchants (id, name, allowed_actions, allowed_origins) VALUES (?, 'Lease', '[]', '[]')",
    ).bind(MERCHANT),
    env.DB.prepare(
      "INSERT INTO webhook_endpoints (id, merchant_id, url, event_types, secret_ciphertext) VALUES (?, ?, 'https://example.com/hook', '[]', 'sealed')",
    ).bind(ENDPOINT, MERCHANT),
  ];
  for (let i = 0; i < events; i++) {
    const id = `evt_lease${String(i).padStart(4, "0")}`;
    statements.push(
      env.DB.prepare(
        "INSERT INTO webhook_events (id, merchant_id, type, payload, created_at) VALUES (?, ?, 'contract.created', '{}', ?)",
      ).bind(id, MERCHANT, T0),
      env.DB.prepare(
        "INSERT INTO webhook_deliveries (event_id, endpoint_id, merchant_id, status, attempts, next_attempt_at) VALUES (?, ?, ?, 'pending', ?, ?)",
      ).bind(id, ENDPOINT, MERCHANT, attempts, T0),
    );
  }
  await env.DB.batch(statements);
}

const db = () => database(env.DB);
const lease = (now: string, leaseUntil: string, limit = 100) =>
  leasePage(db(), { now, leaseUntil, limit, merchantId: MERCHANT });

async function write(leaseId: string, delivery: DueDelivery, result: AttemptResult, when: string) {
  const attempt = {
    delivery,
    startedAt: when,
    durationMs: 5,
    statusCode: result.kind === "delivered" ? 200 : 500,
    error: null,
    responseExcerpt: null,
  };
  await env.DB.batch(attemptStatements(db(), leaseId, [{ attempt, result }]));
}

async function delivery(eventId: string) {
  return env.DB.prepare(
    "SELECT status, attempts, next_attempt_at AS nextAttemptAt, lease_id AS leaseId FROM webhook_deliveries WHERE event_id = ?",
  )
    .bind(eventId)
    .first<{ status: string; attempts: number; nextAttemptAt: string; leaseId: string | null }>();
}

beforeEach(emptyDatabase);

describe("the webhook page lease", () => {
  it("gives a page to one consumer only, and takes a lease that ran out again", async () => {
    await seed(30);
    const [a, b] = await Promise.all([lease(at(1), at(61), 20), lease(at(1), at(61), 20)]);
    const ids = [...a!.deliveries, ...b!.deliveries].map((d) => d.eventId);
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
    // The whole page is leased: a third consumer gets nothing until the lease runs out.
    expect((await lease(at(2), at(62))).deliveries).toEqual([]);
    const again = await lease(at(62), at(122));
    expect(again.deliveries).toHaveLength(30);
    expect(again.deliveries[0]).toMatchObject({ url: "https://example.com/hook", payload: "{}" });
    // The expired holder's late outcome changes nothing; the new holder's does.
    const first = a!.deliveries[0]!;
    await write(a!.leaseId, first, { kind: "delivered" }, at(63));
    expect(await delivery(first.eventId)).toMatchObject({ status: "pending", attempts: 0 });
    await write(again.leaseId, first, { kind: "delivered" }, at(64));
    expect(await delivery(first.eventId)).toMatchObject({
      status: "delivered",
      attempts: 1,
      leaseId: null,
    });
  });

  it("does not let a recovery race an attempt in flight", async () => {
    await seed(2, 3);
    const page = await lease(at(1), at(61));
    const [failing, succeeding] = page.deliveries;
    // The receiver is fixed meanwhile: recover queues both, due now, with a fresh budget.
    await recoverEndpoint(
      db(),
      { id: ENDPOINT, merchantId: MERCHANT, eventTypes: [] },
      new Date(at(-60)),
      new Date(at(2)),
    );
    // Still leased: no second job sends them while the first attempts are in flight.
    expect((await lease(at(3), at(63))).deliveries).toEqual([]);
    // The in-flight failure does not overwrite the recovery's schedule with its older one…
    await write(
      page.leaseId,
      failing!,
      { kind: "retry", nextAttemptAt: at(7200), disableReason: null },
      at(4),
    );
    expect(await delivery(failing!.eventId)).toMatchObject({
      status: "pending",
      attempts: 0,
      nextAttemptAt: at(2),
      leaseId: null,
    });
    // …and a success in flight counts.
    await write(page.leaseId, succeeding!, { kind: "delivered" }, at(5));
    expect(await delivery(succeeding!.eventId)).toMatchObject({ status: "delivered" });
    // The failed one is due again at once for the next job, the delivered one is not.
    expect((await lease(at(6), at(66))).deliveries.map((d) => d.eventId)).toEqual([
      failing!.eventId,
    ]);
  });
});
