// Reconciliation within an invocation's D1 query budget (issue 15): every run goes through the
// counting binding that fails an invocation past its budget, books a group of payments in a few
// set-based statements (at most 2 statements per booked payment, reads included), leaves what
// does not fit for the next run (`more`), and the runs together book exactly what one
// unbounded run books.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { syncMerchant } from "../../worker/banking/finapi/sync.ts";
import { reconcileMerchant } from "../../worker/flows/reconciliation.ts";
import { meteredD1, QueryMeter } from "../../worker/jobs/query-budget.ts";
import { database } from "../../worker/store/db.ts";
import { emptyDatabase } from "./helpers.ts";
import { reconciliationWorld } from "./reconciliation-fixture.ts";

async function world(name: string, payments: number, unknown: number) {
  const r = await reconciliationWorld(name);
  const invoices = [];
  for (let i = 0; i < payments; i++) invoices.push(await r.bill(await r.customer(`Kunde ${i}`)));
  r.bank(
    ...invoices.map((invoice) => ({
      amountCents: invoice.grossAmount,
      purpose: invoice.paymentReference,
    })),
    ...Array.from({ length: unknown }, (_, i) => ({ amountCents: 100 + i })),
  );
  await syncMerchant(database(env.DB), r.world.env, r.m.merchantId, r.world.now(), {
    fetch: (request) => r.world.fake.app.fetch(request),
    sleep: async () => undefined,
  });
  return { r, invoices };
}

describe("reconciliation within the query budget", () => {
  it("books a group of payments in few statements and continues what does not fit", async () => {
    await emptyDatabase();
    const { r, invoices } = await world("Budget", 12, 5);
    const runs: { statements: number; matched: number; review: number; more: boolean }[] = [];
    for (let i = 0; i < 5; i++) {
      // Each run on its own meter: one invocation, the binding refuses statement 16.
      const meter = new QueryMeter(15);
      const counts = await reconcileMerchant(
        database(meteredD1(env.DB, meter)),
        env,
        r.m.merchantId,
        r.world.now(),
        { budget: meter },
      );
      runs.push({
        statements: meter.statements,
        matched: counts.matched,
        review: counts.review,
        more: counts.more,
      });
      if (!counts.more) break;
    }
    // The 12 payments and their reads fit the first run; the 5 reviews wait for the second.
    expect(runs.map(({ matched, review, more }) => ({ matched, review, more }))).toEqual([
      { matched: 12, review: 0, more: true },
      { matched: 0, review: 5, more: false },
    ]);
    for (const run of runs) expect(run.statements).toBeLessThanOrEqual(15);
    expect(runs[0]!.statements / 12).toBeLessThanOrEqual(2);
    for (const invoice of invoices) expect((await r.invoice(invoice.id)).status).toBe("paid");
    expect(await r.events("payment.received")).toHaveLength(12);
    expect(await r.events("invoice.paid")).toHaveLength(12);
    expect(await r.events("bank_transaction.needs_review")).toHaveLength(5);
  });

  it("starts nothing when not even its reads fit", async () => {
    await emptyDatabase();
    const { r } = await world("Tight", 1, 0);
    const meter = new QueryMeter(5);
    const counts = await reconcileMerchant(
      database(meteredD1(env.DB, meter)),
      env,
      r.m.merchantId,
      r.world.now(),
      { budget: meter },
    );
    expect(counts).toMatchObject({ processed: 0, more: true });
    expect(meter.statements).toBe(0);
  });
});
