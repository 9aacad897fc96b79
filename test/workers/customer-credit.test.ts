// Customer credit in use and the "handed over" dunning level, through the API: an overpayment's
// credit goes onto the customer's open invoices oldest first, when it is booked and when an
// invoice is issued, shows on the invoice and the customer, can be refunded (never beyond the
// balance, idempotently) and stops dunning for an invoice it covers; an invoice is handed over
// only after its 2nd notice, once, and no automatic level follows.
import { describe, expect, it } from "vitest";
import { addDays } from "../../worker/domain/calendar.ts";
import { runBilling } from "../../worker/jobs/billing-run.ts";
import { runDunning } from "../../worker/jobs/dunning-run.ts";
import { expectProblem, json } from "./helpers.ts";
import { reconciliationWorld, type ReconciliationWorld } from "./reconciliation-fixture.ts";

const DAY = 86_400_000;

async function overpaid(
  r: ReconciliationWorld,
  invoice: { number: string; grossAmount: number },
  extra: number,
) {
  r.bank({ amountCents: invoice.grossAmount + extra, purpose: `Rechnung ${invoice.number}` });
  expect(await r.reconcile()).toMatchObject({ matched: 1 });
}

const credit = async (r: ReconciliationWorld, customerId: string) =>
  json(await r.api(`/api/v1/customers/${customerId}/credit`), 200);

async function dunDaily(r: ReconciliationWorld, from: string, to: string) {
  let reached = 0;
  for (let day = from; day <= to; day = addDays(day, 1))
    reached += (
      await runDunning(r.world.env.DB, new Date(`${day}T12:00:00Z`), { merchantId: r.m.merchantId })
    ).levelsReached;
  return reached;
}

describe("customer credit", () => {
  it("is kept, refunded in part and applied to the next invoice", async () => {
    const r = await reconciliationWorld();
    const erika = await r.customer("Erika Muster");
    const first = await r.bill(erika, "basic"); // 35.70
    await overpaid(r, first, 5_000);
    expect(await credit(r, erika)).toMatchObject({
      customerId: erika,
      currency: "EUR",
      balance: 5_000,
      entries: [expect.objectContaining({ type: "booked", amount: 5_000, reason: "overpayment" })],
    });

    const refund = (body: unknown, key = crypto.randomUUID()) =>
      r.api(`/api/v1/customers/${erika}/credit/refunds`, {
        body,
        headers: { "idempotency-key": key },
      });
    const body = { amount: 2_000, iban: "DE89 3704 0044 0532 0130 00", reference: "Erstattung 1" };
    const refunded = await json(await refund(body, "refund-1"), 201);
    expect(refunded).toMatchObject({
      customerId: erika,
      amount: 2_000,
      balance: 3_000,
      iban: "DE89**************3000",
      reference: "Erstattung 1",
    });
    // The same key answers the same refund again and books nothing more.
    expect(await json(await refund(body, "refund-1"), 201)).toEqual(refunded);
    await expectProblem(await refund({ amount: 3_001 }), 422, "credit_exceeds_balance");
    const zero = await expectProblem(await refund({ amount: 0 }), 400, "validation_failed");
    expect(JSON.stringify(zero)).toContain("amount");
    await expectProblem(await refund({ amount: 100, iban: "DE00 1234" }), 400, "validation_failed");
    expect(await r.events("customer_credit.refunded")).toEqual([
      expect.objectContaining({ refundId: refunded.id, amount: 2_000, balance: 3_000 }),
    ]);

    r.world.advance(DAY);
    const second = await r.bill(erika, "pro"); // 71.40
    expect(second).toMatchObject({
      status: "partially_paid",
      amountPaid: 3_000,
      openAmount: 4_140,
      creditApplied: 3_000,
    });
    const view = await credit(r, erika);
    expect(view.balance).toBe(0);
    expect(view.entries.map((e: { type: string; amount: number }) => [e.type, e.amount])).toEqual([
      ["booked", 5_000],
      ["refunded", 2_000],
      ["applied", 3_000],
    ]);
    expect(view.entries[2]).toMatchObject({ invoiceId: second.id, invoiceNumber: second.number });
    await expectProblem(await refund({ amount: 1 }), 422, "credit_exceeds_balance");
    const [applied] = await r.events("customer_credit.applied");
    expect(applied).toMatchObject({
      customerId: erika,
      amount: 3_000,
      applications: [{ invoiceId: second.id, amount: 3_000 }],
    });
  });

  it("goes onto the billing run's new invoice, only for the customers of the page who have some", async () => {
    const r = await reconciliationWorld();
    const erika = await r.customer("Erika Muster");
    const lena = await r.customer("Lena Muster");
    const first = await r.bill(erika, "basic"); // 35.70
    await r.bill(lena, "basic");
    await overpaid(r, first, 1_000);
    expect((await credit(r, erika)).balance).toBe(1_000);
    const before = await r.events("customer_credit.applied");

    const report = await runBilling(r.world.env.DB, new Date(`${first.periodEnd}T12:00:00Z`), {
      merchantId: r.m.merchantId,
    });
    expect(report).toMatchObject({ invoicesIssued: 2, errors: [], blocked: [] });
    const renewals = (await r.events("invoice.created")).filter(
      (invoice) => invoice.periodStart === first.periodEnd,
    );
    expect(renewals).toHaveLength(2);
    const byCustomer = new Map(renewals.map((invoice) => [invoice.customerId, invoice.id]));
    expect(await r.invoice(byCustomer.get(erika))).toMatchObject({
      status: "partially_paid",
      creditApplied: 1_000,
    });
    expect(await r.invoice(byCustomer.get(lena))).toMatchObject({
      status: "open",
      creditApplied: 0,
    });
    const applied = await r.events("customer_credit.applied");
    expect(applied.filter((event) => !before.some((b) => b.amount === event.amount))).toEqual([
      expect.objectContaining({ customerId: erika, amount: 1_000 }),
    ]);
    expect((await credit(r, erika)).balance).toBe(0);
    expect((await credit(r, lena)).balance).toBe(0);
  });

  it("goes onto the open invoices oldest first when it is booked", async () => {
    const r = await reconciliationWorld();
    const lena = await r.customer("Lena Muster");
    const a = await r.bill(lena, "basic");
    r.world.advance(DAY);
    const b = await r.bill(lena, "basic");
    r.world.advance(DAY);
    const c = await r.bill(lena, "pro");
    await overpaid(r, a, b.grossAmount + 1_000);
    expect(await r.invoice(a.id)).toMatchObject({ status: "paid", creditApplied: 0 });
    expect(await r.invoice(b.id)).toMatchObject({ status: "paid", creditApplied: b.grossAmount });
    expect(await r.invoice(c.id)).toMatchObject({
      status: "partially_paid",
      creditApplied: 1_000,
      openAmount: c.grossAmount - 1_000,
    });
    expect((await credit(r, lena)).balance).toBe(0);

    // Booked anew by hand (only invoice A, the rest ignored): the credit it made is reversed and
    // taken back from the invoices it had paid.
    const [tx] = await r.transactions();
    const reassigned = await r.api(`/api/v1/bank-transactions/${tx.id}/assign`, {
      body: { invoiceIds: [a.id], remainder: "ignore" },
    });
    expect(reassigned.status, await reassigned.text()).toBe(200);
    expect(await r.invoice(a.id)).toMatchObject({ status: "paid" });
    expect(await r.invoice(b.id)).toMatchObject({
      status: "open",
      amountPaid: 0,
      creditApplied: 0,
    });
    expect(await r.invoice(c.id)).toMatchObject({
      status: "open",
      amountPaid: 0,
      creditApplied: 0,
    });
    const view = await credit(r, lena);
    expect(view.balance).toBe(0);
    expect(view.entries.every((e: { reversedAt: string | null }) => e.reversedAt !== null)).toBe(
      true,
    );
  });

  it("stops dunning for an invoice it covers", async () => {
    const r = await reconciliationWorld();
    const max = await r.customer("Max Muster");
    const first = await r.bill(max, "basic");
    await overpaid(r, first, 4_000);
    const covered = await r.bill(max, "basic"); // 35.70 ≤ 40.00 credit
    expect(covered).toMatchObject({ status: "paid", openAmount: 0, creditApplied: 3_570 });
    expect(await dunDaily(r, "2027-03-15", "2027-05-31")).toBe(0);
    expect((await r.invoice(covered.id)).dunningHistory).toEqual([]);
    expect((await credit(r, max)).balance).toBe(430);
  });

  it("belongs to its merchant only", async () => {
    const r = await reconciliationWorld();
    const other = await reconciliationWorld("Andere Stadtwerke");
    const erika = await r.customer("Erika Muster");
    await expectProblem(await other.api(`/api/v1/customers/${erika}/credit`), 404, "not_found");
    await expectProblem(
      await other.api(`/api/v1/customers/${erika}/credit/refunds`, { body: { amount: 1 } }),
      404,
      "not_found",
    );
    await expectProblem(await r.api(`/api/v1/customers/nope/credit`), 400, "validation_failed");
  });
});

