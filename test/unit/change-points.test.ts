// Change points: the dates each kind produces, the window (not before today or the start, not
// after the end), the API check of a requested date, and downgrade timing.
import { describe, expect, it } from "vitest";
import {
  allowedChangeDates,
  checkEffectiveDate,
  downgradeEffectiveDate,
  endOfTermChangeDate,
  periodStartOnOrAfter,
} from "../../worker/domain/change-points.ts";
import { ChangeRuleError } from "../../worker/domain/change-rule-error.ts";
import type { ChangePoint, ContractSnapshot } from "../../worker/domain/contract-terms.ts";

function contract(overrides: Partial<ContractSnapshot> = {}): ContractSnapshot {
  return {
    id: "ctr_1",
    startDate: "2026-03-15",
    billingAnchor: "2026-03-15",
    interval: "month",
    currentPeriod: { start: "2027-01-15", end: "2027-02-15" },
    minimumTermMonths: 12,
    noticePeriodDays: 30,
    endDate: null,
    items: [],
    templateId: "tpl_pro",
    templateGroupId: "grp_1",
    offeredTemplateIds: [],
    ...overrides,
  };
}

const points = (...changePoints: ChangePoint[]) => ({ changePoints });
const TODAY = "2027-01-20";

describe("allowedChangeDates: each change point", () => {
  it("immediately is today", () => {
    expect(allowedChangeDates(contract(), points({ type: "immediately" }), TODAY).dates).toEqual([
      TODAY,
    ]);
  });

  it("next_period is the first day of the next billing period", () => {
    expect(allowedChangeDates(contract(), points({ type: "next_period" }), TODAY).dates).toEqual([
      "2027-02-15",
    ]);
  });

  it("end_of_term is the day after the minimum term while it runs", () => {
    expect(allowedChangeDates(contract(), points({ type: "end_of_term" }), TODAY).dates).toEqual([
      "2027-03-15",
    ]);
  });

  it("next_month is the first of next month", () => {
    expect(allowedChangeDates(contract(), points({ type: "next_month" }), TODAY).dates).toEqual([
      "2027-02-01",
    ]);
  });

  it("custom is a range from today + lead to today + horizon", () => {
    const allowed = allowedChangeDates(
      contract(),
      points({ type: "custom", minLeadDays: 7, maxHorizonDays: 60 }),
      TODAY,
    );
    expect(allowed).toEqual({
      dates: [],
      ranges: [{ from: "2027-01-27", to: "2027-03-21" }],
      points: [],
    });
  });

  it("combines points into sorted unique dates and labels each", () => {
    const calendarMonthly = contract({
      startDate: "2026-01-01",
      billingAnchor: "2026-01-01",
      minimumTermMonths: 0,
      currentPeriod: { start: "2027-01-01", end: "2027-02-01" },
    });
    const allowed = allowedChangeDates(
      calendarMonthly,
      points(
        { type: "end_of_term" },
        { type: "next_month" },
        { type: "immediately" },
        { type: "next_period" },
      ),
      TODAY,
    );
    expect(allowed.dates).toEqual([TODAY, "2027-02-01"]);
    expect(allowed.points).toEqual([
      { type: "immediately", date: TODAY },
      { type: "end_of_term", date: "2027-02-01" },
      { type: "next_month", date: "2027-02-01" },
      { type: "next_period", date: "2027-02-01" },
    ]);
  });
});

describe("endOfTermChangeDate", () => {
  it("follows the renewal term once the minimum term has passed", () => {
    expect(endOfTermChangeDate(contract(), "2027-04-01")).toBe("2028-03-15");
    expect(endOfTermChangeDate(contract(), "2030-12-31")).toBe("2031-03-15");
  });

  it("moves to the next term on the first day of a renewal term", () => {
    expect(endOfTermChangeDate(contract(), "2027-03-14")).toBe("2027-03-15");
    expect(endOfTermChangeDate(contract(), "2027-03-15")).toBe("2028-03-15");
  });

  it("equals next_period without a minimum term", () => {
    expect(endOfTermChangeDate(contract({ minimumTermMonths: 0 }), TODAY)).toBe("2027-02-15");
  });

  it("clamps term ends from the start date, not from the previous term", () => {
    const endOfMonth = contract({
      startDate: "2027-01-31",
      billingAnchor: "2027-01-31",
      minimumTermMonths: 1,
      currentPeriod: { start: "2027-01-31", end: "2027-02-28" },
    });
    expect(endOfTermChangeDate(endOfMonth, "2027-02-05")).toBe("2027-02-28");
    expect(endOfTermChangeDate(endOfMonth, "2027-03-05")).toBe("2027-03-31");
  });

  it("is the end of the first term for a contract that has not started", () => {
    expect(
      endOfTermChangeDate(contract({ startDate: "2027-03-01", minimumTermMonths: 24 }), TODAY),
    ).toBe("2029-03-01");
  });
});

