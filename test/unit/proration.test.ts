// Day-based proration: the DESIGN worked example, month lengths, first and last day, rounding,
// and the full-period charge of an interval change, all to the exact cent.
import { describe, expect, it } from "vitest";
import type { Period } from "../../worker/domain/calendar.ts";
import {
  chargeLine,
  creditLine,
  describeSpan,
  prorate,
  prorateIntervalChange,
  proratedAmount,
} from "../../worker/domain/proration.ts";
import type { ProratedItem } from "../../worker/domain/proration.ts";

const pro = (periodAmount: number, itemId: string | null = "itm_plan"): ProratedItem => ({
  itemId,
  articleId: "art_pro",
  name: "Pro",
  quantity: 1,
  taxRate: 1900,
  periodAmount,
});
const premium = (periodAmount: number): ProratedItem => ({
  ...pro(periodAmount, null),
  articleId: "art_premium",
  name: "Premium",
});

const january: Period = { start: "2027-01-01", end: "2027-02-01" };

function amounts(period: Period, effectiveDate: string, from: number, to: number): number[] {
  return prorate({ period, effectiveDate, removed: [pro(from)], added: [premium(to)] }).map(
    (line) => line.netAmount,
  );
}

const net = (values: number[]) => values.reduce((sum, value) => sum + value, 0);

describe("prorate", () => {
  it("matches the DESIGN worked example: 30.00 → 60.00 on 11 Jan, 21 of 31 days", () => {
    const lines = prorate({
      period: january,
      effectiveDate: "2027-01-11",
      removed: [pro(3000)],
      added: [premium(6000)],
    });
    expect(lines).toEqual([
      {
        description: "Unused time on Pro (11.01.2027 – 31.01.2027)",
        name: "Pro",
        itemId: "itm_plan",
        articleId: "art_pro",
        periodStart: "2027-01-11",
        periodEnd: "2027-02-01",
        quantity: 1,
        netAmount: -2032,
        taxRate: 1900,
      },
      {
        description: "Remaining time on Premium (11.01.2027 – 31.01.2027)",
        name: "Premium",
        itemId: null,
        articleId: "art_premium",
        periodStart: "2027-01-11",
        periodEnd: "2027-02-01",
        quantity: 1,
        netAmount: 4065,
        taxRate: 1900,
      },
    ]);
    expect(net(lines.map((line) => line.netAmount))).toBe(2033);
  });

  it("uses 30 days for April and rounds each line half-up on its own", () => {
    // 15/30 of 49.99 is 24.995: the credit rounds away from zero, to −25.00.
    const values = amounts({ start: "2027-04-01", end: "2027-05-01" }, "2027-04-16", 4999, 6001);
    expect(values).toEqual([-2500, 3001]);
    expect(net(values)).toBe(501);
  });

  it("uses 29 days for February 2028 (leap year)", () => {
    // 3000 × 15/29 = 1551.72, 6000 × 15/29 = 3103.45
    const values = amounts({ start: "2028-02-01", end: "2028-03-01" }, "2028-02-15", 3000, 6000);
    expect(values).toEqual([-1552, 3103]);
    expect(net(values)).toBe(1551);
  });

  it("uses 28 days for February 2027", () => {
    // 3000 × 9/28 = 964.29, 6000 × 9/28 = 1928.57
    const values = amounts({ start: "2027-02-01", end: "2027-03-01" }, "2027-02-20", 3000, 6000);
    expect(values).toEqual([-964, 1929]);
    expect(net(values)).toBe(965);
  });

  it("credits and charges the whole period when the change is on its first day", () => {
    expect(amounts(january, "2027-01-01", 3000, 6000)).toEqual([-3000, 6000]);
  });

  it("prorates one day when the change is on the last day of the period", () => {
    // 3000/31 = 96.77, 6000/31 = 193.55: the change day belongs to the new state.
    const lines = prorate({
      period: january,
      effectiveDate: "2027-01-31",
      removed: [pro(3000)],
      added: [premium(6000)],
    });
    expect(lines.map((line) => line.netAmount)).toEqual([-97, 194]);
    expect(lines[0]?.description).toBe("Unused time on Pro (31.01.2027)");
  });

  it("has nothing to prorate at the next period boundary, which is not billed yet", () => {
    expect(
      prorate({
        period: january,
        effectiveDate: "2027-02-01",
        removed: [pro(3000)],
        added: [premium(6000)],
      }),
    ).toEqual([]);
  });

  it("rejects an effective date outside the period", () => {
    expect(() =>
      prorate({ period: january, effectiveDate: "2026-12-31", removed: [], added: [] }),
    ).toThrow(RangeError);
    expect(() => proratedAmount(3000, january, "2027-02-02")).toThrow(RangeError);
  });

  it("keeps lines that round to zero cents, so every change shows on the document", () => {
    expect(Object.is(creditLine(pro(0), january, "2027-01-11").netAmount, 0)).toBe(true);
    expect(chargeLine(pro(15), january, "2027-01-31").netAmount).toBe(0); // 15/31 = 0.48 → 0
    expect(chargeLine(pro(16), january, "2027-01-31").netAmount).toBe(1); // 16/31 = 0.52 → 1
  });

  it("labels quantities in the description", () => {
    const line = chargeLine(
      { ...pro(1000, "itm_storage"), name: "Storage", quantity: 3 },
      january,
      "2027-01-11",
    );
    expect(line.description).toBe("Remaining time on 3 × Storage (11.01.2027 – 31.01.2027)");
  });
});

