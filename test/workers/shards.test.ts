// The scale path over more than one D1 database (DESIGN "Scale path"): with a second database
// bound as DB_SHARD_1, each merchant's rows land in the shard `databaseFor` routes it to, the
// API finds each merchant's key in its shard, and one billing tick bills the merchants of both.
// What names no merchant looks in every shard: sign-in by e-mail, a portal preflight's origin,
// and whether an e-mail address is taken.
import {
  applyD1Migrations,
  createExecutionContext,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Bindings } from "../../worker/env.ts";
import worker from "../../worker/index.ts";
import { BILLING_CRON } from "../../worker/jobs/crons.ts";
import { databaseFor, shardNameFor, shardsOf } from "../../worker/store/shards.ts";
import {
  call,
  createCatalogue,
  createCustomer,
  createMerchant,
  emptyDatabase,
  json,
  sendCallsTo,
} from "./helpers.ts";
import { runTick } from "./job-ticks.ts";

const sharded: Bindings = { ...env, DB_SHARD_1: env.SHARD_TEST_DB };

beforeAll(async () => {
  await applyD1Migrations(env.SHARD_TEST_DB, env.TEST_MIGRATIONS);
  sendCallsTo({
    async fetch(input, init) {
      const ctx = createExecutionContext();
      const response = await worker.fetch(new Request(input, init), sharded, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    },
  });
});

beforeEach(async () => {
  await emptyDatabase();
  const { results } = await env.SHARD_TEST_DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'",
  ).all<{ name: string }>();
  await env.SHARD_TEST_DB.batch([
    env.SHARD_TEST_DB.prepare("PRAGMA defer_foreign_keys = on"),
    ...results.map(({ name }) => env.SHARD_TEST_DB.prepare(`DELETE FROM "${name}"`)),
  ]);
});

const count = async (d1: D1Database, table: string, merchantId: string) =>
  (await d1
    .prepare(
      `SELECT count(*) AS n FROM ${table} WHERE ${table === "merchants" ? "id" : "merchant_id"} = ?`,
    )
    .bind(merchantId)
    .first<number>("n"))!;

/** New merchants until one lives in each shard (the id's hash decides; half go to each). */
async function oneMerchantPerShard() {
  const byShard = new Map<string, { id: string; apiKey: string }>();
  for (let i = 0; i < 40 && byShard.size < 2; i++) {
    const merchant = await createMerchant(`Stadtwerke ${i}`);
    const shard = shardNameFor(sharded, merchant.id);
    if (!byShard.has(shard)) byShard.set(shard, merchant);
  }
  return { main: byShard.get("DB")!, second: byShard.get("DB_SHARD_1")! };
}

async function contractOf(apiKey: string) {
  const catalogue = await createCatalogue(apiKey);
  const customerId = await createCustomer(apiKey);
  return json(
    await call("/api/v1/contracts", {
      key: apiKey,
      now: "2027-01-01T08:00:00Z",
      body: { customerId, templateId: catalogue.pro.templateId, startDate: "2027-01-01" },
    }),
    201,
  );
}

