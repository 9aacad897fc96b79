// finAPI in production against the fake finAPI inside workerd with real D1: unattended updates
// within PSD2's 4 a day, waited for across cron ticks (423 included), 510 → consent_required,
// consent renewal through a web form with nothing lost in the gap, accounts added and closed,
// a 150-page backlog read across ticks with the cursor safe at every stop, and deleting the
// finAPI user and a bank connection at finAPI. The long test runs 200 days on the fake's clock.
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { toCents } from "../../worker/banking/finapi/amount.ts";
import { syncMerchant, type SyncOptions } from "../../worker/banking/finapi/sync.ts";
import type { MerchantSyncReport } from "../../worker/banking/provider.ts";
import { BANK_SYNC_CRON } from "../../worker/jobs/crons.ts";
import { database } from "../../worker/store/db.ts";
import { emptyDatabase, expectProblem, json } from "./helpers.ts";
import { runTick } from "./job-ticks.ts";
import {
  finapiTransactionRows,
  finapiWorld,
  noSleep,
  rows,
  type FinapiWorld,
} from "./finapi-fixture.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const UPDATE_PATH = "/api/v2/bankConnections/update";

interface Stored {
  finapi_id: number;
  amount: number;
  account_id: number;
}

interface ConnectionRow {
  status: string;
  sync_cursor: string | null;
  backlog_page: number | null;
  update_requested_at: string | null;
}

type Merchant = Awaited<ReturnType<FinapiWorld["connectedMerchant"]>>;