describe("handing an invoice over", () => {
  it("is allowed only after the 2nd notice, once, and ends automatic dunning", async () => {
    const r = await reconciliationWorld();
    const customer = await r.customer("Erika Muster");
    const invoice = await r.bill(customer, "pro"); // due 15 March
    const handOver = () =>
      r.api(`/api/v1/invoices/${invoice.id}/dunning/hand-over`, { method: "POST" });
    await expectProblem(await handOver(), 409, "hand_over_not_allowed");
    expect(await dunDaily(r, "2027-03-15", "2027-04-05")).toBe(2); // reminder, 1st notice
    await expectProblem(await handOver(), 409, "hand_over_not_allowed");
    expect(await dunDaily(r, "2027-04-06", "2027-04-19")).toBe(1); // 2nd notice
    r.world.advance(50 * DAY); // 20 April
    const handed = await json(await handOver(), 201);
    expect(handed).toMatchObject({
      invoiceId: invoice.id,
      level: "handed_over",
      reachedOn: "2027-04-20",
      openAmount: 7_140,
    });
    const dunned = await r.invoice(invoice.id);
    expect(dunned.dunningLevel).toBe("handed_over");
    expect(dunned.dunningHistory.map((h: { level: string }) => h.level)).toEqual([
      "reminder",
      "first_notice",
      "second_notice",
      "handed_over",
    ]);
    const levels = await r.events("dunning.level_reached");
    expect(levels.filter((e) => e.level === "handed_over")).toEqual([
      expect.objectContaining({ invoiceId: invoice.id, reachedOn: "2027-04-20", fee: 0 }),
    ]);
    await expectProblem(await handOver(), 409, "hand_over_not_allowed");
    expect(await dunDaily(r, "2027-04-20", "2027-07-31")).toBe(0);

    const other = await reconciliationWorld("Andere Stadtwerke");
    await expectProblem(
      await other.api(`/api/v1/invoices/${invoice.id}/dunning/hand-over`, { method: "POST" }),
      404,
      "not_found",
    );
    await expectProblem(
      await r.api(`/api/v1/invoices/inv_x/dunning/hand-over`, { method: "POST" }),
      400,
      "validation_failed",
    );
  });
});
