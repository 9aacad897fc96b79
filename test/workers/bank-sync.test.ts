// The bank sync against the fake finAPI inside workerd with real D1: 1 200 transactions over
// 3 pages arrive exactly once, a re-run adds nothing, an expired token mid-sync is refreshed, a
// 500 on page 2 leaves the cursor and the next run completes, malformed records are parked, and
// the cron: bounded ticks, one failing merchant never stops the others, bank_sync.failed.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { toCents } from "../../worker/banking/finapi/amount.ts";
import type { FetchLike } from "../../worker/banking/finapi/client.ts";
import { draftsFromPage } from "../../worker/banking/finapi/import.ts";
import { minImportDate, syncMerchant, type SyncOptions } from "../../worker/banking/finapi/sync.ts";
import type { MerchantSyncReport } from "../../worker/banking/provider.ts";
import { counterpartIbanBinding } from "../../worker/banking/transactions.ts";
import { decryptSecret } from "../../worker/security.ts";
import { runBankSync } from "../../worker/jobs/bank-sync.ts";
import { BANK_SYNC_CRON } from "../../worker/jobs/crons.ts";
import { chunkDrafts, runUpserts, upsertStatement } from "../../worker/store/bank-transactions.ts";
import { database } from "../../worker/store/db.ts";
import { emptyDatabase, json } from "./helpers.ts";
import { runTick } from "./job-ticks.ts";
import {
  finapiTransactionRows,
  finapiWorld,
  noSleep,
  rows,
  type FinapiWorld,
} from "./finapi-fixture.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface StoredTransaction {
  id: string;
  finapi_id: number | null;
  finapi_key: string;
  amount: number | null;
  status: string;
  status_reason: string | null;
  raw_excerpt?: string | null;
  counterpart_iban_ciphertext?: string | null;
}

interface ConnectionRow {
  sync_cursor: string | null;
  sync_status: string;
  sync_error_code: string | null;
  last_sync_at: string | null;
  sync_failures: number;
}

async function sync(
  world: FinapiWorld,
  merchantId: string,
  options: SyncOptions = {},
): Promise<MerchantSyncReport> {
  const report = await syncMerchant(database(env.DB), world.env, merchantId, world.now(), {
    fetch: (request) => world.fake.app.fetch(request),
    sleep: noSleep,
    ...options,
  });
  if (!report) throw new Error("the sync lease was taken");
  return report;
}

const stored = (merchantId: string) => finapiTransactionRows<StoredTransaction>(merchantId);
const connectionRow = async (merchantId: string) =>
  (await rows<ConnectionRow>("finapi_bank_connections", merchantId))[0]!;
const transactionRequests = (world: FinapiWorld) =>
  world.control.requests.filter((r) => r.path === "/api/v2/transactions");
const failedEvents = async (key: string, world: FinapiWorld) =>
  (await json(await world.api("/api/v1/webhook-events?type=bank_sync.failed", { key }), 200))
    .data as { payload: { data: Record<string, unknown> } }[];

/** finAPI's set, as cents, by id: what the stored set must equal. */
function fakeSet(world: FinapiWorld, userId: string): Map<number, number> {
  return new Map(
    world.control
      .transactions({ userId })
      .map((t) => [t.id as number, toCents(t.amount as number)]),
  );
}

