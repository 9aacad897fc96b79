// Downgrade timing "next_period" over every day of a billing period: a downgrade never takes
// effect inside a period that is already billed (its first day included, backdated dates too), so
// it never credits back what was paid for; upgrades and "like_upgrade" keep the requested date.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays, nthPeriod, periodContaining } from "../../worker/domain/calendar.ts";
import type { BillingInterval, IsoDate } from "../../worker/domain/calendar.ts";
import { downgradeEffectiveDate } from "../../worker/domain/change-points.ts";
import { computeChange } from "../../worker/domain/contract-change.ts";
import type { ContractSnapshot, TemplateTerms } from "../../worker/domain/contract-terms.ts";

function template(id: string, unitAmount: number, interval: BillingInterval): TemplateTerms {
  return {
    id,
    name: id,
    templateGroupId: "grp_1",
    interval,
    planArticle: { id: `art_${id}`, name: id, unitAmount, taxRate: 1900 },
    minimumTermMonths: 0,
    noticePeriodDays: 0,
    allowedAddonArticleIds: [],
    changePoints: [{ type: "immediately" }, { type: "next_period" }],
    downgradeTiming: "next_period",
  };
}

function contractIn(
  anchor: IsoDate,
  interval: BillingInterval,
  periodIndex: number,
  amount: number,
): ContractSnapshot {
  return {
    id: "ctr_1",
    startDate: anchor,
    billingAnchor: anchor,
    interval,
    currentPeriod: nthPeriod(anchor, interval, periodIndex),
    minimumTermMonths: 0,
    noticePeriodDays: 0,
    endDate: null,
    items: [
      {
        id: "itm_plan",
        articleId: "art_high",
        kind: "plan",
        name: "high",
        quantity: 1,
        unitAmount: amount,
        taxRate: 1900,
        billedPeriodAmount: amount,
      },
    ],
    templateId: "high",
    templateGroupId: "grp_1",
    offeredTemplateIds: [],
  };
}

/** Every day of [start, end). */
function daysOf(start: IsoDate, end: IsoDate): IsoDate[] {
  const days: IsoDate[] = [];
  for (let day = start; day < end; day = addDays(day, 1)) days.push(day);
  return days;
}

const intervalArb = fc.constantFrom<BillingInterval>("month", "quarter", "year");
// Month ends (29th–31st) are the anchors where clamping moves period starts around.
const anchorArb = fc
  .tuple(
    fc.integer({ min: 2020, max: 2030 }),
    fc.integer({ min: 1, max: 12 }),
    fc.constantFrom(1, 15, 28, 29, 30, 31),
  )
  .map(([year, month, day]) => {
    const first = `${year}-${String(month).padStart(2, "0")}-01`;
    const last = addDays(nthPeriod(first, "month", 0).end, -1);
    return day > Number(last.slice(8))
      ? last
      : `${first.slice(0, 8)}${String(day).padStart(2, "0")}`;
  });
const periodIndexArb = fc.integer({ min: 0, max: 14 });

describe("downgradeEffectiveDate: next_period", () => {
  it("moves a downgrade asked for on the first day of the period to the next period", () => {
    const c = contractIn("2027-01-15", "month", 0, 3000);
    expect(downgradeEffectiveDate(c, "2027-01-15", "next_period")).toBe("2027-02-15");
  });

  it("never goes back to a period start before the current period ends", () => {
    const c = contractIn("2026-03-15", "month", 10, 3000);
    expect(c.currentPeriod).toEqual({ start: "2027-01-15", end: "2027-02-15" });
    expect(downgradeEffectiveDate(c, "2026-12-15", "next_period")).toBe("2027-02-15");
    expect(downgradeEffectiveDate(c, "2026-03-15", "next_period")).toBe("2027-02-15");
  });

  it("on every day of the current period (and before it) is the end of the current period", () => {
    fc.assert(
      fc.property(intervalArb, anchorArb, periodIndexArb, (interval, anchor, index) => {
        const c = contractIn(anchor, interval, index, 3000);
        const before = index > 0 ? nthPeriod(anchor, interval, index - 1).start : anchor;
        for (const day of daysOf(before, c.currentPeriod.end))
          expect(downgradeEffectiveDate(c, day, "next_period")).toBe(c.currentPeriod.end);
      }),
      { numRuns: 300 },
    );
  });

  it("on a later date is the first period start on or after it", () => {
    fc.assert(
      fc.property(intervalArb, anchorArb, periodIndexArb, (interval, anchor, index) => {
        const c = contractIn(anchor, interval, index, 3000);
        const next = nthPeriod(anchor, interval, index + 1);
        for (const day of daysOf(next.start, next.end)) {
          const expected = day === next.start ? next.start : next.end;
          expect(downgradeEffectiveDate(c, day, "next_period")).toBe(expected);
          expect(periodContaining(anchor, interval, expected).start).toBe(expected);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("keeps the requested date for like_upgrade and as_requested", () => {
    const c = contractIn("2027-01-15", "month", 0, 3000);
    expect(downgradeEffectiveDate(c, "2027-01-15", "like_upgrade")).toBe("2027-01-15");
    expect(downgradeEffectiveDate(c, "2027-01-15", "next_period", "as_requested")).toBe(
      "2027-01-15",
    );
  });
});

describe("computeChange: a next_period downgrade never credits the billed period", () => {
  it("the issue's repro: a 30.00 → 10.01 switch on the contract's first day has no lines", () => {
    const c = contractIn("2027-01-01", "month", 0, 3000);
    const result = computeChange({
      contract: c,
      template: template("high", 3000, "month"),
      request: { type: "switch_template", template: template("low", 1001, "month") },
      effectiveDate: "2027-01-01",
      today: "2027-01-01",
      prorationMode: "interim_invoice",
    });
    expect(result.kind).toBe("downgrade");
    expect(result.effectiveDate).toBe("2027-02-01");
    expect(result.lines).toEqual([]);
    expect(result.settlement).toBe("none");
  });

  it("on every day of any period: effective at the period end, no lines", () => {
    const dayArb = fc.integer({ min: 0, max: 400 });
    fc.assert(
      fc.property(
        intervalArb,
        anchorArb,
        periodIndexArb,
        dayArb,
        (interval, anchor, index, offset) => {
          const c = contractIn(anchor, interval, index, 3000);
          const days = daysOf(c.currentPeriod.start, c.currentPeriod.end);
          const day = days[offset % days.length] as IsoDate;
          const result = computeChange({
            contract: c,
            template: template("high", 3000, interval),
            request: { type: "switch_template", template: template("low", 1001, interval) },
            effectiveDate: day,
            today: day,
            prorationMode: "interim_invoice",
          });
          expect(result.effectiveDate).toBe(c.currentPeriod.end);
          expect(result.lines).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("an upgrade on the period's first day still takes effect that day", () => {
    const c = contractIn("2027-01-01", "month", 0, 1001);
    const result = computeChange({
      contract: c,
      template: template("high", 1001, "month"),
      request: { type: "switch_template", template: template("top", 3000, "month") },
      effectiveDate: "2027-01-01",
      today: "2027-01-01",
      prorationMode: "interim_invoice",
    });
    expect(result.kind).toBe("upgrade");
    expect(result.effectiveDate).toBe("2027-01-01");
    expect(result.lines.map((line) => line.netAmount)).toEqual([-1001, 3000]);
  });
});
