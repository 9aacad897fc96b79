// Pins the cent-exact behaviour of money.ts (proration and VAT amounts end up on issued
// invoices, which can never be edited) with worked examples and fast-check properties.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assertCents,
  isCents,
  lineAmount,
  roundHalfUpRatio,
  sumCents,
  totalsOf,
} from "../../worker/domain/money.ts";
import type { TaxableLine } from "../../worker/domain/money.ts";

const MAX = Number.MAX_SAFE_INTEGER;

/** |result·d − a·n| ≤ d/2, compared in BigInt so the check itself cannot round. */
function withinHalfCent(
  result: number,
  amount: number,
  numerator: number,
  denominator: number,
): boolean {
  const error = BigInt(result) * BigInt(denominator) - BigInt(amount) * BigInt(numerator);
  const magnitude = error < 0n ? -error : error;
  return magnitude * 2n <= BigInt(denominator);
}

describe("isCents / assertCents", () => {
  it("accepts safe integers only", () => {
    expect(isCents(0)).toBe(true);
    expect(isCents(-2032)).toBe(true);
    expect(isCents(MAX)).toBe(true);
    expect(isCents(MAX + 1)).toBe(false);
    expect(isCents(20.32)).toBe(false);
    expect(isCents(Number.NaN)).toBe(false);
    expect(isCents(Number.POSITIVE_INFINITY)).toBe(false);
    expect(isCents("100")).toBe(false);
    expect(isCents(null)).toBe(false);
  });

  it("names the field in the error", () => {
    expect(assertCents(42)).toBe(42);
    expect(() => assertCents(0.1, "unitAmount")).toThrow(/unitAmount/);
  });
});

describe("roundHalfUpRatio", () => {
  it("prorates the design's worked example exactly", () => {
    expect(roundHalfUpRatio(3000, 21, 31)).toBe(2032); // 2032.258…
    expect(roundHalfUpRatio(6000, 21, 31)).toBe(4065); // 4064.516…
    expect(roundHalfUpRatio(6000, 21, 31) - roundHalfUpRatio(3000, 21, 31)).toBe(2033);
  });

  it("rounds negative amounts half away from zero", () => {
    expect(roundHalfUpRatio(-3000, 21, 31)).toBe(-2032);
    expect(roundHalfUpRatio(-6000, 21, 31)).toBe(-4065);
    expect(roundHalfUpRatio(3000, -21, 31)).toBe(-2032);
    expect(roundHalfUpRatio(-3000, -21, 31)).toBe(2032);
  });

  it("rounds exact halves away from zero and anything below a half towards zero", () => {
    expect(roundHalfUpRatio(1, 1, 2)).toBe(1); // 0.5
    expect(roundHalfUpRatio(-1, 1, 2)).toBe(-1);
    expect(roundHalfUpRatio(3, 1, 2)).toBe(2); // 1.5
    expect(roundHalfUpRatio(5, 1, 2)).toBe(3); // 2.5 → 3 (banker's rounding would give 2)
    expect(roundHalfUpRatio(-5, 1, 2)).toBe(-3);
    expect(roundHalfUpRatio(5, 1, 10)).toBe(1); // 0.5
    expect(roundHalfUpRatio(4, 1, 10)).toBe(0); // 0.4
    expect(roundHalfUpRatio(-4, 1, 10)).toBe(0);
    expect(Object.is(roundHalfUpRatio(-4, 1, 10), -0)).toBe(false);
    expect(roundHalfUpRatio(1250, 1900, 10_000)).toBe(238); // 237.5
    expect(roundHalfUpRatio(-1250, 1900, 10_000)).toBe(-238);
    expect(roundHalfUpRatio(4999, 1, 10_000)).toBe(0); // 0.4999
  });

  it("keeps whole and empty ratios exact", () => {
    expect(roundHalfUpRatio(2999, 31, 31)).toBe(2999);
    expect(roundHalfUpRatio(2999, 0, 31)).toBe(0);
    expect(roundHalfUpRatio(0, 21, 31)).toBe(0);
  });

  it("is exact where a float product would not be", () => {
    // 9007199254740991 × 3 / 3 overflows a double in the middle; BigInt does not.
    expect(roundHalfUpRatio(MAX, 3, 3)).toBe(MAX);
    expect(roundHalfUpRatio(MAX, 1, 2)).toBe(4_503_599_627_370_496);
  });

  it("refuses non-integer input, a non-positive denominator and an unsafe result", () => {
    expect(() => roundHalfUpRatio(10.5, 1, 2)).toThrow(RangeError);
    expect(() => roundHalfUpRatio(10, 1.5, 2)).toThrow(RangeError);
    expect(() => roundHalfUpRatio(10, 1, 0)).toThrow(RangeError);
    expect(() => roundHalfUpRatio(10, 1, -2)).toThrow(RangeError);
    expect(() => roundHalfUpRatio(MAX, 2, 1)).toThrow(RangeError);
  });

  it("never differs from the exact value by more than half a cent", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000_000_000, max: 1_000_000_000_000 }),
        fc.integer({ min: -400, max: 400 }),
        fc.integer({ min: 1, max: 400 }),
        (amount, numerator, denominator) =>
          withinHalfCent(
            roundHalfUpRatio(amount, numerator, denominator),
            amount,
            numerator,
            denominator,
          ),
      ),
      { numRuns: 2000 },
    );
  });

  it("is symmetric for negatives", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -MAX, max: MAX }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 1, max: 400 }),
        (amount, a, b) => {
          const [numerator, denominator] = a <= b ? [a, b] : [b, a || 1];
          expect(roundHalfUpRatio(-amount, numerator, denominator)).toBe(
            -roundHalfUpRatio(amount, numerator, denominator) || 0,
          );
          expect(roundHalfUpRatio(amount, -numerator, denominator)).toBe(
            -roundHalfUpRatio(amount, numerator, denominator) || 0,
          );
        },
      ),
    );
  });

  it("breaks exact ties away from zero", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10_000_000, max: 10_000_000 }),
        fc.integer({ min: 1, max: 1000 }),
        (whole, halfDenominator) => {
          // amount / (2·h) with amount = (2·whole + 1)·h lies exactly on whole + ½.
          const amount = (2 * whole + 1) * halfDenominator;
          const expected = whole >= 0 ? whole + 1 : whole;
          expect(roundHalfUpRatio(amount, 1, 2 * halfDenominator)).toBe(expected);
        },
      ),
    );
  });

  it("loses or invents at most one cent when a period's days are split in two", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -100_000_000, max: 100_000_000 }),
        fc.integer({ min: 28, max: 366 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (amount, days, fraction) => {
          const first = Math.floor(days * fraction);
          const parts =
            roundHalfUpRatio(amount, first, days) + roundHalfUpRatio(amount, days - first, days);
          expect(Math.abs(parts - amount)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("gives the whole amount for the whole period", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -MAX, max: MAX }),
        fc.integer({ min: 1, max: 366 }),
        (amount, days) => {
          expect(roundHalfUpRatio(amount, days, days)).toBe(amount);
        },
      ),
    );
  });
});

