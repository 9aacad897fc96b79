// Customer credit goes onto the oldest open invoice first, oldest credit first, never more than
// either holds; refunds never exceed the balance.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyCredit,
  checkRefund,
  refundFrom,
  type CreditBalance,
  type CreditableInvoice,
} from "../../worker/domain/customer-credit.ts";

const credit = (id: string, remaining: number, bookedAt: string): CreditBalance => ({
  id,
  remaining,
  bookedAt,
});
const invoice = (id: string, openAmount: number, issueDate: string): CreditableInvoice => ({
  id,
  openAmount,
  issueDate,
  number: `RE-${id}`,
});

describe("applying credit", () => {
  it("fills the oldest invoice first from the oldest credit", () => {
    const applications = applyCredit(
      [credit("c2", 1_000, "2027-02-01T00:00:00Z"), credit("c1", 500, "2027-01-01T00:00:00Z")],
      [invoice("i2", 2_000, "2027-03-01"), invoice("i1", 1_200, "2027-02-01")],
    );
    expect(applications).toEqual([
      { creditId: "c1", invoiceId: "i1", amount: 500 },
      { creditId: "c2", invoiceId: "i1", amount: 700 },
      { creditId: "c2", invoiceId: "i2", amount: 300 },
    ]);
  });

  it("does nothing without credit or without open invoices", () => {
    expect(applyCredit([], [invoice("i1", 100, "2027-01-01")])).toEqual([]);
    expect(
      applyCredit([credit("c1", 100, "2027-01-01")], [invoice("i1", 0, "2027-01-01")]),
    ).toEqual([]);
  });

  it("balances to the cent and fills oldest invoices first (property)", () => {
    const arbitraryCredits = fc.uniqueArray(
      fc.record({
        id: fc.uuid(),
        remaining: fc.nat(50_000),
        bookedAt: fc.date({ noInvalidDate: true }),
      }),
      { selector: (c) => c.id, maxLength: 6 },
    );
    const arbitraryInvoices = fc.uniqueArray(
      fc.record({
        id: fc.uuid(),
        openAmount: fc.nat(50_000),
        day: fc.integer({ min: 1, max: 28 }),
      }),
      { selector: (i) => i.id, maxLength: 6 },
    );
    fc.assert(
      fc.property(arbitraryCredits, arbitraryInvoices, (cs, is) => {
        const credits = cs.map((c) => credit(c.id, c.remaining, c.bookedAt.toISOString()));
        const invoices = is.map((i) =>
          invoice(i.id, i.openAmount, `2027-01-${String(i.day).padStart(2, "0")}`),
        );
        const applications = applyCredit(credits, invoices);
        const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
        const applied = sum(applications.map((a) => a.amount));
        expect(applied).toBe(
          Math.min(sum(credits.map((c) => c.remaining)), sum(invoices.map((i) => i.openAmount))),
        );
        for (const c of credits)
          expect(
            sum(applications.filter((a) => a.creditId === c.id).map((a) => a.amount)),
          ).toBeLessThanOrEqual(c.remaining);
        const got = (i: CreditableInvoice) =>
          sum(applications.filter((a) => a.invoiceId === i.id).map((a) => a.amount));
        for (const i of invoices) {
          expect(got(i)).toBeLessThanOrEqual(i.openAmount);
          // a younger invoice gets credit only when every older one is covered
          if (got(i) > 0)
            for (const older of invoices.filter(
              (o) => `${o.issueDate}${o.number}` < `${i.issueDate}${i.number}`,
            ))
              expect(got(older)).toBe(older.openAmount);
        }
        expect(applications.every((a) => a.amount > 0)).toBe(true);
      }),
    );
  });
});

describe("refunds", () => {
  it("may not exceed the balance or be zero", () => {
    expect(checkRefund(500, 500)).toEqual({ ok: true });
    expect(checkRefund(501, 500)).toEqual({ ok: false, reason: "exceeds_balance" });
    expect(checkRefund(0, 500)).toEqual({ ok: false, reason: "not_positive" });
    expect(checkRefund(1.5, 500)).toEqual({ ok: false, reason: "not_positive" });
  });

  it("takes the newest credit first", () => {
    const credits = [credit("old", 300, "2027-01-01"), credit("new", 200, "2027-02-01")];
    expect(refundFrom(credits, 400)).toEqual([
      { creditId: "new", amount: 200 },
      { creditId: "old", amount: 200 },
    ]);
  });
});
