// Money as integer cents: half-up (commercial) rounding of ratios and VAT per rate on line sums.
import type { Cents, TaxRateBp } from "../../widget/src/billing-types.ts";

export type { Cents, TaxRateBp } from "../../widget/src/billing-types.ts";

export function isCents(value: unknown): value is Cents {
  return typeof value === "number" && Number.isSafeInteger(value);
}

export function assertCents(value: number, what = "amount"): Cents {
  if (!isCents(value))
    throw new RangeError(`${what} must be an integer number of cents, got ${value}`);
  return value;
}

/**
 * round(amount × numerator / denominator), half away from zero ("kaufmännisch"), computed
 * exactly in BigInt so no intermediate product ever loses precision.
 */
export function roundHalfUpRatio(amount: Cents, numerator: number, denominator: number): Cents {
  assertCents(amount);
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator <= 0) {
    throw new RangeError(
      `ratio must be integers with a positive denominator, got ${numerator}/${denominator}`,
    );
  }
  const product = BigInt(amount) * BigInt(numerator);
  const negative = product < 0n;
  const magnitude = negative ? -product : product;
  const den = BigInt(denominator);
  let quotient = magnitude / den;
  if ((magnitude % den) * 2n >= den) quotient += 1n;
  const result = Number(negative ? -quotient : quotient);
  return assertCents(result, "rounded amount");
}

/** unit amount × quantity, checked to stay a safe integer. */
export function lineAmount(unitAmount: Cents, quantity: number): Cents {
  assertCents(unitAmount, "unitAmount");
  if (!Number.isSafeInteger(quantity))
    throw new RangeError(`quantity must be an integer, got ${quantity}`);
  return assertCents(unitAmount * quantity, "line amount");
}

/** Summed in BigInt: a float running total past 2^53 would round silently and could come back into range wrong. */
export function sumCents(amounts: readonly Cents[]): Cents {
  let total = 0n;
  for (const amount of amounts) total += BigInt(assertCents(amount));
  return assertCents(Number(total), "sum");
}

export interface TaxableLine {
  netAmount: Cents;
  taxRate: TaxRateBp;
}

export interface TaxBreakdownEntry {
  taxRate: TaxRateBp;
  netAmount: Cents;
  taxAmount: Cents;
}

export interface Totals {
  netAmount: Cents;
  taxAmount: Cents;
  grossAmount: Cents;
  taxBreakdown: TaxBreakdownEntry[];
}

/**
 * VAT per rate on the sum of the line nets (EN 16931 BR-CO-17), not per line: this is what
 * the invoice shows and what the tax office expects, and it never differs from the rate applied
 * to the group total by more than the one rounding step.
 */
export function totalsOf(lines: readonly TaxableLine[]): Totals {
  const byRate = new Map<TaxRateBp, Cents[]>();
  for (const line of lines) {
    const group = byRate.get(line.taxRate) ?? [];
    group.push(assertCents(line.netAmount, "netAmount"));
    byRate.set(line.taxRate, group);
  }
  const taxBreakdown = [...byRate.entries()]
    .sort(([a], [b]) => b - a)
    .map(([taxRate, nets]) => {
      const netAmount = sumCents(nets);
      return { taxRate, netAmount, taxAmount: roundHalfUpRatio(netAmount, taxRate, 10_000) };
    });
  const netAmount = sumCents(taxBreakdown.map((entry) => entry.netAmount));
  const taxAmount = sumCents(taxBreakdown.map((entry) => entry.taxAmount));
  return { netAmount, taxAmount, grossAmount: sumCents([netAmount, taxAmount]), taxBreakdown };
}