async function cronTick(world: FinapiWorld): Promise<void> {
  await runTick(BANK_SYNC_CRON, world.clock.now, world.env);
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

const connectionRow = async (merchantId: string) =>
  (await rows<ConnectionRow>("finapi_bank_connections", merchantId))[0]!;
const connectionResource = async (world: FinapiWorld, m: Merchant) =>
  json(
    await world.api(`/api/v1/finapi/bank-connections/${m.connectionId}`, { key: m.apiKey }),
    200,
  );
/** Updates that reached the bank side (a 401 is only an expired token, refreshed at once). */
const updateRequests = (world: FinapiWorld) =>
  world.control.requests.filter(
    (r) => r.method === "POST" && r.path === UPDATE_PATH && r.status !== 401,
  );

// The cron syncs every merchant in the database, against this test's fake finAPI.
beforeEach(emptyDatabase);
const consentEvents = async (world: FinapiWorld, m: Merchant) =>
  (
    await json(
      await world.api("/api/v1/webhook-events?type=bank_connection.consent_required&limit=100", {
        key: m.apiKey,
      }),
      200,
    )
  ).data as { payload: { data: Record<string, unknown> } }[];

/** Stored exactly finAPI's set of the user: each id once, with finAPI's amount. */
async function expectFinapiSet(world: FinapiWorld, m: Merchant) {
  const stored = await finapiTransactionRows<Stored>(m.merchantId);
  const ids = stored.map((row) => row.finapi_id);
  expect(new Set(ids).size, "each transaction once").toBe(ids.length);
  expect(new Map(stored.map((row) => [row.finapi_id, row.amount]))).toEqual(
    new Map(
      world.control
        .transactions({ userId: m.userId })
        .map((t) => [t.id as number, toCents(t.amount as number)]),
    ),
  );
  return stored;
}

describe("unattended updates", () => {
  it("waits for READY across ticks, sends 4 a day and never the fifth", async () => {
    const world = finapiWorld({ updateDurationMs: 20 * MINUTE });
    const m = await world.connectedMerchant();
    const { finapiConnectionId } = await connectionResource(world, m);
    world.control.queueBankTransactions(m.accountId, [
      { amountCents: 1000, purpose: "one" },
      { amountCents: 2000, purpose: "two" },
    ]);

    await cronTick(world); // sends the update: IN_PROGRESS for 20 minutes
    expect(updateRequests(world)).toHaveLength(1);
    expect(await finapiTransactionRows(m.merchantId)).toHaveLength(0);
    expect((await connectionRow(m.merchantId)).update_requested_at).not.toBeNull();
    world.advance(15 * MINUTE);
    await cronTick(world); // still running: the tick does not block, nothing is read yet
    expect(updateRequests(world)).toHaveLength(1);
    expect(await finapiTransactionRows(m.merchantId)).toHaveLength(0);
    world.advance(15 * MINUTE);
    await cronTick(world); // READY: the bookings finAPI downloaded arrive
    expect((await finapiTransactionRows<Stored>(m.merchantId)).map((r) => r.amount)).toEqual([
      1000, 2000,
    ]);
    expect((await connectionRow(m.merchantId)).update_requested_at).toBeNull();

    // Ticks every 30 minutes until the end of the next Berlin day, and on-demand runs on top.
    for (let tick = 0; tick < 76; tick++) {
      world.advance(30 * MINUTE);
      await cronTick(world);
      if (tick % 12 === 0)
        for (let run = 0; run < 3; run++)
          await world.api("/api/v1/reconciliation/runs", { key: m.apiKey, body: {} });
    }
    const perDay = world.control.unattendedUpdates(finapiConnectionId);
    expect(Object.values(perDay).every((count) => count <= 4)).toBe(true);
    expect(perDay["2027-03-02"]).toBe(4);
    // Every update sent was accepted: the fake's refusal of a fifth never happened.
    expect(updateRequests(world).every((r) => r.status === 200)).toBe(true);
    expect(updateRequests(world)).toHaveLength(
      Object.values(perDay).reduce((sum, count) => sum + count, 0),
    );
    await expectFinapiSet(world, m);
  });

  it("waits out a 423 (an update already running) without retrying or spending the budget", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    const { finapiConnectionId } = await connectionResource(world, m);
    world.control.addTransactions(m.accountId, [{ amountCents: 500, purpose: "locked" }]);
    world.control.failNext(1, 423, { path: UPDATE_PATH });
    const report = await sync(world, m.merchantId);
    expect(report.connections[0]).toMatchObject({ status: "succeeded", imported: 1 });
    expect(updateRequests(world).map((r) => r.status)).toEqual([423]);
    expect(world.control.unattendedUpdates(finapiConnectionId)).toEqual({});
  });

  it("marks the connection consent_required on 510, tells once, and a renewal resumes with nothing lost", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    const { finapiConnectionId } = await connectionResource(world, m);
    await sync(world, m.merchantId);
    world.control.requireSca(finapiConnectionId, 1);
    world.advance(6 * HOUR);
    const report = await sync(world, m.merchantId);
    expect(report.connections[0]).toMatchObject({
      status: "waiting",
      waitingFor: "consent_required",
    });
    expect(await connectionResource(world, m)).toMatchObject({
      status: "consent_required",
      consentExpiresAt: expect.any(String),
    });
    const events = await consentEvents(world, m);
    expect(events.map((e) => e.payload.data)).toEqual([
      expect.objectContaining({
        bankConnectionId: m.connectionId,
        reason: "bank_requires_customer",
        renewPath: `/api/v1/finapi/bank-connections/${m.connectionId}/renew`,
      }),
    ]);

    // Meanwhile the bank books; nobody can download it. Further ticks send nothing.
    world.control.queueBankTransactions(m.accountId, [
      { amountCents: 4200, purpose: "in the gap" },
    ]);
    const sent = updateRequests(world).length;
    for (let i = 0; i < 4; i++) {
      world.advance(6 * HOUR);
      await cronTick(world);
    }
    expect(updateRequests(world)).toHaveLength(sent);
    expect(await consentEvents(world, m)).toHaveLength(1);

    const renewal = await json(
      await world.api(`/api/v1/finapi/bank-connections/${m.connectionId}/renew`, {
        key: m.apiKey,
        body: {},
      }),
      201,
    );
    expect(renewal).toMatchObject({ id: m.connectionId, url: expect.stringContaining("/wf/") });
    expect((await connectionResource(world, m)).renewal).toMatchObject({ url: renewal.url });
    await world.control.completeWebForm(renewal.webFormId);
    const renewed = await connectionResource(world, m);
    expect(renewed).toMatchObject({ status: "active", renewal: null });
    expect(Date.parse(renewed.consentExpiresAt)).toBe(world.clock.now + 90 * DAY);
    await cronTick(world);
    expect((await finapiTransactionRows<Stored>(m.merchantId)).map((r) => r.amount)).toEqual([
      4200,
    ]);
    await expectFinapiSet(world, m);
  });

  it("refuses to renew what has no consent, and another merchant's connection", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    const other = await world.merchant("Other");
    await expectProblem(
      await world.api(`/api/v1/finapi/bank-connections/${m.connectionId}/renew`, {
        key: other.apiKey,
        body: {},
      }),
      404,
      "not_found",
    );
    await json(
      await world.api(`/api/v1/finapi/bank-connections/${m.connectionId}`, {
        key: m.apiKey,
        method: "DELETE",
      }),
      200,
    );
    await expectProblem(
      await world.api(`/api/v1/finapi/bank-connections/${m.connectionId}/renew`, {
        key: m.apiKey,
        body: {},
      }),
      422,
      "bank_connection_not_renewable",
    );
  });
});

