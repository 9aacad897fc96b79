// Domain micro-benchmarks: exact money rounding/totals and anchored billing periods, each
// against a naive baseline measured in the same process (ops/s, ratio = ours / baseline).
import { prng } from "../support/prng.ts";
import {
  nthPeriod,
  periodContaining,
  type BillingInterval,
  type IsoDate,
  type Period,
} from "../../worker/domain/calendar.ts";
import { roundHalfUpRatio, totalsOf, type TaxableLine } from "../../worker/domain/money.ts";
import { benchRow, type BenchRow } from "./types.ts";

/** Inputs per benchmark; a power of two so `i & MASK` cycles through them. */
const INPUTS = 4096;
const MASK = INPUTS - 1;
/** Interleaved rounds per side; the best (least disturbed) round counts. */
const ROUNDS = 3;
/** Time per round per side: 3 rounds × 2 sides × 120 ms + warm-up stays well under 1 s. */
const ROUND_MS = 120;
/** Hard cap on calls per round, whatever the clock says. */
const MAX_CALLS_PER_ROUND = 5_000_000;

/** Results flow here so the JIT cannot drop the measured calls. */
let sink = 0;

function intBetween(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** Calls `op` for about `ms` milliseconds (in batches, capped) and returns calls per second. */
function timed(op: (i: number) => number, ms: number): number {
  const batch = 256;
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms && calls < MAX_CALLS_PER_ROUND) {
    let acc = 0;
    for (let j = 0; j < batch; j++) acc += op(calls + j);
    sink += acc;
    calls += batch;
    elapsed = performance.now() - start;
  }
  return (calls / elapsed) * 1000;
}

/** ops/s of `ours` and `baseline`, interleaved round by round; best round of each. */
function compare(
  ours: (i: number) => number,
  baseline: (i: number) => number,
): { value: number; baseline: number } {
  timed(ours, ROUND_MS / 4);
  timed(baseline, ROUND_MS / 4);
  let best = 0;
  let bestBaseline = 0;
  for (let round = 0; round < ROUNDS; round++) {
    best = Math.max(best, timed(ours, ROUND_MS));
    bestBaseline = Math.max(bestBaseline, timed(baseline, ROUND_MS));
  }
  return { value: best, baseline: bestBaseline };
}

function pick<T>(items: readonly T[], i: number): T {
  const item = items[i & MASK];
  if (item === undefined) throw new Error(`no input at ${i & MASK}`);
  return item;
}

// ---- money -------------------------------------------------------------------------------

interface RatioInput {
  amount: number;
  numerator: number;
  denominator: number;
}

/** Half proration ratios (days left / days in period), half VAT (net × rate / 10 000). */
function ratioInputs(): RatioInput[] {
  const random = prng(1);
  return Array.from({ length: INPUTS }, (_, i) => {
    const amount = intBetween(random, -200_000, 2_000_000);
    if (i % 2 === 0) {
      const denominator = intBetween(random, 28, 31);
      return { amount, numerator: intBetween(random, 0, denominator), denominator };
    }
    return { amount, numerator: [1900, 700, 0][i % 3] ?? 1900, denominator: 10_000 };
  });
}

function floatRound(amount: number, numerator: number, denominator: number): number {
  return Math.round((amount * numerator) / denominator);
}

/** Invoices of 1–12 lines over the German rates (19 %, 7 %, 0 %), credits included. */
function invoiceInputs(): TaxableLine[][] {
  const random = prng(2);
  const rates = [1900, 1900, 1900, 700, 0];
  return Array.from({ length: INPUTS }, () =>
    Array.from({ length: intBetween(random, 1, 12) }, () => ({
      netAmount: intBetween(random, -50_000, 500_000),
      taxRate: rates[intBetween(random, 0, rates.length - 1)] ?? 1900,
    })),
  );
}

/** The naive way: float sums per rate in a plain object, `Math.round` for the tax. */
function naiveTotals(lines: readonly TaxableLine[]): {
  netAmount: number;
  taxAmount: number;
  grossAmount: number;
} {
  const byRate: Record<number, number> = {};
  for (const line of lines) byRate[line.taxRate] = (byRate[line.taxRate] ?? 0) + line.netAmount;
  let netAmount = 0;
  let taxAmount = 0;
  for (const [rate, net] of Object.entries(byRate)) {
    netAmount += net;
    taxAmount += Math.round((net * Number(rate)) / 10_000);
  }
  return { netAmount, taxAmount, grossAmount: netAmount + taxAmount };
}

// ---- calendar ----------------------------------------------------------------------------

const MONTHS: Record<BillingInterval, number> = { month: 1, quarter: 3, year: 12 };

/** `anchor` + `months` with month-end clamping, the naive way: through `Date`. */
function naiveAddMonths(anchor: IsoDate, months: number): IsoDate {
  const year = Number(anchor.slice(0, 4));
  const month = Number(anchor.slice(5, 7));
  const day = Number(anchor.slice(8, 10));
  const target = new Date(Date.UTC(year, month - 1 + months, 1));
  const lastDay = new Date(
    Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0),
  ).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target.toISOString().slice(0, 10);
}

