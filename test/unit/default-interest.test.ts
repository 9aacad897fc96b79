// § 288 BGB default interest to the cent: Basiszinssatz + 5 (consumers) or 9 (businesses)
// percentage points, per day on a 365-day year from the day after the due date, one half-up
// rounding of the exact sum, a partial payment lowering the base from the next day, a new
// half-year's rate applying from its date.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays } from "../../worker/domain/calendar.ts";
import {
  BASISZINSSATZ,
  defaultInterest,
  type BaseRate,
  type InterestInput,
} from "../../worker/domain/default-interest.ts";

const consumer = (overrides: Partial<InterestInput>): InterestInput => ({
  principal: 100_000,
  dueDate: "2025-01-15",
  asOf: "2025-02-14",
  payments: [],
  debtor: "consumer",
  baseRates: BASISZINSSATZ,
  ...overrides,
});

describe("default interest", () => {
  it("is nothing on or before the due date", () => {
    expect(defaultInterest(consumer({ asOf: "2025-01-15" })).amount).toBe(0);
    expect(defaultInterest(consumer({ asOf: "2025-01-01" })).amount).toBe(0);
  });

  it("consumer: 1 000 EUR for 30 days at 2.27 + 5 = 7.27 % is 5.98 EUR", () => {
    // 100 000 × 0.0727 × 30 / 365 = 597.53 cents
    const result = defaultInterest(consumer({}));
    expect(result.amount).toBe(598);
    expect(result.segments).toEqual([
      { from: "2025-01-15", to: "2025-02-14", days: 30, base: 100_000, rateBp: 727 },
    ]);
  });

  it("business: 9 points, and the 1 July rate applies from that day", () => {
    // 10 days (21–30 June) at 11.27 %, 10 days (1–10 July) at 10.27 % on 500 EUR = 295.07 cents
    const result = defaultInterest({
      principal: 50_000,
      dueDate: "2025-06-20",
      asOf: "2025-07-10",
      payments: [],
      debtor: "business",
      baseRates: BASISZINSSATZ,
    });
    expect(result.amount).toBe(295);
    expect(result.segments.map((s) => [s.from, s.to, s.days, s.rateBp])).toEqual([
      ["2025-06-20", "2025-06-30", 10, 1127],
      ["2025-06-30", "2025-07-10", 10, 1027],
    ]);
  });

  it("a partial payment moves the base from the day after it arrived", () => {
    // 10 days on 1 000 EUR, then 20 days on 600 EUR at 7.27 % = 438.19 cents
    const result = defaultInterest(
      consumer({ payments: [{ date: "2025-01-25", amount: 40_000 }] }),
    );
    expect(result.amount).toBe(438);
    expect(result.segments.map((s) => [s.days, s.base])).toEqual([
      [10, 100_000],
      [20, 60_000],
    ]);
  });

  it("stops accruing once everything is paid", () => {
    const paidOnDay5 = consumer({ payments: [{ date: "2025-01-20", amount: 100_000 }] });
    const fiveDays = consumer({ asOf: "2025-01-20" });
    expect(defaultInterest(paidOnDay5).amount).toBe(defaultInterest(fiveDays).amount);
  });

  it("rounds half-up exactly at half a cent", () => {
    // 10 % for 73 days is 1/50 of the base: 25 cents → 0.5 → 1; 75 → 1.5 → 2; 24 → 0.48 → 0
    const rates: BaseRate[] = [{ validFrom: "2020-01-01", rateBp: 500 }];
    const of = (principal: number) =>
      defaultInterest(
        consumer({ principal, baseRates: rates, dueDate: "2025-01-01", asOf: "2025-03-15" }),
      ).amount;
    expect([of(25), of(75), of(24)]).toEqual([1, 2, 0]);
  });

  it("needs a known rate for every day", () => {
    expect(() =>
      defaultInterest(consumer({ baseRates: [{ validFrom: "2025-02-01", rateBp: 100 }] })),
    ).toThrow(/no Basiszinssatz/);
  });

  const scenario = fc.record({
    principal: fc.integer({ min: 1, max: 10_000_000 }),
    dueOffset: fc.integer({ min: 0, max: 900 }),
    days: fc.integer({ min: 1, max: 800 }),
    payments: fc.array(
      fc.record({
        offset: fc.integer({ min: -10, max: 900 }),
        amount: fc.integer({ min: 0, max: 5_000_000 }),
      }),
      { maxLength: 4 },
    ),
    debtor: fc.constantFrom("consumer" as const, "business" as const),
  });

  type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

  function inputOf(s: Scenario): InterestInput {
    const dueDate = addDays("2023-01-01", s.dueOffset);
    return {
      principal: s.principal,
      dueDate,
      asOf: addDays(dueDate, s.days),
      payments: s.payments.map((p) => ({ date: addDays(dueDate, p.offset), amount: p.amount })),
      debtor: s.debtor,
      baseRates: BASISZINSSATZ,
    };
  }

  it("is the half-up rounding of the exact sum over its segments (property)", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const input = inputOf(s);
        const result = defaultInterest(input);
        const exact = result.segments.reduce(
          (sum, seg) => sum + seg.base * seg.rateBp * seg.days,
          0,
        );
        expect(Math.abs(result.amount - exact / 3_650_000)).toBeLessThanOrEqual(0.5);
        const totalDays = result.segments.reduce((sum, seg) => sum + seg.days, 0);
        expect(totalDays).toBeLessThanOrEqual(s.days);
      }),
    );
  });

  it("never grows when more is paid, and a payment of nothing changes nothing (property)", () => {
    fc.assert(
      fc.property(
        scenario,
        fc.integer({ min: 0, max: 900 }),
        fc.nat(1_000_000),
        (s, day, extra) => {
          const input = inputOf(s);
          const base = defaultInterest(input).amount;
          const date = addDays(input.dueDate, day);
          const more = defaultInterest({
            ...input,
            payments: [...input.payments, { date, amount: extra }],
          });
          const zero = defaultInterest({
            ...input,
            payments: [...input.payments, { date, amount: 0 }],
          });
          expect(more.amount).toBeLessThanOrEqual(base);
          expect(zero.amount).toBe(base);
        },
      ),
    );
  });
});