describe("accounts", () => {
  it("marks an account finAPI no longer lists closed, keeps its transactions and stops reading it", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    const closing = m.accountIds[1]!;
    world.control.addTransactions(closing, [{ amountCents: 300, purpose: "before closing" }]);
    await sync(world, m.merchantId);
    world.control.closeBankAccount(closing);
    world.advance(6 * HOUR);
    await sync(world, m.merchantId);
    const { accounts } = await connectionResource(world, m);
    expect(accounts).toEqual([
      expect.objectContaining({ id: m.accountId, closedAt: null }),
      expect.objectContaining({ id: closing, closedAt: world.now().toISOString() }),
    ]);
    expect((await finapiTransactionRows<Stored>(m.merchantId)).map((r) => r.account_id)).toEqual([
      closing,
    ]);
    const lastQuery = world.control.requests
      .filter((r) => r.path === "/api/v2/transactions")
      .at(-1)!;
    expect(new URLSearchParams(lastQuery.search).get("accountIds")).toBe(String(m.accountId));
  });
});

describe("backlog", () => {
  it("imports a 150-page backlog across ticks; the cursor moves only when the window is complete", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    await sync(world, m.merchantId, { perPage: 10 });
    const cursor = (await connectionRow(m.merchantId)).sync_cursor;
    expect(cursor).toBe(world.now().toISOString());

    world.advance(DAY);
    world.control.addGeneratedTransactions(m.accountId, 1500, { seed: 3 });
    const options = { perPage: 10, maxPages: 40 };
    const windowStart = world.now().toISOString();
    const pagesPerTick: number[] = [];
    const tick = async () => {
      const report = await sync(world, m.merchantId, options);
      pagesPerTick.push(report.pages);
      world.advance(15 * MINUTE);
      return report;
    };

    expect((await tick()).connections[0]).toMatchObject({ status: "succeeded", backlogPage: 41 });
    expect(await connectionRow(m.merchantId)).toMatchObject({
      sync_cursor: cursor,
      backlog_page: 41,
    });
    // New imports append (order=id,asc): they land on page 151 of the same window.
    world.control.addGeneratedTransactions(m.accountId, 5, { seed: 4 });
    await tick();
    expect(await connectionRow(m.merchantId)).toMatchObject({
      sync_cursor: cursor,
      backlog_page: 81,
    });
    // A failure in the middle keeps the backlog where the last good tick left it.
    world.control.injectFault({
      path: "/api/v2/transactions",
      query: { page: "95" },
      status: 500,
      times: 4,
    });
    expect((await tick()).connections[0]).toMatchObject({ status: "failed" });
    expect(await connectionRow(m.merchantId)).toMatchObject({
      sync_cursor: cursor,
      backlog_page: 81,
    });
    await tick();
    const last = await tick();
    expect(last.connections[0]).toMatchObject({ status: "succeeded", backlogPage: null });
    expect(pagesPerTick).toEqual([40, 40, 14, 40, 31]);
    expect(await connectionRow(m.merchantId)).toMatchObject({
      sync_cursor: windowStart,
      backlog_page: null,
    });
    // Every page of the window asked for the same minImportDate; no page was skipped.
    const queries = world.control.requests
      .filter((r) => r.path === "/api/v2/transactions" && r.status === 200)
      .slice(1)
      .map((r) => new URLSearchParams(r.search));
    expect(new Set(queries.map((q) => q.get("minImportDate")))).toEqual(new Set(["2027-02-27"]));
    expect(new Set(queries.map((q) => Number(q.get("page"))))).toEqual(
      new Set(Array.from({ length: 151 }, (_, i) => i + 1)),
    );
    expect(await expectFinapiSet(world, m)).toHaveLength(1505);
  });
});

