// Property: for any interleaving of new transactions at finAPI, passing time and sync runs —
// including runs that fail on some page (500, 401 after the refresh, cut-off body, short page) —
// Tarif never stores a transaction twice nor one finAPI does not have, and after a final
// successful run the stored set equals finAPI's set, each once, with the same amounts.
import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toCents } from "../../worker/banking/finapi/amount.ts";
import { syncMerchant } from "../../worker/banking/finapi/sync.ts";
import { database } from "../../worker/store/db.ts";
import { finapiTransactionRows, finapiWorld, noSleep, type FinapiWorld } from "./finapi-fixture.ts";

type Step =
  | { kind: "add"; account: number; count: number; malformed: boolean }
  | { kind: "advance"; hours: number }
  | { kind: "sync" }
  | { kind: "failingSync"; fault: "500" | "401" | "truncate" | "short"; page: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("add" as const),
      account: fc.integer({ min: 0, max: 1 }),
      count: fc.integer({ min: 0, max: 25 }),
      malformed: fc.boolean(),
    }),
  },
  // Gaps around the two-day overlap matter most: a cursor moved too early shows only after it.
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      hours: fc.constantFrom(0, 1, 12, 47, 49, 72, 100),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("sync" as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("failingSync" as const),
      fault: fc.constantFrom("500" as const, "401" as const, "truncate" as const, "short" as const),
      page: fc.integer({ min: 1, max: 4 }),
    }),
  },
);

const PER_PAGE = 7;

interface Row {
  finapi_id: number | null;
  amount: number | null;
  status: string;
}

async function runSync(world: FinapiWorld, merchantId: string) {
  const report = await syncMerchant(database(env.DB), world.env, merchantId, world.now(), {
    fetch: (r) => world.fake.app.fetch(r),
    sleep: noSleep,
    perPage: PER_PAGE,
  });
  expect(report).not.toBeNull();
  return report!;
}

function injectFault(world: FinapiWorld, fault: Extract<Step, { kind: "failingSync" }>) {
  const where = { path: "/api/v2/transactions", query: { page: String(fault.page) } };
  // Enough uses to outlast the client's retries (3) or its one token refresh.
  if (fault.fault === "500") world.control.injectFault({ ...where, status: 500, times: 4 });
  if (fault.fault === "401") world.control.injectFault({ ...where, status: 401, times: 2 });
  if (fault.fault === "truncate") world.control.injectFault({ ...where, truncate: true, times: 4 });
  if (fault.fault === "short") world.control.injectFault({ ...where, dropItems: 1, times: 4 });
}

async function checkInvariant(
  world: FinapiWorld,
  merchantId: string,
  userId: string,
  complete: boolean,
) {
  const stored = await finapiTransactionRows<Row>(merchantId);
  const finapi = new Map(world.control.transactions({ userId }).map((t) => [t.id as number, t]));
  const ids = stored.map((row) => row.finapi_id);
  expect(new Set(ids).size, "each transaction at most once").toBe(ids.length);
  for (const row of stored) {
    const original = finapi.get(row.finapi_id!);
    expect(original, `stored ${row.finapi_id} exists at finAPI`).toBeDefined();
    if (row.status !== "parked") expect(row.amount).toBe(toCents(original!.amount as number));
  }
  if (complete) expect(new Set(ids)).toEqual(new Set(finapi.keys()));
}

/** One interleaving, checked after every step and after a final successful run. */
async function runScenario(steps: Step[]): Promise<void> {
  const world = finapiWorld();
  const m = await world.connectedMerchant();
  for (const s of steps) {
    if (s.kind === "add") {
      const accountId = m.accountIds[s.account] ?? m.accountId;
      const added = world.control.addGeneratedTransactions(accountId, s.count);
      // Now and then a record finAPI serves broken: parked, but still exactly once.
      if (s.malformed && s.count > 0)
        world.control.addTransactions(accountId, [{ amountCents: 1, raw: { amount: 0.001 } }]);
      expect(added).toHaveLength(s.count);
    } else if (s.kind === "advance") {
      world.advance(s.hours * 3_600_000);
    } else if (s.kind === "sync") {
      expect((await runSync(world, m.merchantId)).failed).toBe(0);
    } else {
      injectFault(world, s);
      await runSync(world, m.merchantId);
      // A fault for a page that did not exist this time must not leak into later runs.
      world.control.clearFaults();
    }
    await checkInvariant(world, m.merchantId, m.userId, false);
  }
  world.advance(15 * 60_000);
  expect((await runSync(world, m.merchantId)).failed).toBe(0);
  await checkInvariant(world, m.merchantId, m.userId, true);
}

describe("bank sync property", () => {
  it("stores exactly finAPI's set, each once, whatever the interleaving of imports, time and (failing) runs", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), runScenario),
      {
        numRuns: 40,
      },
    );
  }, 120_000);

  // Shrunk counterexamples (seeds 179099662 and -188546864): 22 transactions are 4 pages of 7,
  // the last holding one. A short answer for page 4 came back empty with the paging intact, the
  // run took it as the end of the window and moved the cursor; the next windows (cursor − 2
  // days) no longer reached the transaction imported 100 h before, so it was never stored.
  it("a cut-off last page fails the run instead of moving the cursor past its transactions", async () => {
    await runScenario([
      { kind: "add", account: 0, count: 5, malformed: true },
      { kind: "add", account: 0, count: 15, malformed: true },
      { kind: "advance", hours: 100 },
      { kind: "failingSync", fault: "short", page: 4 },
      { kind: "failingSync", fault: "500", page: 1 },
    ]);
  });

  it("a cut-off last page after days of quiet is read again on the next run", async () => {
    await runScenario([
      { kind: "advance", hours: 49 },
      { kind: "advance", hours: 12 },
      { kind: "add", account: 0, count: 22, malformed: false },
      { kind: "advance", hours: 49 },
      { kind: "failingSync", fault: "short", page: 4 },
      { kind: "add", account: 0, count: 0, malformed: false },
    ]);
  });
});