describe("merchants over two D1 databases", () => {
  it("routes by one rule: pinned merchants where pinned, the others by their id's hash", () => {
    expect(shardsOf(env)).toEqual([env.DB]);
    expect(shardNameFor(env, "mer_anything")).toBe("DB");
    expect(shardsOf(sharded)).toHaveLength(2);
    const pinned = { ...sharded, D1_SHARDS: JSON.stringify({ mer_pinned: "DB_SHARD_1" }) };
    expect(databaseFor(pinned, "mer_pinned")).toBe(env.SHARD_TEST_DB);
    expect(() => databaseFor({ ...sharded, D1_SHARDS: '{"mer_x":"DB_SHARD_7"}' }, "mer_x")).toThrow(
      /not a bound D1 database/,
    );
    expect(() => databaseFor({ ...sharded, D1_SHARDS: '["DB"]' }, "mer_x")).toThrow(RangeError);
  });

  it("keeps each merchant's rows in its own database and bills both in one tick", async () => {
    const { main, second } = await oneMerchantPerShard();
    expect(main).toBeDefined();
    expect(second).toBeDefined();
    const a = await contractOf(main.apiKey);
    const b = await contractOf(second.apiKey);
    // Each merchant, its contract and its first invoice exist in its shard only.
    for (const table of ["merchants", "contracts", "invoices"]) {
      expect(await count(env.DB, table, main.id)).toBe(1);
      expect(await count(env.SHARD_TEST_DB, table, main.id)).toBe(0);
      expect(await count(env.SHARD_TEST_DB, table, second.id)).toBe(1);
      expect(await count(env.DB, table, second.id)).toBe(0);
    }
    // The API answers each merchant from its shard, and never the other's contract.
    await json(await call(`/api/v1/contracts/${b.id}`, { key: second.apiKey }), 200);
    expect((await call(`/api/v1/contracts/${a.id}`, { key: second.apiKey })).status).toBe(404);

    const tick = await runTick(BILLING_CRON, new Date("2027-02-01T03:00:00Z"), sharded);
    expect(tick.enqueued.filter((message) => message.job === "billing")).toHaveLength(2);
    expect(await count(env.DB, "invoices", main.id)).toBe(2);
    expect(await count(env.SHARD_TEST_DB, "invoices", second.id)).toBe(2);
    const invoices = await json(
      await call(`/api/v1/invoices?contractId=${b.id}`, { key: second.apiKey }),
      200,
    );
    expect(invoices.data.map((i: { periodStart: string }) => i.periodStart)).toEqual([
      "2027-01-01",
      "2027-02-01",
    ]);
  });
});

const PASSWORD = "correct horse battery staple";

/** Merchants with an owner until one lives in the second shard; returns that owner's address. */
async function ownerInSecondShard() {
  for (let i = 0; i < 40; i++) {
    const email = `inhaber${i}@stadtwerke-${i}.example`;
    const merchant = await json<{ id: string; apiKey: string }>(
      await call("/admin/v1/merchants", {
        key: "test-admin-token",
        body: { name: `Stadtwerke ${i}`, owner: { email, password: PASSWORD } },
      }),
      201,
    );
    if (shardNameFor(sharded, merchant.id) === "DB_SHARD_1") return { ...merchant, email };
  }
  throw new Error("no merchant hashed to the second shard in 40 tries");
}

describe("what names no merchant, over two D1 databases", () => {
  it("signs a user of the second shard in, with the session stored in that shard", async () => {
    const second = await ownerInSecondShard();
    const wrong = await call("/api/v1/auth/login", {
      body: { email: second.email, password: "not the password at all" },
    });
    await json(wrong, 401);
    // The throttle counts in the first shard, also for addresses it does not hold.
    const failures = await env.DB.prepare("SELECT count(*) AS n FROM login_failures").first("n");
    expect(failures).toBeGreaterThan(0);

    const login = await call("/api/v1/auth/login", {
      body: { email: second.email.toUpperCase(), password: PASSWORD },
    });
    const session = await json(login, 200);
    expect(session.merchant.id).toBe(second.id);
    expect(await count(env.SHARD_TEST_DB, "user_sessions", second.id)).toBe(1);
    expect(await count(env.DB, "user_sessions", second.id)).toBe(0);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
    const me = await json(await call("/api/v1/auth/session", { headers: { cookie } }), 200);
    expect(me.user.email).toBe(second.email);
  });

  it("refuses an e-mail address that a user of another shard has", async () => {
    const second = await ownerInSecondShard();
    const { main } = await oneMerchantPerShard();
    const taken = await call("/api/v1/users", {
      key: main.apiKey,
      body: { email: second.email, password: PASSWORD, role: "viewer" },
    });
    expect((await json(taken, 409)).code).toBe("email_taken");
    const merchant = await call("/admin/v1/merchants", {
      key: "test-admin-token",
      body: { name: "Stadtwerke Doppelt", owner: { email: second.email, password: PASSWORD } },
    });
    expect((await json(merchant, 409)).code).toBe("email_taken");
  });

  it("answers a portal preflight for an origin that only a merchant of the second shard allows", async () => {
    const { second } = await oneMerchantPerShard();
    const shop = "https://shop.stadtwerke-zwei.example";
    await json(
      await call("/api/v1/settings/customer-center", {
        key: second.apiKey,
        method: "PATCH",
        body: { allowedOrigins: [shop] },
      }),
      200,
    );
    const preflight = (origin: string) =>
      call("/portal/v1/contracts", {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST" },
      });
    const allowed = await preflight(shop);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(shop);
    expect((await preflight("https://evil.example")).status).toBe(403);
  });
});
