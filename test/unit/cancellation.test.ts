// Cancellation: the earliest last day of service from minimum term and notice period, rounded
// up to a billing-period end, and the check of a chosen end date.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDays,
  fromDayNumber,
  maxDate,
  nthPeriod,
  periodContaining,
  toDayNumber,
} from "../../worker/domain/calendar.ts";
import type { BillingInterval } from "../../worker/domain/calendar.ts";
import {
  checkChosenEnd,
  earliestCancellationEnd,
  isLastDayOfPeriod,
  minimumTermLastDay,
} from "../../worker/domain/cancellation.ts";
import type { CancellationTerms } from "../../worker/domain/cancellation.ts";

function terms(overrides: Partial<CancellationTerms> = {}): CancellationTerms {
  const startDate = overrides.startDate ?? "2026-01-15";
  const interval = overrides.interval ?? "month";
  return {
    startDate,
    billingAnchor: startDate,
    interval,
    currentPeriod: nthPeriod(startDate, interval, 0),
    minimumTermMonths: 12,
    noticePeriodDays: 30,
    ...overrides,
  };
}

/** The terms as they stand on `today`, with the current period advanced to contain it. */
function on(today: string, overrides: Partial<CancellationTerms> = {}): CancellationTerms {
  const base = terms(overrides);
  return today < base.startDate
    ? base
    : { ...base, currentPeriod: periodContaining(base.billingAnchor, base.interval, today) };
}

describe("earliestCancellationEnd", () => {
  it("is the last day of the minimum term while it outlasts the notice", () => {
    expect(minimumTermLastDay(terms())).toBe("2027-01-14");
    expect(earliestCancellationEnd(on("2026-06-10"), "2026-06-10")).toBe("2027-01-14");
  });

  it("follows the notice period once that reaches past the minimum term, rounded up to the period end", () => {
    // 2027-01-01 + 30 days = 2027-01-31, inside [2027-01-15, 2027-02-15)
    expect(earliestCancellationEnd(on("2027-01-01"), "2027-01-01")).toBe("2027-02-14");
  });

  it("keeps a notice end that already is the last day of a period", () => {
    expect(earliestCancellationEnd(on("2027-03-15", { minimumTermMonths: 0 }), "2027-03-15")).toBe(
      "2027-04-14",
    );
  });

  it("rounds a notice end on a period's first day up to the end of that period", () => {
    expect(earliestCancellationEnd(on("2027-03-16", { minimumTermMonths: 0 }), "2027-03-16")).toBe(
      "2027-05-14",
    );
  });

  it("is the end of the current period without minimum term or notice", () => {
    expect(
      earliestCancellationEnd(
        on("2027-03-20", { minimumTermMonths: 0, noticePeriodDays: 0 }),
        "2027-03-20",
      ),
    ).toBe("2027-04-14");
  });

  it("works on yearly periods with a two-year term and three months' notice", () => {
    const yearly = {
      startDate: "2026-01-01",
      interval: "year" as BillingInterval,
      minimumTermMonths: 24,
      noticePeriodDays: 90,
    };
    expect(earliestCancellationEnd(on("2027-06-01", yearly), "2027-06-01")).toBe("2027-12-31");
    // 2027-11-01 + 90 days = 2028-01-30: the next yearly period runs to its end.
    expect(earliestCancellationEnd(on("2027-11-01", yearly), "2027-11-01")).toBe("2028-12-31");
  });

  it("follows month-end clamping of the periods", () => {
    const endOfMonth = { startDate: "2027-01-31", minimumTermMonths: 0, noticePeriodDays: 0 };
    expect(earliestCancellationEnd(on("2027-02-10", endOfMonth), "2027-02-10")).toBe("2027-02-27");
    expect(earliestCancellationEnd(on("2027-02-28", endOfMonth), "2027-02-28")).toBe("2027-03-30");
  });

  it("ends a contract that has not started no earlier than its first period", () => {
    const future = terms({ startDate: "2027-05-01", minimumTermMonths: 0, noticePeriodDays: 0 });
    expect(earliestCancellationEnd(future, "2027-01-10")).toBe("2027-05-31");
  });

  it("counts a minimum term from the start even after the billing anchor moved", () => {
    const reanchored = {
      ...terms({ minimumTermMonths: 24, noticePeriodDays: 0 }),
      billingAnchor: "2026-07-01",
      interval: "month" as const,
      currentPeriod: { start: "2026-08-01", end: "2026-09-01" },
    };
    expect(earliestCancellationEnd(reanchored, "2026-08-10")).toBe("2028-01-31"); // term ends 2028-01-14
  });
});

describe("checkChosenEnd", () => {
  const contract = on("2026-06-10");
  const today = "2026-06-10";

  it("accepts the earliest end and any later period end", () => {
    expect(checkChosenEnd(contract, today, "2027-01-14")).toEqual({ ok: true });
    expect(checkChosenEnd(contract, today, "2027-03-14")).toEqual({ ok: true });
  });

  it("rejects an end before the earliest", () => {
    const result = checkChosenEnd(contract, today, "2026-12-14");
    expect(result.ok ? null : [result.error.code, result.error.field]).toEqual([
      "end_date_too_early",
      "endDate",
    ]);
    expect(result.ok ? "" : result.error.message).toContain("2027-01-14");
  });

  it("rejects an end that is not the last day of a billing period", () => {
    const result = checkChosenEnd(contract, today, "2027-02-28");
    expect(result.ok ? null : result.error.code).toBe("end_date_not_period_end");
    expect(result.ok ? "" : result.error.message).toContain("2027-03-14");
  });

  it("rejects a date that does not exist", () => {
    const result = checkChosenEnd(contract, today, "2027-02-29");
    expect(result.ok ? null : result.error.code).toBe("invalid_date");
  });
});

describe("properties", () => {
  it("the earliest end is a period's last day, respects term and notice, and passes checkChosenEnd", () => {
    const dateArb = fc
      .integer({ min: toDayNumber("2020-01-01"), max: toDayNumber("2030-12-31") })
      .map(fromDayNumber);
    fc.assert(
      fc.property(
        dateArb,
        fc.integer({ min: 0, max: 2000 }),
        fc.constantFrom<BillingInterval>("month", "quarter", "year"),
        fc.integer({ min: 0, max: 36 }),
        fc.integer({ min: 0, max: 120 }),
        (startDate, offset, interval, minimumTermMonths, noticePeriodDays) => {
          const today = addDays(startDate, offset);
          const contract = on(today, { startDate, interval, minimumTermMonths, noticePeriodDays });
          const earliest = earliestCancellationEnd(contract, today);
          expect(isLastDayOfPeriod(contract, earliest)).toBe(true);
          expect(earliest >= minimumTermLastDay(contract)).toBe(true);
          expect(earliest >= addDays(today, noticePeriodDays)).toBe(true);
          // Rounded up within one period: the period ending on `earliest` contains the bound.
          const bound = maxDate(minimumTermLastDay(contract), addDays(today, noticePeriodDays));
          expect(
            periodContaining(contract.billingAnchor, interval, earliest).start <=
              maxDate(bound, startDate),
          ).toBe(true);
          expect(checkChosenEnd(contract, today, earliest)).toEqual({ ok: true });
        },
      ),
      { numRuns: 300 },
    );
  });
});
