// The dunning run day by day: reminder, 1st and 2nd notice on the configured days past due with
// their fees and § 288 BGB interest to the cent, each once (re-runs write nothing), with the
// webhooks and the customer's letter in the same batch and the history on the invoice; a
// payment stops it at once. A business customer owes 9 points over the base rate and the 40 EUR
// flat fee (§ 288 (2), (5) BGB).
import { describe, expect, it } from "vitest";
import { addDays } from "../../worker/domain/calendar.ts";
import { runDunning } from "../../worker/jobs/dunning-run.ts";
import { json } from "./helpers.ts";
import { reconciliationWorld, type ReconciliationWorld } from "./reconciliation-fixture.ts";

const DAY = 86_400_000;

/** Runs the dunning job at noon of every day from `from` to `to`, as the hourly cron would. */
async function dunDaily(r: ReconciliationWorld, from: string, to: string) {
  const reports = [];
  for (let day = from; day <= to; day = addDays(day, 1))
    reports.push(await runDunning(r.world.env.DB, new Date(`${day}T12:00:00Z`)));
  return reports;
}

describe("dunning run", () => {
  it("reaches each level once on its day, with fees and interest to the cent", async () => {
    const r = await reconciliationWorld();
    await json(
      await r.api("/api/v1/settings/dunning", {
        method: "PATCH",
        body: {
          defaultInterest: true,
          levelFees: [0, 250, 500],
          baseRates: [{ validFrom: "2025-07-01", rateBp: 127 }],
        },
      }),
      200,
    );
    const customer = await r.customer("Erika Muster");
    const invoice = await r.bill(customer, "pro"); // 71.40 gross, due 15 March
    expect(invoice.dueDate).toBe("2027-03-15");

    const reports = await dunDaily(r, "2027-03-10", "2027-05-31");
    expect(reports.reduce((sum, report) => sum + report.levelsReached, 0)).toBe(3);
    const dunned = await r.invoice(invoice.id);
    expect(dunned.dunningLevel).toBe("second_notice");
    // 7 140 × 6.27 % × days / 365: 7 days 8.59 → 9, 21 days 25.76 → 26, 35 days 42.93 → 43
    expect(dunned.dunningHistory).toEqual([
      {
        level: "reminder",
        reachedOn: "2027-03-22",
        fee: 0,
        openAmount: 7140,
        interest: 9,
        flatFee: 0,
        total: 7149,
      },
      {
        level: "first_notice",
        reachedOn: "2027-04-05",
        fee: 250,
        openAmount: 7140,
        interest: 26,
        flatFee: 0,
        total: 7416,
      },
      {
        level: "second_notice",
        reachedOn: "2027-04-19",
        fee: 500,
        openAmount: 7140,
        interest: 43,
        flatFee: 0,
        total: 7933,
      },
    ]);
    expect(await r.events("invoice.overdue")).toEqual([
      expect.objectContaining({ invoiceId: invoice.id, reachedOn: "2027-03-22" }),
    ]);
    const levels = await r.events("dunning.level_reached");
    expect(levels.map((e) => e.level).sort()).toEqual([
      "first_notice",
      "reminder",
      "second_notice",
    ]);

    const mails = await r.world.env.DB.prepare(
      "SELECT json_extract(data, '$.level') AS level, json_extract(data, '$.total') AS total FROM email_outbox WHERE kind = 'dunning_level_reached' ORDER BY created_at",
    ).all();
    expect(mails.results).toEqual([
      { level: "reminder", total: 7149 },
      { level: "first_notice", total: 7416 },
      { level: "second_notice", total: 7933 },
    ]);
    // Running again, even the same day, changes nothing.
    await dunDaily(r, "2027-04-19", "2027-04-20");
    expect((await r.invoice(invoice.id)).dunningHistory).toHaveLength(3);
  });

  it("stops at once when the invoice is paid", async () => {
    const r = await reconciliationWorld();
    const customer = await r.customer("Max Muster");
    const invoice = await r.bill(customer, "basic"); // 35.70, due 15 March
    await dunDaily(r, "2027-03-15", "2027-03-25");
    expect((await r.invoice(invoice.id)).dunningLevel).toBe("reminder");
    r.world.advance(24 * DAY); // 25 March
    r.bank({ amountCents: invoice.grossAmount, purpose: `Rechnung ${invoice.number}` });
    expect(await r.reconcile()).toMatchObject({ matched: 1 });
    expect((await r.invoice(invoice.id)).status).toBe("paid");
    const reports = await dunDaily(r, "2027-03-26", "2027-05-31");
    expect(reports.every((report) => report.candidates === 0)).toBe(true);
    expect((await r.invoice(invoice.id)).dunningHistory).toHaveLength(1);
  });

  it("claims 9 points and the 40 EUR flat fee from a business customer", async () => {
    const r = await reconciliationWorld();
    await json(
      await r.api("/api/v1/settings/dunning", {
        method: "PATCH",
        body: {
          defaultInterest: true,
          b2bFlatFee: true,
          baseRates: [{ validFrom: "2025-07-01", rateBp: 127 }],
        },
      }),
      200,
    );
    const business = await r.customer("Muster Bau GmbH");
    await json(
      await r.api(`/api/v1/customers/${business}`, {
        method: "PATCH",
        body: { kind: "business" },
      }),
      200,
    );
    const consumer = await r.customer("Erika Muster");
    const owed = await r.bill(business, "pro"); // 71.40 gross, due 15 March
    const other = await r.bill(consumer, "pro");
    await dunDaily(r, "2027-03-20", "2027-03-22");
    // 7 140 × (1.27 % + 9 points) × 7 / 365 = 14.06 → 14; a consumer: 6.27 % → 8.59 → 9.
    expect((await r.invoice(owed.id)).dunningHistory).toEqual([
      {
        level: "reminder",
        reachedOn: "2027-03-22",
        fee: 0,
        openAmount: 7140,
        interest: 14,
        flatFee: 4000,
        total: 11154,
      },
    ]);
    expect((await r.invoice(other.id)).dunningHistory).toEqual([
      expect.objectContaining({ interest: 9, flatFee: 0, total: 7149 }),
    ]);
  });
});