describe("describeSpan", () => {
  it("shows the last day, not the exclusive end", () => {
    expect(describeSpan("2027-01-11", "2027-02-01")).toBe("11.01.2027 – 31.01.2027");
    expect(describeSpan("2027-01-11", "2028-01-11")).toBe("11.01.2027 – 10.01.2028");
    expect(describeSpan("2027-01-31", "2027-02-01")).toBe("31.01.2027");
  });
});

describe("prorateIntervalChange", () => {
  it("credits the unused days and charges the full new year from the effective date", () => {
    const result = prorateIntervalChange({
      period: january,
      effectiveDate: "2027-01-11",
      removed: [pro(3000)],
      added: [{ ...premium(30000), name: "Pro yearly" }],
      newInterval: "year",
    });
    expect(result.newBillingAnchor).toBe("2027-01-11");
    expect(result.newCurrentPeriod).toEqual({ start: "2027-01-11", end: "2028-01-11" });
    expect(result.lines.map((line) => [line.netAmount, line.periodStart, line.periodEnd])).toEqual([
      [-2032, "2027-01-11", "2027-02-01"],
      [30000, "2027-01-11", "2028-01-11"],
    ]);
    expect(result.lines[1]?.description).toBe("Pro yearly (11.01.2027 – 10.01.2028)");
  });

  it("clamps the new period at month ends (31 Jan + 1 quarter = 30 Apr)", () => {
    const result = prorateIntervalChange({
      period: january,
      effectiveDate: "2027-01-31",
      removed: [],
      added: [premium(9000)],
      newInterval: "quarter",
    });
    expect(result.newCurrentPeriod).toEqual({ start: "2027-01-31", end: "2027-04-30" });
    expect(result.lines.map((line) => line.netAmount)).toEqual([9000]);
  });

  it("moves the anchor without lines at the period boundary", () => {
    const result = prorateIntervalChange({
      period: january,
      effectiveDate: "2027-02-01",
      removed: [pro(3000)],
      added: [premium(30000)],
      newInterval: "year",
    });
    expect(result).toEqual({
      lines: [],
      newBillingAnchor: "2027-02-01",
      newCurrentPeriod: { start: "2027-02-01", end: "2028-02-01" },
    });
  });
});

describe("line texts in the customer's language", () => {
  it("writes German credits and a tariff switch the way German invoices do", () => {
    const lines = prorate({
      period: january,
      effectiveDate: "2027-01-11",
      removed: [{ ...pro(3000), name: "Basic" }],
      added: [{ ...premium(6000), name: "Pro", switched: true }],
      language: "de",
    });
    expect(lines.map((line) => line.description)).toEqual([
      "Gutschrift Basic, anteilig 11.01.–31.01.2027",
      "Tarifwechsel Pro, anteilig 11.01.–31.01.2027",
    ]);
  });

  it("names a booked add-on without 'Tarifwechsel' and keeps English as it was", () => {
    const addon = { ...premium(600), name: "Speicher", quantity: 2 };
    expect(
      prorate({
        period: january,
        effectiveDate: "2027-01-31",
        removed: [],
        added: [addon],
        language: "de",
      })[0]?.description,
    ).toBe("2 × Speicher, anteilig 31.01.2027");
    expect(
      prorate({
        period: january,
        effectiveDate: "2027-01-11",
        removed: [],
        added: [addon],
        language: "en",
      })[0]?.description,
    ).toBe("Remaining time on 2 × Speicher (11.01.2027 – 31.01.2027)");
  });

  it("writes the full first period of an interval change in German across a year end", () => {
    const result = prorateIntervalChange({
      period: january,
      effectiveDate: "2027-01-11",
      removed: [],
      added: [{ ...pro(60000), name: "Pro jährlich", switched: true }],
      newInterval: "year",
      language: "de",
    });
    expect(result.lines[0]?.description).toBe("Tarifwechsel Pro jährlich 11.01.2027–10.01.2028");
  });
});
