// The row contract shared by scripts/bench.ts and every test/bench/*.bench.ts module.

/** One measured number; `ratio` is `value / baseline` (null when there is no baseline). */
export interface BenchRow {
  name: string;
  unit: string;
  value: number;
  baseline: number | null;
  ratio: number | null;
}

/** What scripts/bench.ts expects a `*.bench.ts` module to export. */
export interface BenchModule {
  run(): Promise<BenchRow[]>;
  /** Overrides the harness's per-module time limit for a module with a slow measured baseline. */
  timeoutMs?: number;
}

/** A row with `ratio = value / baseline`, or null when the baseline is missing or zero. */
export function benchRow(
  name: string,
  unit: string,
  value: number,
  baseline: number | null,
): BenchRow {
  const ratio = baseline === null || baseline === 0 ? null : value / baseline;
  return { name, unit, value, baseline, ratio };
}