describe("allowedChangeDates: window", () => {
  const all = points(
    { type: "immediately" },
    { type: "next_period" },
    { type: "end_of_term" },
    { type: "next_month" },
    { type: "custom", minLeadDays: 0, maxHorizonDays: 90 },
  );

  it("never offers a date before the contract starts; immediately becomes the start date", () => {
    const future = contract({
      startDate: "2027-03-01",
      billingAnchor: "2027-03-01",
      minimumTermMonths: 0,
      currentPeriod: { start: "2027-03-01", end: "2027-04-01" },
    });
    const allowed = allowedChangeDates(future, all, TODAY);
    expect(allowed.dates).toEqual(["2027-03-01", "2027-04-01"]);
    expect(allowed.ranges).toEqual([{ from: "2027-03-01", to: "2027-04-20" }]);
  });

  it("never offers a date after the last day of service", () => {
    const cancelled = contract({ endDate: "2027-02-14" });
    const allowed = allowedChangeDates(cancelled, all, TODAY);
    expect(allowed.dates).toEqual([TODAY, "2027-02-01"]);
    expect(allowed.ranges).toEqual([{ from: TODAY, to: "2027-02-14" }]);
  });

  it("drops a custom range that lies wholly after the end", () => {
    const allowed = allowedChangeDates(
      contract({ endDate: "2027-02-14" }),
      points({ type: "custom", minLeadDays: 30, maxHorizonDays: 60 }),
      TODAY,
    );
    expect(allowed.ranges).toEqual([]);
  });
});

describe("checkEffectiveDate", () => {
  const template = points(
    { type: "next_period" },
    { type: "custom", minLeadDays: 3, maxHorizonDays: 10 },
  );

  it("accepts an offered date and a date inside a range", () => {
    expect(checkEffectiveDate(contract(), template, TODAY, "2027-02-15")).toEqual({ ok: true });
    expect(checkEffectiveDate(contract(), template, TODAY, "2027-01-23")).toEqual({ ok: true });
    expect(checkEffectiveDate(contract(), template, TODAY, "2027-01-30")).toEqual({ ok: true });
  });

  it("rejects other dates with a stable code and the allowed dates in the message", () => {
    const result = checkEffectiveDate(contract(), template, TODAY, "2027-01-31");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(ChangeRuleError);
    expect(result.error.code).toBe("effective_date_not_allowed");
    expect(result.error.field).toBe("effectiveDate");
    expect(result.error.message).toContain("2027-02-15");
    expect(result.error.message).toContain("2027-01-23..2027-01-30");
  });

  it("rejects today when only later points are offered", () => {
    const result = checkEffectiveDate(contract(), template, TODAY, TODAY);
    expect(result.ok ? null : result.error.code).toBe("effective_date_not_allowed");
  });

  it("rejects a date that does not exist", () => {
    const result = checkEffectiveDate(contract(), template, TODAY, "2027-02-30");
    expect(result.ok ? null : result.error.code).toBe("invalid_date");
  });
});

describe("downgrade timing", () => {
  const c = contract();

  it("defers a downgrade inside the period to the next period boundary", () => {
    expect(downgradeEffectiveDate(c, "2027-01-20", "next_period")).toBe("2027-02-15");
  });

  it("keeps a later period start, but not the start of the billed period (issue 12)", () => {
    expect(downgradeEffectiveDate(c, "2027-01-15", "next_period")).toBe("2027-02-15");
    expect(downgradeEffectiveDate(c, "2027-02-15", "next_period")).toBe("2027-02-15");
  });

  it("uses the period of a later date", () => {
    expect(downgradeEffectiveDate(c, "2027-03-01", "next_period")).toBe("2027-03-15");
    expect(periodStartOnOrAfter(c, "2027-03-15")).toBe("2027-03-15");
  });

  it("keeps the requested date for like_upgrade and for timing as_requested", () => {
    expect(downgradeEffectiveDate(c, "2027-01-20", "like_upgrade")).toBe("2027-01-20");
    expect(downgradeEffectiveDate(c, "2027-01-20", "next_period", "as_requested")).toBe(
      "2027-01-20",
    );
  });
});
