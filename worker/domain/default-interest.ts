// Default interest (Verzugszinsen) under § 288 BGB and the § 288 (5) BGB flat fee: the
// Basiszinssatz (§ 247 BGB, set every 1 January and 1 July) plus 5 percentage points for
// consumers or 9 for businesses, accruing per day on what is still open, so a partial payment
// lowers the base from the day after it arrived.
import { addDays, daysBetween, type IsoDate } from "./calendar.ts";
import type { Cents } from "./money.ts";

export type Debtor = "consumer" | "business";

/** A Basiszinssatz and the date it applies from; basis points, and it has been negative. */
export interface BaseRate {
  validFrom: IsoDate;
  rateBp: number;
}

/** Percentage points above the Basiszinssatz: § 288 (1) BGB consumers, § 288 (2) BGB businesses. */
export const INTEREST_MARGIN_BP: Readonly<Record<Debtor, number>> = {
  consumer: 500,
  business: 900,
};

/** § 288 (5) BGB: a debtor who is not a consumer owes 40 EUR once per claim in default. */
export const B2B_FLAT_FEE: Cents = 4_000;

/**
 * The Deutsche Bundesbank's published rates up to the last one known when this was written.
 * A merchant adds each new half-year's rate in the dunning settings; until then the last
 * known rate keeps applying, as a rate stays valid until it is changed.
 */
export const BASISZINSSATZ: readonly BaseRate[] = [
  { validFrom: "2023-01-01", rateBp: 162 },
  { validFrom: "2023-07-01", rateBp: 312 },
  { validFrom: "2024-01-01", rateBp: 362 },
  { validFrom: "2024-07-01", rateBp: 337 },
  { validFrom: "2025-01-01", rateBp: 227 },
  { validFrom: "2025-07-01", rateBp: 127 },
];

/** A day count of 365 per year, as German courts and interest calculators count default interest. */
export const DAYS_PER_YEAR = 365;

export interface DatedPayment {
  date: IsoDate;
  amount: Cents;
}

export interface InterestInput {
  /** What fell due on `dueDate` (the invoice's gross amount). */
  principal: Cents;
  dueDate: IsoDate;
  /** Interest is counted up to and including this day. */
  asOf: IsoDate;
  payments: readonly DatedPayment[];
  debtor: Debtor;
  baseRates: readonly BaseRate[];
}

/** Days `from` (exclusive) to `to` (inclusive) with one base and one rate. */
export interface InterestSegment {
  from: IsoDate;
  to: IsoDate;
  days: number;
  base: Cents;
  /** Basiszinssatz + margin, never below zero. */
  rateBp: number;
}

export interface InterestResult {
  amount: Cents;
  segments: InterestSegment[];
}

function baseRateOn(rates: readonly BaseRate[], day: IsoDate): number {
  let rate: number | null = null;
  for (const entry of rates) if (entry.validFrom <= day) rate = entry.rateBp;
  if (rate === null) throw new RangeError(`no Basiszinssatz is known for ${day}`);
  return rate;
}

/** Days on which the base or the rate changes: a payment counts from the next day on. */
function changeDays(input: InterestInput): IsoDate[] {
  const days = new Set<IsoDate>();
  for (const payment of input.payments) days.add(addDays(payment.date, 1));
  for (const rate of input.baseRates) days.add(rate.validFrom);
  return [...days].filter((day) => day > addDays(input.dueDate, 1) && day <= input.asOf).sort();
}

function openOn(input: InterestInput, day: IsoDate): Cents {
  const paid = input.payments
    .filter((payment) => payment.date < day)
    .reduce((sum, payment) => sum + payment.amount, 0);
  return Math.max(0, input.principal - paid);
}

/**
 * Default begins the day after the due date (§ 286 (2) no. 1, § 187 (1) BGB). The exact sum over
 * all segments is rounded once, half-up, so splitting the period never adds or loses a cent.
 */
export function defaultInterest(input: InterestInput): InterestResult {
  if (input.asOf <= input.dueDate) return { amount: 0, segments: [] };
  const sorted = [...input.baseRates].sort((a, b) => (a.validFrom < b.validFrom ? -1 : 1));
  const starts = [addDays(input.dueDate, 1), ...changeDays(input)];
  const segments: InterestSegment[] = [];
  let numerator = 0n;
  starts.forEach((start, index) => {
    const next = starts[index + 1];
    const to = next ? addDays(next, -1) : input.asOf;
    const base = openOn(input, start);
    const rateBp = Math.max(0, baseRateOn(sorted, start) + INTEREST_MARGIN_BP[input.debtor]);
    const days = daysBetween(start, to) + 1;
    const last = segments[segments.length - 1];
    if (last && last.base === base && last.rateBp === rateBp) {
      last.to = to;
      last.days += days;
    } else segments.push({ from: addDays(start, -1), to, days, base, rateBp });
    numerator += BigInt(base) * BigInt(rateBp) * BigInt(days);
  });
  const denominator = BigInt(10_000 * DAYS_PER_YEAR);
  const rounded = (numerator * 2n + denominator) / (denominator * 2n);
  return { amount: Number(rounded), segments: segments.filter((s) => s.base > 0 && s.rateBp > 0) };
}