function expectExactlyOnce(rowsStored: StoredTransaction[], expected: Map<number, number>) {
  const ids = rowsStored.map((row) => row.finapi_id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(new Map(rowsStored.map((row) => [row.finapi_id, row.amount]))).toEqual(expected);
}

describe("bank sync", () => {
  it("stores 1 200 transactions from 3 pages exactly once, and a re-run adds nothing", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    world.control.addGeneratedTransactions(m.accountId, 1200);

    const first = await sync(world, m.merchantId);
    expect(first).toMatchObject({ failed: 0, imported: 1200, duplicates: 0, parked: 0, pages: 3 });
    expect(
      transactionRequests(world).map((r) => new URLSearchParams(r.search).get("page")),
    ).toEqual(["1", "2", "3"]);
    expectExactlyOnce(await stored(m.merchantId), fakeSet(world, m.userId));
    const afterFirst = await connectionRow(m.merchantId);
    expect(afterFirst).toMatchObject({
      sync_status: "succeeded",
      sync_cursor: world.now().toISOString(),
    });

    world.advance(HOUR);
    const second = await sync(world, m.merchantId);
    expect(second).toMatchObject({ failed: 0, imported: 0, duplicates: 1200 });
    // The second run asks for imports since the first run minus two days (Berlin calendar days).
    expect(
      new URLSearchParams(transactionRequests(world).at(-1)!.search).get("minImportDate"),
    ).toBe("2027-02-27");
    expectExactlyOnce(await stored(m.merchantId), fakeSet(world, m.userId));
  });

  it("gets a new token when it expires between pages, and finishes", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    world.control.addGeneratedTransactions(m.accountId, 1200);
    let pagesServed = 0;
    // The real thing: the token stops working at finAPI after page 1 has been answered.
    const expiring: FetchLike = async (request) => {
      const response = await world.fake.app.fetch(request);
      if (new URL(request.url).pathname === "/api/v2/transactions" && ++pagesServed === 1)
        world.control.expireTokens("all");
      return response;
    };
    const tokensBefore = world.control.requests.filter(
      (r) => r.path === "/api/v2/oauth/token",
    ).length;

    const report = await sync(world, m.merchantId, { fetch: expiring });

    expect(report).toMatchObject({ failed: 0, imported: 1200, pages: 3 });
    const statuses = transactionRequests(world).map((r) => r.status);
    expect(statuses).toEqual([200, 401, 200, 200]);
    expect(
      world.control.requests.filter((r) => r.path === "/api/v2/oauth/token").length,
    ).toBeGreaterThan(tokensBefore);
    expectExactlyOnce(await stored(m.merchantId), fakeSet(world, m.userId));
    expect((await connectionRow(m.merchantId)).sync_status).toBe("succeeded");
  });

  it("keeps the cursor when page 2 fails with 500, and the next run completes with nothing lost or doubled", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    world.control.addGeneratedTransactions(m.accountId, 10);
    await sync(world, m.merchantId);
    const cursor = (await connectionRow(m.merchantId)).sync_cursor;

    world.advance(DAY);
    world.control.addGeneratedTransactions(m.accountId, 1200);
    // The first attempt and all three retries of page 2 fail.
    world.control.injectFault({
      path: "/api/v2/transactions",
      query: { page: "2" },
      status: 500,
      times: 4,
    });
    const failed = await sync(world, m.merchantId);
    expect(failed).toMatchObject({ failed: 1, imported: 490, duplicates: 10 });
    expect(failed.connections[0]!.error).toMatchObject({ code: "UNEXPECTED_ERROR" });
    expect(await connectionRow(m.merchantId)).toMatchObject({
      sync_cursor: cursor,
      sync_status: "failed",
      sync_error_code: "UNEXPECTED_ERROR",
      sync_failures: 1,
    });

    // Visible to the merchant: the connection's sync state and one bank_sync.failed event.
    const listed = await json(
      await world.api("/api/v1/finapi/bank-connections", { key: m.apiKey }),
      200,
    );
    expect(listed.data[0].sync).toMatchObject({
      status: "failed",
      consecutiveFailures: 1,
      error: { code: "UNEXPECTED_ERROR" },
    });
    const events = await failedEvents(m.apiKey, world);
    expect(events).toHaveLength(1);
    expect(events[0]!.payload.data).toMatchObject({
      bankConnectionId: m.connectionId,
      code: "UNEXPECTED_ERROR",
      consecutiveFailures: 1,
    });

    world.advance(15 * 60_000);
    const next = await sync(world, m.merchantId);
    expect(next).toMatchObject({ failed: 0, imported: 710, duplicates: 500 });
    expectExactlyOnce(await stored(m.merchantId), fakeSet(world, m.userId));
    expect(await stored(m.merchantId)).toHaveLength(1210);
    expect(await connectionRow(m.merchantId)).toMatchObject({
      sync_cursor: world.now().toISOString(),
      sync_status: "succeeded",
      sync_failures: 0,
    });
    expect(await failedEvents(m.apiKey, world)).toHaveLength(1);
  });

  it("reports a lasting outage once, not on every run", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    world.control.injectFault({ path: "/api/v2/transactions", status: 503, times: 100 });
    for (let run = 0; run < 3; run++) {
      world.advance(15 * 60_000);
      expect((await sync(world, m.merchantId)).failed).toBe(1);
    }
    expect(await connectionRow(m.merchantId)).toMatchObject({
      sync_status: "failed",
      sync_failures: 3,
    });
    expect(await failedEvents(m.apiKey, world)).toHaveLength(1);
  });

  it("fails visibly, not silently, when the stored secrets cannot be decrypted", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    const rotated = {
      ...world.env,
      ENCRYPTION_KEY: "b3RoZXItZW5jcnlwdGlvbi1rZXktb2YtMzItYnl0ZXM=",
    };
    const report = await syncMerchant(database(env.DB), rotated, m.merchantId, world.now(), {
      fetch: (request) => world.fake.app.fetch(request),
      sleep: noSleep,
    });
    expect(report).toMatchObject({
      failed: 1,
      connections: [{ status: "failed", error: { code: "internal_error" } }],
    });
    expect(await connectionRow(m.merchantId)).toMatchObject({
      sync_status: "failed",
      sync_failures: 1,
    });
    expect(await failedEvents(m.apiKey, world)).toHaveLength(1);
    // The lease is released: the next run (with the right key) goes ahead.
    expect((await sync(world, m.merchantId)).failed).toBe(0);
  });

  it("parks malformed records with the reason, sends potential duplicates to review, skips adjusting entries, and stores the rest", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    const good = {
      amountCents: 12_345,
      purpose: "SVWZ+RE-2027-000001",
      counterpartName: "Erika Mustermann",
    };
    world.control.addTransactions(m.accountId, [
      good,
      { ...good, amountCents: 500, raw: { amount: 1.005 } },
      { ...good, amountCents: 600, raw: { bankBookingDate: "2027-02-30" } },
      { ...good, amountCents: 700, raw: { id: "not-a-number" } },
      { ...good, amountCents: 800, isPotentialDuplicate: true },
      { ...good, amountCents: -900, isAdjustingEntry: true, purpose: "Zwischensaldo" },
      { ...good, amountCents: 1000 },
    ]);

    const report = await sync(world, m.merchantId);
    expect(report).toMatchObject({
      failed: 0,
      imported: 3,
      review: 1,
      parked: 3,
      skipped: 1,
      duplicates: 0,
    });
    const byKey = new Map((await stored(m.merchantId)).map((row) => [row.finapi_key, row]));
    expect(byKey.get("1")).toMatchObject({ status: "unmatched", amount: 12_345 });
    expect(byKey.get("2")).toMatchObject({ status: "parked", amount: null });
    expect(byKey.get("2")!.status_reason).toMatch(/amount/);
    expect(byKey.get("3")!.status_reason).toMatch(/bankBookingDate/);
    const withoutId = [...byKey.values()].find((row) => row.finapi_key.startsWith("raw:"));
    expect(withoutId).toMatchObject({ status: "parked", finapi_id: null });
    expect(withoutId!.status_reason).toMatch(/id/);
    expect(byKey.get("5")).toMatchObject({ status: "review", amount: 800 });
    expect(byKey.has("6")).toBe(false);
    expect(byKey.get("7")).toMatchObject({ status: "unmatched", amount: 1000 });

    const parked = await json(
      await world.api("/api/v1/bank-transactions?status=parked", { key: m.apiKey }),
      200,
    );
    expect(parked.data).toHaveLength(3);
    expect(parked.data[0].rawExcerpt).toContain("1.005");

    const again = await sync(world, m.merchantId);
    expect(again).toMatchObject({ imported: 0, parked: 0, duplicates: 6, skipped: 1 });
    expect(await stored(m.merchantId)).toHaveLength(6);
  });

  it("heals a parked record when finAPI serves it correctly later, and leaves booked rows alone", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    const db = database(env.DB);
    const scope = {
      merchantId: m.merchantId,
      provider: "finapi" as const,
      connectionId: m.connectionId,
      providerScope: m.userId,
      now: world.now().toISOString(),
    };
    const context = {
      accountIds: new Set([m.accountId]),
      accountCurrency: new Map<number, string>(),
      now: world.clock.now,
      encryptionKey: env.ENCRYPTION_KEY,
    };
    const [transaction] = world.control.addTransactions(m.accountId, [
      { amountCents: 4200, purpose: "Miete", counterpartIban: "DE89370400440532013000" },
    ]);
    const page = (raw: unknown) => ({
      transactions: [],
      rejected: [{ id: transaction!.id as number, reason: "amount: broken", raw }],
    });
    const store = async (drafts: Awaited<ReturnType<typeof draftsFromPage>>["drafts"]) =>
      runUpserts(
        db,
        chunkDrafts(drafts).map((chunk) => upsertStatement(db, scope, chunk.json)),
      );

    await store((await draftsFromPage(page(transaction), context)).drafts);
    const [parkedRow] = await stored(m.merchantId);
    expect(parkedRow).toMatchObject({ status: "parked" });
    // The excerpt is for a person to look at: the payer's IBAN in it is masked (issue 12).
    expect(parkedRow!.raw_excerpt).toContain("DE89 **** **** **** **30 00");
    expect(parkedRow!.raw_excerpt).not.toContain("0532013000");

    const report = await sync(world, m.merchantId);
    expect(report).toMatchObject({ healed: 1, imported: 0 });
    expect(await stored(m.merchantId)).toEqual([
      expect.objectContaining({
        id: parkedRow!.id,
        status: "unmatched",
        amount: 4200,
        status_reason: null,
        counterpart_iban_masked: "DE89 **** **** **** **30 00",
      }),
    ]);
    // Sealed to the finAPI key, so the healed row (which keeps its first id) still opens it.
    const [healed] = await stored(m.merchantId);
    expect(
      await decryptSecret(
        healed!.counterpart_iban_ciphertext as string,
        env.ENCRYPTION_KEY,
        counterpartIbanBinding(healed!.finapi_key as string),
      ),
    ).toBe("DE89370400440532013000");

    await env.DB.prepare("UPDATE bank_transactions SET status = 'matched' WHERE id = ?")
      .bind(parkedRow!.id)
      .run();
    await store((await draftsFromPage(page(transaction), context)).drafts);
    expect((await stored(m.merchantId))[0]).toMatchObject({ status: "matched", amount: 4200 });
  });

  it("keeps every insert within D1's bound-parameter limit however many rows", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    const drafts = (
      await draftsFromPage(
        {
          transactions: [],
          rejected: Array.from({ length: 600 }, (_, i) => ({
            id: 10_000 + i,
            reason: "x",
            raw: { i },
          })),
        },
        {
          accountIds: new Set(),
          accountCurrency: new Map(),
          now: world.clock.now,
          encryptionKey: env.ENCRYPTION_KEY,
        },
      )
    ).drafts;
    const chunks = chunkDrafts(drafts);
    expect(chunks.map((chunk) => chunk.rows.length)).toEqual([250, 250, 100]);
    const db = database(env.DB);
    const scope = {
      merchantId: m.merchantId,
      provider: "finapi" as const,
      connectionId: m.connectionId,
      providerScope: m.userId,
      now: world.now().toISOString(),
    };
    expect(
      await runUpserts(
        db,
        chunks.map((chunk) => upsertStatement(db, scope, chunk.json)),
      ),
    ).toHaveLength(600);
  });

  it("computes minImportDate as the cursor's Berlin day minus the overlap", () => {
    expect(minImportDate(null, 2)).toBeUndefined();
    expect(minImportDate("2027-03-01T09:00:00.000Z", 2)).toBe("2027-02-27");
    // 23:30 UTC is already the next day in Berlin.
    expect(minImportDate("2027-06-30T23:30:00.000Z", 2)).toBe("2027-06-29");
  });
});