describe("deleting at finAPI", () => {
  it("deletes the finAPI user at finAPI, then here; an outage changes nothing", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    world.control.addTransactions(m.accountId, [{ amountCents: 100, purpose: "kept" }]);
    await sync(world, m.merchantId);
    world.control.failNext(1, 501, { path: "/api/v2/users", method: "DELETE" });
    await expectProblem(
      await world.api("/api/v1/finapi/user", { key: m.apiKey, method: "DELETE" }),
      502,
      "upstream_unavailable",
    );
    expect(world.control.user(m.userId)).toBeDefined();
    expect((await connectionResource(world, m)).status).toBe("active");

    expect(
      await json(await world.api("/api/v1/finapi/user", { key: m.apiKey, method: "DELETE" }), 200),
    ).toEqual({ id: m.userId, deleted: true });
    expect(world.control.user(m.userId)).toBeUndefined();
    expect((await connectionResource(world, m)).status).toBe("disconnected");
    expect(await finapiTransactionRows(m.merchantId)).toHaveLength(1);
  });

  it("removes a bank connection at finAPI and here; its transactions stay and it is no longer synced", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    const { finapiConnectionId } = await connectionResource(world, m);
    world.control.addTransactions(m.accountId, [{ amountCents: 100, purpose: "kept" }]);
    await sync(world, m.merchantId);
    const removed = await json(
      await world.api(`/api/v1/finapi/bank-connections/${m.connectionId}`, {
        key: m.apiKey,
        method: "DELETE",
      }),
      200,
    );
    expect(removed).toMatchObject({ id: m.connectionId, status: "removed" });
    expect(world.control.bankConnection(finapiConnectionId)).toBeUndefined();
    expect(await finapiTransactionRows(m.merchantId)).toHaveLength(1);
    const before = world.control.requests.length;
    world.advance(HOUR);
    await cronTick(world);
    expect(world.control.requests.length).toBe(before);
    // Removing it again is harmless.
    await json(
      await world.api(`/api/v1/finapi/bank-connections/${m.connectionId}`, {
        key: m.apiKey,
        method: "DELETE",
      }),
      200,
    );
  });
});

describe("200 days of production", () => {
  it("keeps a connection alive through two consent renewals and an account opened on day 40: every booking exactly once", async () => {
    const world = finapiWorld();
    const m = await world.connectedMerchant();
    const { finapiConnectionId } = await connectionResource(world, m);
    const accounts = [m.accountId];
    let booked = 0;
    let renewals = 0;
    for (let day = 0; day < 200; day++) {
      if (day === 40) accounts.push(world.control.openBankAccount(finapiConnectionId).id);
      for (const accountId of accounts) {
        booked += 1;
        world.control.queueBankTransactions(accountId, [
          { amountCents: 100 + day, purpose: `day ${day} account ${accountId}` },
        ]);
      }
      // One tick a day keeps the run short; the daily budget is the test above.
      await cronTick(world);
      world.advance(DAY);
      // The merchant reacts to the lapse notice three days late: those days are the gap.
      const connection = await connectionRow(m.merchantId);
      if (connection.status === "consent_required" && (day === 92 || day === 185)) {
        const renewal = await json(
          await world.api(`/api/v1/finapi/bank-connections/${m.connectionId}/renew`, {
            key: m.apiKey,
            body: {},
          }),
          201,
        );
        await world.control.completeWebForm(renewal.webFormId);
        renewals += 1;
      }
    }
    await cronTick(world);

    expect(renewals).toBe(2);
    const stored = await expectFinapiSet(world, m);
    expect(stored).toHaveLength(booked);
    expect(stored.filter((row) => row.account_id === accounts[1])).toHaveLength(160);
    expect((await consentEvents(world, m)).map((e) => e.payload.data.reason)).toEqual([
      "expiring",
      "lapsed",
      "expiring",
      "lapsed",
    ]);
    const perDay = Object.values(world.control.unattendedUpdates(finapiConnectionId));
    expect(Math.max(...perDay)).toBeLessThanOrEqual(4);
    expect(updateRequests(world).every((r) => r.status === 200)).toBe(true);
  }, 240_000);
});
