// Pins the exact euro→cent conversion of finAPI amounts: worked examples where Math.round(x*100)
// or truncation go wrong, rejection of anything that is not a two-decimal amount, and
// fast-check properties against an exact decimal (BigInt) reference.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  centsToAmount,
  MAX_FINAPI_AMOUNT,
  toCents,
  toCentsOrNull,
} from "../../worker/banking/finapi/amount.ts";

/** Exact cents of a decimal string with ≤ 2 decimals, computed without any floating point. */
function referenceCents(decimal: string): number {
  const negative = decimal.startsWith("-");
  const [whole = "0", fraction = ""] = decimal.replace("-", "").split(".");
  const cents = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0") || "0");
  const value = Number(negative ? -cents : cents);
  return value === 0 ? 0 : value;
}

const MAX_CENTS = MAX_FINAPI_AMOUNT * 100;

describe("toCents: worked examples", () => {
  it.each([
    [4111.3, 411130],
    [0.29, 29],
    [4.35, 435],
    [1.13, 113],
    [0.07, 7],
    [-99.99, -9999],
    [-1.11, -111],
    [19.99, 1999],
    [1e3, 100000],
    [0, 0],
    [0.1, 10],
    [100, 10000],
    [-0.01, -1],
    [12345678.91, 1234567891],
  ])("%s € → %s ct", (amount, cents) => {
    expect(toCents(amount)).toBe(cents);
  });

  it("gets right what float multiplication gets wrong", () => {
    // The classic traps: the binary products are 434.99999999999994 and 28.999999999999996.
    expect(Math.floor(4.35 * 100)).toBe(434);
    expect(toCents(4.35)).toBe(435);
    expect(Math.trunc(0.29 * 100)).toBe(28);
    expect(toCents(0.29)).toBe(29);
  });

  it("normalises negative zero", () => {
    expect(Object.is(toCents(-0), 0)).toBe(true);
  });

  it("parses exponent notation that String() produces", () => {
    expect(toCents(1e21 / 1e10)).toBe(1e13); // 1e11 €
    expect(toCents(Number("1.5e2"))).toBe(15000);
  });
});

describe("toCents: rejections", () => {
  it.each([
    [1.005, "more than 2 decimals"],
    [0.1 + 0.2, "more than 2 decimals"],
    [0.001, "more than 2 decimals"],
    [1e-7, "more than 2 decimals"],
    [5e-324, "more than 2 decimals"],
    [-12.345, "more than 2 decimals"],
  ])("rejects %s (%s) instead of rounding", (amount, message) => {
    expect(() => toCents(amount)).toThrow(RangeError);
    expect(() => toCents(amount)).toThrow(message);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    "rejects %s",
    (amount) => {
      expect(() => toCents(amount)).toThrow(/finite/);
    },
  );

  it("rejects amounts beyond the range where a double still names one cent", () => {
    expect(() => toCents(1e21)).toThrow(/out of range/);
    expect(() => toCents(-(MAX_FINAPI_AMOUNT + 1))).toThrow(/out of range/);
    expect(toCents(MAX_FINAPI_AMOUNT)).toBe(MAX_CENTS);
  });

  it("rejects non-numbers that slip past the types", () => {
    expect(() => toCents("12.30" as unknown as number)).toThrow(RangeError);
    expect(() => toCents(null as unknown as number)).toThrow(RangeError);
  });
});

describe("toCentsOrNull / centsToAmount", () => {
  it("passes null and undefined through", () => {
    expect(toCentsOrNull(null)).toBeNull();
    expect(toCentsOrNull(undefined)).toBeNull();
    expect(toCentsOrNull(-1.11)).toBe(-111);
  });

  it("centsToAmount refuses fractional cents", () => {
    expect(() => centsToAmount(1.5)).toThrow(RangeError);
    expect(centsToAmount(411130)).toBe(4111.3);
  });
});

describe("toCents: properties", () => {
  const cents = fc.integer({ min: -MAX_CENTS, max: MAX_CENTS });

  it("round-trips every cent amount in range: toCents(c / 100) === c", () => {
    fc.assert(
      fc.property(cents, (c) => {
        expect(toCents(c / 100)).toBe(c === 0 ? 0 : c);
      }),
      { numRuns: 5000 },
    );
  });

  it("agrees with exact decimal arithmetic on JSON texts with 0, 1 or 2 decimals", () => {
    const decimalText = fc
      .tuple(
        fc.boolean(),
        fc.bigInt({ min: 0n, max: BigInt(MAX_FINAPI_AMOUNT) - 1n }),
        fc.constantFrom(0, 1, 2),
        fc.integer({ min: 0, max: 99 }),
      )
      .map(([negative, whole, places, fraction]) => {
        const digits = String(fraction).padStart(2, "0").slice(0, places);
        return `${negative ? "-" : ""}${whole}${places > 0 ? `.${digits}` : ""}`;
      });
    fc.assert(
      fc.property(decimalText, (text) => {
        const parsed = JSON.parse(text) as number;
        expect(toCents(parsed)).toBe(referenceCents(text));
      }),
      { numRuns: 5000 },
    );
  });

  it("rejects every amount with a significant third decimal", () => {
    // |x| ≤ 10^9 keeps the third decimal representable, so it survives JSON parsing.
    const milli = fc
      .integer({ min: -1_000_000_000_000, max: 1_000_000_000_000 })
      .filter((m) => m % 10 !== 0);
    fc.assert(
      fc.property(milli, (m) => {
        expect(() => toCents(m / 1000)).toThrow(/more than 2 decimals/);
      }),
      { numRuns: 3000 },
    );
  });

  it("never returns a non-integer, and inverts centsToAmount", () => {
    fc.assert(
      fc.property(cents, (c) => {
        const result = toCents(centsToAmount(c));
        expect(Number.isSafeInteger(result)).toBe(true);
        expect(result).toBe(c === 0 ? 0 : c);
      }),
    );
  });

  it("is sign-symmetric", () => {
    fc.assert(
      fc.property(cents, (c) => {
        const amount = c / 100;
        expect(toCents(-amount)).toBe(-toCents(amount) || 0);
      }),
    );
  });
});