/** Walks from the anchor one period at a time (each boundary from the anchor, so no drift). */
function walkToNth(anchor: IsoDate, interval: BillingInterval, n: number): Period {
  const months = MONTHS[interval];
  let start = anchor;
  let end = naiveAddMonths(anchor, months);
  for (let k = 1; k <= n; k++) {
    start = end;
    end = naiveAddMonths(anchor, (k + 1) * months);
  }
  return { start, end };
}

function walkToContaining(anchor: IsoDate, interval: BillingInterval, date: IsoDate): Period {
  const months = MONTHS[interval];
  let start = anchor;
  let end = naiveAddMonths(anchor, months);
  for (let k = 1; end <= date; k++) {
    start = end;
    end = naiveAddMonths(anchor, (k + 1) * months);
  }
  return { start, end };
}

interface PeriodInput {
  anchor: IsoDate;
  interval: BillingInterval;
  n: number;
  date: IsoDate;
}

/** Anchors 2000–2030, month ends over-represented; up to 10 years into the contract. */
function periodInputs(): PeriodInput[] {
  const random = prng(3);
  const intervals: BillingInterval[] = ["month", "month", "month", "quarter", "year"];
  return Array.from({ length: INPUTS }, () => {
    const interval = intervals[intBetween(random, 0, intervals.length - 1)] ?? "month";
    const year = intBetween(random, 2000, 2030);
    const month = intBetween(random, 1, 12);
    const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const day = Math.min(
      lastDay,
      random() < 0.3 ? intBetween(random, 28, 31) : intBetween(random, 1, 28),
    );
    const anchor = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
    const n = intBetween(random, 0, Math.floor(120 / MONTHS[interval]) - 1);
    const date = new Date(Date.parse(anchor) + intBetween(random, 0, 3650) * 86_400_000)
      .toISOString()
      .slice(0, 10);
    return { anchor, interval, n, date };
  });
}

function samePeriod(a: Period, b: Period): boolean {
  return a.start === b.start && a.end === b.end;
}

// ---- run ---------------------------------------------------------------------------------

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];

  const ratios = ratioInputs();
  const rounding = compare(
    (i) => {
      const r = pick(ratios, i);
      return roundHalfUpRatio(r.amount, r.numerator, r.denominator);
    },
    (i) => {
      const r = pick(ratios, i);
      return floatRound(r.amount, r.numerator, r.denominator);
    },
  );
  rows.push(
    benchRow(
      "domain roundHalfUpRatio (BigInt exact) vs float Math.round(a*n/d)",
      "ops/s",
      rounding.value,
      rounding.baseline,
    ),
  );

  const invoices = invoiceInputs();
  for (const lines of invoices) {
    const ours = totalsOf(lines);
    const naive = naiveTotals(lines);
    if (ours.netAmount !== naive.netAmount)
      throw new Error(`totalsOf and the naive sum disagree on the net of ${JSON.stringify(lines)}`);
  }
  const totals = compare(
    (i) => totalsOf(pick(invoices, i)).grossAmount,
    (i) => naiveTotals(pick(invoices, i)).grossAmount,
  );
  rows.push(
    benchRow(
      "domain totalsOf (1-12 lines) vs float per-rate sums + Math.round",
      "ops/s",
      totals.value,
      totals.baseline,
    ),
  );

  const periods = periodInputs();
  for (const p of periods) {
    if (!samePeriod(nthPeriod(p.anchor, p.interval, p.n), walkToNth(p.anchor, p.interval, p.n))) {
      throw new Error(`nthPeriod and the walk disagree for ${JSON.stringify(p)}`);
    }
    if (
      !samePeriod(
        periodContaining(p.anchor, p.interval, p.date),
        walkToContaining(p.anchor, p.interval, p.date),
      )
    ) {
      throw new Error(`periodContaining and the walk disagree for ${JSON.stringify(p)}`);
    }
  }
  const nth = compare(
    (i) => {
      const p = pick(periods, i);
      return nthPeriod(p.anchor, p.interval, p.n).end.length;
    },
    (i) => {
      const p = pick(periods, i);
      return walkToNth(p.anchor, p.interval, p.n).end.length;
    },
  );
  rows.push(
    benchRow(
      "domain nthPeriod (n < 10 y) vs Date walk period by period from anchor",
      "ops/s",
      nth.value,
      nth.baseline,
    ),
  );

  const containing = compare(
    (i) => {
      const p = pick(periods, i);
      return periodContaining(p.anchor, p.interval, p.date).start.length;
    },
    (i) => {
      const p = pick(periods, i);
      return walkToContaining(p.anchor, p.interval, p.date).start.length;
    },
  );
  rows.push(
    benchRow(
      "domain periodContaining (<= 10 y) vs Date walk from anchor",
      "ops/s",
      containing.value,
      containing.baseline,
    ),
  );

  if (Number.isNaN(sink)) throw new Error("benchmark sink is NaN");
  return rows;
}
