// Measures the matcher's scaling (issue 15: 10× the data ≤ 12× the time) without the naive
// baseline: both bench sizes in one process, interleaved, CPU time per run; prints medians,
// bests, their ratios, the load average and the floor (test/bench/matching-floor.ts). `node --import tsx scripts/matching-scaling.ts [rounds]`.
import { readFileSync } from "node:fs";
import { timeInterleaved } from "../test/bench/interleaved.ts";
import { timeMatchingFloor } from "../test/bench/matching-floor.ts";
import { indexedMatch } from "../test/bench/matching.bench.ts";
import { MATCHING_SIZES, generateMatchingData } from "../test/support/matching-data.ts";

const rounds = Number(process.argv[2] ?? 15);
const small = generateMatchingData(...MATCHING_SIZES.small);
const large = generateMatchingData(...MATCHING_SIZES.large);
const load = (): string => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

const loadBefore = load();
const t = timeInterleaved(
  rounds,
  () => indexedMatch(small),
  () => indexedMatch(large),
);
const fmt = (n: number): string => n.toFixed(1);
console.log(`node ${process.version}, ${rounds} rounds, load ${loadBefore} → ${load()}`);
console.log(`small 1k×5k   median ${fmt(t.small.median)} ms  best ${fmt(t.small.best)} ms`);
console.log(`large 10k×50k median ${fmt(t.large.median)} ms  best ${fmt(t.large.best)} ms`);
console.log(`ratio median ${t.medianRatio.toFixed(2)}×  best ${t.bestRatio.toFixed(2)}×`);
const floor = timeMatchingFloor(small, large, rounds);
console.log(
  `floor: IBAN map ${floor.ibanMap.medianRatio.toFixed(2)}×, invoice strings ${floor.invoiceStrings.medianRatio.toFixed(2)}× (ratio of medians)`,
);
if (process.env.VERBOSE)
  console.log(JSON.stringify({ small: t.small.samples, large: t.large.samples }));
