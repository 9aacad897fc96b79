// Benchmark for DESIGN "Performance": the indexed matcher (matchStatement: scan, index what the
// statement can reach, match) on 10 000 bank transactions against 50 000 open invoices, against
// the naive all-pairs matcher on the same data, measured (it takes tens of seconds); the
// scaling from 1k/5k to 10k/50k (target ≤ 12× the time for 10× the data; both sizes timed in
// turns in one process, test/bench/interleaved.ts), beside the work it counts and the time
// factor of the cheapest steps on the same inputs (matching-floor.ts); agreement with the
// naive matcher and with the generator's labels. Data comes from a seeded generator
// (test/support/matching-data.ts) so every run measures the same work. `run()` is called by
// scripts/bench.ts; `npx tsx test/bench/matching.bench.ts` prints the rows.
import { matchStatement, type MatchResult } from "../../worker/domain/payment-matching.ts";
import {
  MATCHING_SIZES,
  generateMatchingData,
  type MatchingData,
} from "../support/matching-data.ts";
import { naiveMatch, type NaiveResult } from "../support/naive-matcher.ts";
import { matchingWork } from "../support/matching-work.ts";
import { cpuMs, timeInterleaved } from "./interleaved.ts";
import { timeMatchingFloor } from "./matching-floor.ts";
import { benchRow, type BenchRow } from "./types.ts";

// ---------------------------------------------------------------------------------------------
// Measurement

export function indexedMatch(data: MatchingData): MatchResult[] {
  return matchStatement(data.transactions, data.invoices, data.ibans);
}

function naive(data: MatchingData): NaiveResult[] {
  return naiveMatch(data.invoices, data.ibans, data.transactions);
}

/** Share of transactions on which both matchers book the same outcome, rule and invoices. */
function agreement(fast: readonly MatchResult[], slow: readonly NaiveResult[]): number {
  const same = fast.filter((result, i) => {
    const other = slow[i];
    return (
      other !== undefined &&
      result.outcome === other.outcome &&
      result.rule === other.rule &&
      result.allocations.map((a) => a.invoiceId).join() === other.invoiceIds.join()
    );
  }).length;
  return (100 * same) / fast.length;
}

/** Interleaved rounds of one small and one large run for the timing and scaling rows. */
const SCALING_ROUNDS = 21;

/** The naive matcher at 10k × 50k takes about a minute of CPU, several on a busy machine. */
export const timeoutMs = 15 * 60_000;

export async function run(): Promise<BenchRow[]> {
  const small = generateMatchingData(...MATCHING_SIZES.small);
  const large = generateMatchingData(...MATCHING_SIZES.large);
  // CPU time of this process, not wall time: on a shared machine the wall clock mostly measures
  // how long the neighbours held the cores. Both sizes in turns, each run timed on its own,
  // after warm-up rounds; medians, so neither a lucky nor an unlucky run decides.
  const timings = timeInterleaved(
    SCALING_ROUNDS,
    () => indexedMatch(small),
    () => indexedMatch(large),
  );
  const floor = timeMatchingFloor(small, large, SCALING_ROUNDS);
  const smallWork = matchingWork(small);
  const largeWork = matchingWork(large);
  const small1k = timings.small.median;
  const large10k = timings.large.median;
  const naive1k = cpuMs(() => naive(small));
  let slowLarge: NaiveResult[] = [];
  const naive10k = cpuMs(() => (slowLarge = naive(large)));

  const fastSmall = indexedMatch(small);
  const fastLarge = indexedMatch(large);
  const booked = fastLarge.filter((result) => result.allocations.length > 0).length;
  const placeable = large.expected.filter((expected) => expected !== null).length;

  return [
    benchRow(
      "matching 10k tx × 50k invoices, matchStatement, CPU, median of 21 interleaved runs (baseline: naive all-pairs on the same data, measured once)",
      "ms",
      large10k,
      naive10k,
    ),
    benchRow(
      "matching 1k tx × 5k invoices, matchStatement, CPU, median of 21 interleaved runs (baseline: naive all-pairs, same data, measured)",
      "ms",
      small1k,
      naive1k,
    ),
    benchRow(
      "scaling 1k/5k → 10k/50k: time factor for 10× the data, CPU, ratio of the medians (baseline: limit 12×)",
      "x",
      timings.medianRatio,
      12,
    ),
    benchRow(
      "scaling 1k/5k → 10k/50k: time factor for 10× the data, CPU, ratio of the best runs (baseline: limit 12×)",
      "x",
      timings.bestRatio,
      12,
    ),
    benchRow(
      "scaling 1k/5k → 10k/50k: work factor for 10× the data, field reads of the inputs, counted (baseline: 10×)",
      "x",
      largeWork.fieldReads / smallWork.fieldReads,
      10,
    ),
    benchRow(
      "scaling 1k/5k → 10k/50k: work factor for 10× the data, Map and Set operations, counted (baseline: 10×)",
      "x",
      largeWork.hashOperations / smallWork.hashOperations,
      10,
    ),
    benchRow(
      "floor 1k/5k → 10k/50k: time factor of filling one Map with the customers' IBANs, CPU, ratio of the medians (baseline: limit 12×)",
      "x",
      floor.ibanMap.medianRatio,
      12,
    ),
    benchRow(
      "floor 1k/5k → 10k/50k: time factor of reading each invoice's reference, number and customer once, CPU, ratio of the medians (baseline: limit 12×)",
      "x",
      floor.invoiceStrings.medianRatio,
      12,
    ),
    benchRow(
      "naive all-pairs scaling 1k/5k → 10k/50k: time factor for 10× the data (baseline: 100× pairs)",
      "x",
      naive10k / naive1k,
      100,
    ),
    benchRow(
      "same outcome, rule and invoices as the naive matcher, 1k × 5k",
      "%",
      agreement(fastSmall, naive(small)),
      100,
    ),
    benchRow(
      "same outcome, rule and invoices as the naive matcher, 10k × 50k",
      "%",
      agreement(fastLarge, slowLarge),
      100,
    ),
    benchRow(
      "booked automatically, 10k tx (baseline: generated so that the rules can place them)",
      "%",
      (100 * booked) / large.transactions.length,
      (100 * placeable) / large.transactions.length,
    ),
  ];
}

const entry = typeof process === "object" && process !== null ? process.argv?.[1] : undefined;
if (entry && decodeURIComponent(new URL(import.meta.url).pathname) === entry) {
  for (const row of await run()) console.log(JSON.stringify(row));
}