describe("bank sync cron", () => {
  it("runs on its cron; a failing merchant never stops the others, and its error is visible", async () => {
    await emptyDatabase();
    const world = finapiWorld();
    const broken = await world.connectedMerchant("Broken GmbH");
    const healthy = await world.connectedMerchant("Healthy GmbH");
    world.control.addGeneratedTransactions(broken.accountId, 3);
    world.control.addGeneratedTransactions(healthy.accountId, 4);
    // The merchant rotates to a secret finAPI does not know.
    await world.configure(broken.apiKey, { clientSecret: "not-the-secret" });

    await runTick(BANK_SYNC_CRON, world.clock.now, world.env);

    expect(await stored(healthy.merchantId)).toHaveLength(4);
    expect(await stored(broken.merchantId)).toHaveLength(0);
    const connection = (
      await json(await world.api("/api/v1/finapi/bank-connections", { key: broken.apiKey }), 200)
    ).data[0];
    expect(connection.sync).toMatchObject({ status: "failed", error: { code: "invalid_client" } });
    expect(await failedEvents(broken.apiKey, world)).toHaveLength(1);
    expect(await failedEvents(healthy.apiKey, world)).toHaveLength(0);
  });

  it("does bounded work per tick and serves the longest-waiting merchant next", async () => {
    await emptyDatabase();
    const world = finapiWorld();
    const first = await world.connectedMerchant("A");
    const second = await world.connectedMerchant("B");
    world.control.addGeneratedTransactions(first.accountId, 2);
    world.control.addGeneratedTransactions(second.accountId, 2);
    const tick = () => runBankSync(world.env, world.now(), { maxMerchants: 1, sleep: noSleep });

    expect(await tick()).toMatchObject({ merchants: 1, imported: 2 });
    world.advance(15 * 60_000);
    expect(await tick()).toMatchObject({ merchants: 1, imported: 2 });
    expect(await stored(first.merchantId)).toHaveLength(2);
    expect(await stored(second.merchantId)).toHaveLength(2);
    world.advance(15 * 60_000);
    expect(await tick()).toMatchObject({ merchants: 1, imported: 0, duplicates: 2 });
  });

  it("skips a merchant whose sync is still running", async () => {
    await emptyDatabase();
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    const lease = new Date(world.clock.now + 60_000).toISOString();
    await env.DB.prepare("UPDATE finapi_settings SET sync_lease_until = ? WHERE merchant_id = ?")
      .bind(lease, m.merchantId)
      .run();
    expect(await runBankSync(world.env, world.now(), { sleep: noSleep })).toMatchObject({
      merchants: 1,
      busy: 1,
      connections: 0,
    });
    // A lease left by a crashed run expires.
    world.advance(2 * 60_000);
    expect(await runBankSync(world.env, world.now(), { sleep: noSleep })).toMatchObject({
      merchants: 1,
      busy: 0,
      connections: 1,
    });
  });
});