describe("lineAmount", () => {
  it("multiplies unit amount and quantity", () => {
    expect(lineAmount(1999, 3)).toBe(5997);
    expect(lineAmount(-500, 2)).toBe(-1000);
    expect(lineAmount(1999, 0)).toBe(0);
  });

  it("refuses fractions and products beyond safe integers", () => {
    expect(() => lineAmount(19.99, 3)).toThrow(/unitAmount/);
    expect(() => lineAmount(1999, 1.5)).toThrow(/quantity/);
    expect(() => lineAmount(MAX, 2)).toThrow(RangeError);
  });
});

describe("sumCents", () => {
  it("adds integer cents", () => {
    expect(sumCents([])).toBe(0);
    expect(sumCents([-2032, 4065])).toBe(2033);
    expect(sumCents([1, 2, 3])).toBe(6);
  });

  it("is exact even when a running float total would have left the safe range", () => {
    // A float running total rounds MAX + 2 to MAX + 1 and then returns MAX − 1.
    expect(sumCents([MAX, 2, -2])).toBe(MAX);
    expect(sumCents([MAX, MAX, -MAX])).toBe(MAX);
  });

  it("refuses non-integers and an unsafe total", () => {
    expect(() => sumCents([1, 0.5])).toThrow(RangeError);
    expect(() => sumCents([MAX, 1])).toThrow(RangeError);
  });

  it("equals the exact BigInt sum", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e12, max: 1e12 }), { maxLength: 50 }), (amounts) => {
        expect(BigInt(sumCents(amounts))).toBe(
          amounts.reduce((sum, amount) => sum + BigInt(amount), 0n),
        );
      }),
    );
  });
});

