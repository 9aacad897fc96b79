// The scale path over more than one D1 database (DESIGN "Scale path"): with a second database
// bound as DB_SHARD_1, each merchant's rows land in the shard `databaseFor` routes it to, the
// API finds each merchant's key in its shard, and one billing tick bills the merchants of both.
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