describe("totalsOf", () => {
  it("applies 19 % and 7 % on each rate's net sum", () => {
    const totals = totalsOf([
      { netAmount: 1000, taxRate: 1900 },
      { netAmount: 500, taxRate: 700 },
      { netAmount: 2999, taxRate: 1900 },
      { netAmount: 1250, taxRate: 700 },
    ]);
    expect(totals).toEqual({
      netAmount: 5749,
      taxAmount: 883,
      grossAmount: 6632,
      taxBreakdown: [
        { taxRate: 1900, netAmount: 3999, taxAmount: 760 }, // 759.81
        { taxRate: 700, netAmount: 1750, taxAmount: 123 }, // 122.5
      ],
    });
  });

  it("taxes the sum per rate, not each line", () => {
    // Per line 3 × round(0.57) = 3; on the sum round(9 × 0.19 = 1.71) = 2 (EN 16931 BR-CO-17).
    const lines = [3, 3, 3].map((netAmount) => ({ netAmount, taxRate: 1900 }));
    expect(totalsOf(lines).taxAmount).toBe(2);
  });

  it("totals the worked proration example and its credit note", () => {
    const interim = totalsOf([
      { netAmount: -2032, taxRate: 1900 },
      { netAmount: 4065, taxRate: 1900 },
    ]);
    expect(interim).toMatchObject({ netAmount: 2033, taxAmount: 386, grossAmount: 2419 }); // 386.27

    const creditNote = totalsOf([
      { netAmount: -4065, taxRate: 1900 },
      { netAmount: 2032, taxRate: 1900 },
    ]);
    expect(creditNote).toEqual({
      netAmount: -2033,
      taxAmount: -386,
      grossAmount: -2419,
      taxBreakdown: [{ taxRate: 1900, netAmount: -2033, taxAmount: -386 }],
    });
  });

  it("rounds negative VAT half away from zero, like positive VAT", () => {
    expect(totalsOf([{ netAmount: -1250, taxRate: 1900 }])).toMatchObject({
      taxAmount: -238,
      grossAmount: -1488,
    });
    expect(totalsOf([{ netAmount: -1250, taxRate: 700 }])).toMatchObject({
      taxAmount: -88,
      grossAmount: -1338,
    }); // −87.5
  });

  it("handles 0 %, lines that cancel out and no lines", () => {
    expect(totalsOf([{ netAmount: 1000, taxRate: 0 }])).toMatchObject({
      taxAmount: 0,
      grossAmount: 1000,
    });
    expect(
      totalsOf([
        { netAmount: 1000, taxRate: 1900 },
        { netAmount: -1000, taxRate: 1900 },
      ]),
    ).toEqual({
      netAmount: 0,
      taxAmount: 0,
      grossAmount: 0,
      taxBreakdown: [{ taxRate: 1900, netAmount: 0, taxAmount: 0 }],
    });
    expect(totalsOf([])).toEqual({ netAmount: 0, taxAmount: 0, grossAmount: 0, taxBreakdown: [] });
  });

  it("refuses fractional nets and unsafe totals", () => {
    expect(() => totalsOf([{ netAmount: 10.5, taxRate: 1900 }])).toThrow(/netAmount/);
    expect(() => totalsOf([{ netAmount: MAX, taxRate: 1900 }])).toThrow(RangeError);
    expect(() =>
      totalsOf([
        { netAmount: MAX, taxRate: 0 },
        { netAmount: MAX, taxRate: 700 },
      ]),
    ).toThrow(RangeError);
  });

  const lineArbitrary: fc.Arbitrary<TaxableLine> = fc.record({
    netAmount: fc.integer({ min: -100_000_000, max: 100_000_000 }),
    taxRate: fc.constantFrom(0, 700, 1000, 1300, 1900, 2000),
  });

  it("keeps gross = net + tax and each rate's tax within half a cent of exact", () => {
    fc.assert(
      fc.property(fc.array(lineArbitrary, { maxLength: 30 }), (lines) => {
        const totals = totalsOf(lines);
        expect(totals.grossAmount).toBe(totals.netAmount + totals.taxAmount);
        expect(totals.netAmount).toBe(lines.reduce((sum, line) => sum + line.netAmount, 0));
        expect(totals.taxAmount).toBe(
          totals.taxBreakdown.reduce((sum, entry) => sum + entry.taxAmount, 0),
        );
        for (const entry of totals.taxBreakdown) {
          const groupNet = lines
            .filter((line) => line.taxRate === entry.taxRate)
            .reduce((sum, line) => sum + line.netAmount, 0);
          expect(entry.netAmount).toBe(groupNet);
          expect(withinHalfCent(entry.taxAmount, entry.netAmount, entry.taxRate, 10_000)).toBe(
            true,
          );
        }
        const rates = totals.taxBreakdown.map((entry) => entry.taxRate);
        expect(rates).toEqual(
          [...new Set(lines.map((line) => line.taxRate))].sort((a, b) => b - a),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it("does not depend on line order", () => {
    fc.assert(
      fc.property(fc.array(lineArbitrary, { maxLength: 20 }), (lines) => {
        expect(totalsOf([...lines].reverse())).toEqual(totalsOf(lines));
      }),
    );
  });

  it("mirrors exactly when every line is negated (a full credit note)", () => {
    fc.assert(
      fc.property(fc.array(lineArbitrary, { minLength: 1, maxLength: 20 }), (lines) => {
        const original = totalsOf(lines);
        const credit = totalsOf(lines.map((line) => ({ ...line, netAmount: -line.netAmount })));
        expect(credit.netAmount).toBe(-original.netAmount || 0);
        expect(credit.taxAmount).toBe(-original.taxAmount || 0);
        expect(credit.grossAmount).toBe(-original.grossAmount || 0);
      }),
    );
  });
});
